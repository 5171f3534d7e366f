"""A crawl killed with SIGKILL and started again with the same job folder finishes
the same run without lost or duplicated captures."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import sqlite_utils

from .conftest import REPO
from .crawlkit import Site

PAGES = 40


def slow_site() -> Site:
    site = Site()
    site.add("/robots.txt", "User-agent: *\n", ctype="text/plain")
    site.add("/nb/index.html", "".join(f'<a href="/nb/t{i}.html">某县{2000 + i}年政府信息公开工作年度报告</a>'
                                       for i in range(PAGES)))
    for i in range(PAGES):  # slow enough to be killed half-way
        site.add(f"/nb/t{i}.html", f"<html><title>某县{2000 + i}年政府信息公开工作年度报告</title>/nb/t{i}.html</html>",
                 delay=0.15)
    return site


def test_sigkill_and_resume(tmp_path):
    site = slow_site()
    registry = tmp_path / "portals.csv"
    registry.write_text("id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,"
                        f"proxy_country,notes\nslow,某县,county,四川,generic,"
                        f"{site.base}/nb/index.html,,,,,,\n", encoding="utf-8")
    data, job = tmp_path / "data", tmp_path / "job"
    cmd = [sys.executable, "-m", "archive.cli", "crawl", "--registry", str(registry), "--data", str(data),
           "--job", str(job), "--fast", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    log = open(tmp_path / "first.log", "w")
    first = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=log, start_new_session=True)
    db_path = data / "archive.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until part of the site is captured
        assert first.poll() is None, "the crawl ended before it was killed:\n" + (tmp_path / "first.log").read_text()[-3000:]
        if db_path.exists():
            try:
                with sqlite3.connect(db_path, timeout=1) as conn:
                    done = conn.execute("select count(*) from captures where url like '%/nb/t%'").fetchone()[0]
            except sqlite3.Error:  # the crawler may be creating the tables
                done = 0
            if done >= 8:
                break
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    db = sqlite_utils.Database(db_path)
    before = db.execute("select count(*) from captures where url like '%/nb/t%'").fetchone()[0]
    assert 8 <= before < PAGES, (f"killed too late or too early ({before} pages captured):\n"
                                 + (tmp_path / "first.log").read_text()[-3000:])

    second = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr[-2000:]
    site.close()
    runs = list(db.query("select id from crawl_runs"))
    assert len(runs) == 1  # the same run, continued
    per_url = {r["url"]: r["n"] for r in db.query(
        "select url, count(*) as n from captures where url like '%/nb/t%' and outcome = 'new' group by url")}
    assert len(per_url) == PAGES, f"lost: {PAGES - len(per_url)} pages"
    assert set(per_url.values()) == {1}, "a page was captured twice"
    found = db.execute("select count(distinct url) from found_reports").fetchone()[0]
    assert found == PAGES
