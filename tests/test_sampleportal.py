"""A crawl of the sample portal (every platform's imitation site and the hostile cases) for real."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from crawler.sampleportal import SamplePortal

from .conftest import REPO


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo")
    # The demo command runs the portal, the crawl and the build in one process.
    run = subprocess.run([sys.executable, "-m", "archive.cli", "demo", "--data", str(data), "--no-serve"],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return data, run.stdout


def test_every_platform_site_yields_its_reports(crawled):
    data, out = crawled
    db = sqlite_utils.Database(data / "archive.db")
    found = {(r["portal"], r["url"].split("/", 3)[3]) for r in db.query("select portal, url from found_reports")}
    with SamplePortal() as portal:
        expected = {(e["portal"], e["url"].split("/", 3)[3]) for e in portal.expected()}
    missing = expected - found
    assert not missing, f"not found: {sorted(missing)}"
    assert not [u for _, u in found if u.endswith("_wap.html")], "a _wap twin was taken as a report of its own"
    notices = db.execute("select count(*) from found_reports where title like '%通知%' or title like '%指南%'")
    assert notices.fetchone()[0] == 0


def test_hostile_cases_are_recorded_not_followed(crawled):
    data, _ = crawled
    db = sqlite_utils.Database(data / "archive.db")
    outcome = {r["url"].split("/", 3)[3]: r["outcome"] for r in db.query("select url, outcome from captures")}
    assert outcome["challenge/412.html"] == "blocked" and outcome["challenge/521.html"] == "blocked"
    assert outcome["private/2020.html"] == "robots-denied"
    assert outcome["zfxxgknb/"] == "redirect" and outcome["old/xxgknb/"] == "http-error"
    assert outcome["loop/a"] in ("redirect", "failed") and outcome["loop/cookie"] in ("redirect", "blocked")
    assert outcome["files/big.pdf"] in ("too-large", "failed")
    assert not [u for u in outcome if "mirror" in u], "the spam mirror was crawled"
    calendar = [u for u in outcome if u.startswith("calendar")]
    assert 0 < len(calendar) <= 15, "the endless calendar was not cut short"
    assert db.execute("select count(*) from captures where url like '%slow-sample%' and outcome = 'new'").fetchone()[0]


def test_demo_builds_an_archive_with_reports(crawled):
    data, out = crawled
    assert "Built the archive" in out
    db = sqlite_utils.Database(data / "archive.db")
    assert db["reports"].count >= 18
    gbk = next(db.query("select charset_chosen from captures where url like '%trs6-sample%t20240118%' limit 1"))
    assert gbk["charset_chosen"] == "gb18030"
    assert Path(data / "warc").is_dir()
