"""A crawl killed with SIGKILL and started again with the same job folder finishes
the same run without lost or duplicated captures."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlite_utils

from .conftest import REPO

PAGES = 40


def slow_site():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/robots.txt":
                body = b"User-agent: *\n"
            elif self.path == "/nb/index.html":
                body = "".join(f'<a href="/nb/t{i}.html">某县{2000 + i}年政府信息公开工作年度报告</a>'
                               for i in range(PAGES)).encode()
            elif self.path.startswith("/nb/t"):
                time.sleep(0.15)  # slow enough to be killed half-way
                year = 2000 + int(self.path[len("/nb/t"):-len(".html")])
                body = f"<html><title>某县{year}年政府信息公开工作年度报告</title>{self.path}</html>".encode()
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_sigkill_and_resume(tmp_path):
    server = slow_site()
    registry = tmp_path / "portals.csv"
    registry.write_text("id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,"
                        f"proxy_country,notes\nslow,某县,county,四川,generic,"
                        f"http://127.0.0.1:{server.server_port}/nb/index.html,,,,,,\n", encoding="utf-8")
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
    server.shutdown()
    runs = list(db.query("select id from crawl_runs"))
    assert len(runs) == 1  # the same run, continued
    per_url = {r["url"]: r["n"] for r in db.query(
        "select url, count(*) as n from captures where url like '%/nb/t%' and outcome = 'new' group by url")}
    assert len(per_url) == PAGES, f"lost: {PAGES - len(per_url)} pages"
    assert set(per_url.values()) == {1}, "a page was captured twice"
    found = db.execute("select count(distinct url) from found_reports").fetchone()[0]
    assert found == PAGES
