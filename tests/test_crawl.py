"""A real crawl of a small TRS-style site on 127.0.0.1, then a re-crawl after
changing, deleting and keeping reports; then the archive build over it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from . import crawlkit
from .conftest import FIXTURES, REPO

REPORT_2023 = (FIXTURES / "parse" / "html-gbk-wordpaste-pingwu" / "input.html").read_bytes()
REPORT_2022 = ("<html><head><meta charset='utf-8'><title>某县2022年政府信息公开工作年度报告</title></head><body>"
               "<h1>某县2022年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>无。</p></body></html>").encode()
PDF = (FIXTURES / "parse" / "pdf-ruled-pagebreak-pingwu" / "input.pdf").read_bytes()


class Site(crawlkit.Site):
    """crawlkit's site with ETags on every page that answers 200."""

    def html(self, path: str, body: str | bytes, status: int = 200, ctype: str = "text/html; charset=utf-8"):
        self.add(path, body, status=status, ctype=ctype, etag=status == 200)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    site = Site()
    base = site.base
    site.html("/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    site.html("/zfxxgknb/index.html", f"""<html><body><ul>
<li><a href="./202401/t20240118_1.html" title="平武县人民政府办公室2023年政府信息公开工作年度报告">平武县人民政府办公室2023年政府信息公开工作年度报告</a></li>
<li><a href="./202401/t20240118_1_wap.html">平武县人民政府办公室2023年政府信息公开工作年度报告</a></li>
<li><a href="./202401/t20240110_9.html">关于春节放假安排的通知</a></li>
<li><a href="/private/t1.html">2021年政府信息公开工作年度报告（内部）</a></li>
<li><a href="http://www.gov-cn-mirror.com/copy.html">平武县2023年政府信息公开工作年度报告</a></li>
<li><a href="/challenge/t2.html">某县2020年政府信息公开工作年度报告</a></li>
</ul><script>createPageHTML(2, 0, "index", "html");</script></body></html>""")
    site.html("/zfxxgknb/index_1.html", """<html><body><ul>
<li><a href="./202301/t20230118_3.html">某县2022年政府信息公开工作年度报告</a></li></ul>
<script>createPageHTML(2, 1, "index", "html");</script></body></html>""")
    site.html("/zfxxgknb/202401/t20240118_1.html",
              REPORT_2023.replace(b"</body>", '<p><a href="./P020240118123.pdf">附件：年度报告.pdf</a></p></body>'
                                  .encode("gb18030")), ctype="text/html")
    site.html("/zfxxgknb/202401/P020240118123.pdf", PDF, ctype="application/pdf")
    site.html("/zfxxgknb/202401/t20240110_9.html", "<html><title>关于春节放假安排的通知</title><body>通知</body></html>")
    site.html("/zfxxgknb/202301/t20230118_3.html", REPORT_2022)
    site.html("/challenge/t2.html", "<html><script>$_ts=window['$_ts'];</script></html>", status=412)
    registry = tmp_path_factory.mktemp("reg") / "portals.csv"
    registry.write_text("id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,"
                        "proxy_country,notes\n"
                        f"pingwu,平武县人民政府办公室,department,四川,trs,{base}/zfxxgknb/index.html,,,,,,\n",
                        encoding="utf-8")
    data = tmp_path_factory.mktemp("data")
    yield site, base, registry, data
    site.close()


def nianbao(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)


def outcomes(db, run: str) -> dict[str, str]:
    return {r["url"].split("/", 3)[3]: r["outcome"]
            for r in db.query("select url, outcome from captures where run_id = ? order by id", [run])}


def test_crawl_then_recrawl(world):
    site, base, registry, data = world
    first = nianbao("crawl", "--registry", str(registry), "--data", str(data), "--fast")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "pingwu" in first.stdout
    db = sqlite_utils.Database(data / "archive.db")
    run1 = next(db.query("select id from crawl_runs order by started limit 1"))["id"]
    got = outcomes(db, run1)
    assert got["zfxxgknb/202401/t20240118_1.html"] == "new"
    assert got["zfxxgknb/202401/P020240118123.pdf"] == "new"
    assert got["zfxxgknb/202301/t20230118_3.html"] == "new"          # found on list page 2 (createPageHTML)
    assert got["private/t1.html"] == "robots-denied"
    assert got["challenge/t2.html"] == "blocked"
    assert "zfxxgknb/202401/t20240118_1_wap.html" not in got           # the _wap twin is folded
    assert not [u for u in got if "mirror" in u]                       # the spam mirror is not crawled
    found = {r["url"].rsplit("/", 1)[-1]: r for r in db.query("select * from found_reports")}
    assert set(found) == {"t20240118_1.html", "P020240118123.pdf", "t20230118_3.html"}
    assert found["t20240118_1.html"]["year"] == 2023 and found["P020240118123.pdf"]["role"] == "attachment"
    capture = next(db.query("select * from captures where url like '%t20240118_1.html'"))
    assert capture["charset_meta"] == "gb2312" and capture["charset_chosen"] == "gb18030"
    assert capture["etag"] and capture["server_ip"] == "127.0.0.1" and capture["list_page"].endswith("index.html")
    blob = data / "blobs" / capture["sha256"][:2] / capture["sha256"][2:4] / capture["sha256"]
    assert blob.read_bytes() == site.pages["/zfxxgknb/202401/t20240118_1.html"].body   # exactly as served
    warc = list((data / "warc").glob(f"{run1}-*.warc.gz"))
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(warc[0])],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    # The publisher changes the 2022 report, deletes the PDF and leaves the 2023 page alone.
    site.html("/zfxxgknb/202301/t20230118_3.html", REPORT_2022.replace(b"</body>", b"<p>(revised)</p></body>"))
    del site.pages["/zfxxgknb/202401/P020240118123.pdf"]
    second = nianbao("crawl", "--registry", str(registry), "--data", str(data), "--fast")
    assert second.returncode == 0, second.stderr[-3000:]
    run2 = next(db.query("select id from crawl_runs order by started desc limit 1"))["id"]
    assert run2 != run1
    got = outcomes(db, run2)
    assert got["zfxxgknb/202401/t20240118_1.html"] == "not-modified"
    assert got["zfxxgknb/202301/t20230118_3.html"] == "changed"
    assert got["zfxxgknb/202401/P020240118123.pdf"] == "gone"
    # nothing from the first run was overwritten
    assert outcomes(db, run1)["zfxxgknb/202401/P020240118123.pdf"] == "new"


def test_build_then_build_again(world):
    site, base, registry, data = world
    if not (data / "archive.db").exists():
        pytest.skip("needs the crawl test's archive")
    first = nianbao("build", "--data", str(data), "--registry", str(registry))
    assert first.returncode == 0, first.stderr[-3000:]
    db = sqlite_utils.Database(data / "archive.db")
    report = next(db.query("select * from reports where body_id = 'pingwu' and year = 2023"))
    assert report["format"] == "2021"
    assert db["report_sources"].count_where("report_id = ?", [report["id"]]) >= 1
    counts = {t: db[t].count for t in ("parses", "reports", "cells", "checks", "sections")}
    second = nianbao("build", "--data", str(data), "--registry", str(registry))
    assert second.returncode == 0 and "parsed 0" in second.stdout
    assert {t: db[t].count for t in counts} == counts
