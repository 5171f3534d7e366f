"""Fetches that get no HTTP answer are captures too: DNS failures and timeouts, each attempt."""
from __future__ import annotations

import subprocess
import sys

import sqlite_utils

from .conftest import REPO
from .crawlkit import Site


def crawl(tmp_path, start: str, *settings: str) -> sqlite_utils.Database:
    registry = tmp_path / "portals.csv"
    registry.write_text("id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,"
                        f"proxy_country,notes\nx,某县,county,四川,generic,{start},,,,,,\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "archive.cli", "crawl", "--registry", str(registry), "--data",
                          str(tmp_path / "data"), "--fast", *settings], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return sqlite_utils.Database(tmp_path / "data" / "archive.db")


def test_crawl_shows_progress_per_portal(tmp_path):
    registry = tmp_path / "portals.csv"
    registry.write_text("id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,"
                        "proxy_country,notes\nx,某县,county,四川,generic,http://www.nonexistent.invalid/,,,,,,\n",
                        encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "archive.cli", "crawl", "--registry", str(registry), "--data",
                          str(tmp_path / "data"), "--fast", "-s", "NIANBAO_PROGRESS_INTERVAL=0.2"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0
    assert "[x] " in run.stderr and " fetched, " in run.stderr and " done" in run.stderr
    assert "x " in run.stdout and "failed" in run.stdout  # the closing table per portal


def test_dns_failure_is_a_capture(tmp_path):
    db = crawl(tmp_path, "http://www.nonexistent.invalid/nb/", "-s", "ROBOTSTXT_OBEY=False")
    rows = list(db.query("select outcome, error, status from captures where url like '%nonexistent%'"))
    assert rows and all(r["outcome"] == "failed" and r["status"] is None for r in rows)
    assert "DNS" in rows[0]["error"] or "lookup" in rows[0]["error"].lower()


def test_timeout_is_a_capture_for_every_attempt(tmp_path):
    site = Site()
    site.add("/nb/", b"", delay=3)
    try:
        db = crawl(tmp_path, f"{site.base}/nb/", "-s", "ROBOTSTXT_OBEY=False",
                   "-s", "DOWNLOAD_TIMEOUT=1")
    finally:
        site.close()
    rows = list(db.query("select outcome, error from captures where url like '%/nb/'"))
    assert len(rows) == 3  # the first try and two retries, each recorded
    assert all(r["outcome"] == "failed" and "Timeout" in r["error"] for r in rows)
