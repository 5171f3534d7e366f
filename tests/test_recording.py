"""Real crawls of a scripted site on 127.0.0.1 (tests/crawlkit.py): what the recorder
keeps for every kind of answer and failure, re-crawls, WARC files, and a crawl
killed with SIGKILL and resumed."""
from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from . import crawlkit
from .crawlkit import NOT_FOUND, REPO, Site

SITE_PORT: dict[str, int] = {}  # run id -> the scripted site's port
PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 40 + b"%%EOF\n"
GZ_PAGE = "<html><head><title>压缩的2023年政府信息公开工作年度报告</title></head><body>" + "表二 " * 400 + "</body></html>"


def page(title: str, *links: str, extra: str = "") -> str:
    anchors = ""
    for link in links:  # "href|text" or "href|text|timeout"
        href, text, *timeout = link.split("|")
        extra_attr = f' data-timeout="{timeout[0]}"' if timeout else ""
        anchors += f'<a href="{href}"{extra_attr}>{text}</a>'

    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{anchors}{extra}</body></html>"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    site = Site()
    tmp = tmp_path_factory.mktemp("recording")
    refused = f"http://127.0.0.1:{crawlkit.closed_port()}/refused.html"
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    site.add("/index.html", page(
        "年报专栏",
        "/etag.html|2023年度报告（ETag）", "/plain.html|2022年度报告", "/change.html|2021年度报告",
        "/delete.html|2020年度报告", "/gz.html|压缩的报告", "/r1|跳转", "/missing.html|不存在",
        "/error500.html|出错", "/private/secret.html|内部", "/ts412.html|瑞数", "/jsl521.html|加速乐",
        "/wait.html|请稍候", "/loop|循环", "/cookie-once|WAF", "/slow.html|慢|0.5", f"{refused}|拒绝",
        "http://nonexistent.invalid/nb.html|DNS", "http://spam-mirror.example.com/copy.html|镜像",
        "/big.pdf|大文件", "/report.pdf|附件"))
    site.add("/etag.html", page("某县2023年政府信息公开工作年度报告", "/child.html|下级"), etag=True)
    site.add("/child.html", page("子页面"))
    site.add("/plain.html", page("某县2022年政府信息公开工作年度报告"))
    site.add("/change.html", page("某县2021年政府信息公开工作年度报告"))
    site.add("/delete.html", page("某县2020年政府信息公开工作年度报告"))
    site.add("/gz.html", GZ_PAGE, gzip=True)
    site.add("/r1", status=301, headers=[("Location", "/r2")])
    site.add("/r2", status=302, headers=[("Location", "/r3.html")])
    site.add("/r3.html", page("跳转后的2019年度报告"))
    site.add("/error500.html", "<html>server error</html>", status=500)
    site.add("/private/secret.html", page("内部"))
    site.add("/ts412.html", "<html><head><script>$_ts=window['$_ts'];if(!$_ts)$_ts={};</script>"
                            "<script src='/x.js'></script></head></html>", status=412)
    site.add("/jsl521.html", "<script>document.cookie=('__jsl_clearance_s=1');location.href=location.pathname</script>",
             status=521)
    site.add("/wait.html", "<html><head><title>请稍候</title></head><body>安全验证中，请稍候……</body></html>"
             .encode("gb18030"), ctype="text/html; charset=gbk")
    site.add("/loop", status=302, headers=[("Location", "/loop"), ("Set-Cookie", "CT6T=1; Path=/")])
    site.add("/cookie-once", page("过了WAF的2018年度报告"), cookie_gate="waf=ok")
    site.add("/slow.html", page("慢"), delay=2.0)
    site.add("/big.pdf", b"%PDF-1.4\n" + b"0" * 200_000, ctype="application/pdf")
    site.add("/report.pdf", PDF, ctype="application/pdf")
    registry = crawlkit.registry_csv(tmp / "portals.csv", [{"id": "probe", "start": f"{site.base}/index.html"}])
    data = tmp / "data"
    settings = {"DOWNLOAD_MAXSIZE": 100_000, "NIANBAO_ALLOWED_HOSTS": ["nonexistent.invalid"]}
    first = crawlkit.run_crawl(registry, data, **settings)
    hits_first = dict(site.hits)
    db = sqlite_utils.Database(data / "archive.db")
    run1 = first["run_id"]
    SITE_PORT[run1] = site.server.server_port
    before = {"rows": list(db.query("select * from captures where run_id = ? order by id", [run1])),
              "blobs": db["blobs"].count}
    # The publisher changes one report, deletes another and leaves the rest alone.
    site.add("/change.html", page("某县2021年政府信息公开工作年度报告", extra="<p>（修订）</p>"))
    del site.pages["/delete.html"]
    site.hits.clear()
    second = crawlkit.run_crawl(registry, data, **settings)
    SITE_PORT[second["run_id"]] = site.server.server_port
    yield {"site": site, "data": data, "db": db, "first": first, "second": second, "before": before,
           "hits_first": hits_first, "hits_second": dict(site.hits)}
    site.close()


def rows(db, run: str, path: str) -> list[dict]:
    """Captures of a path on the test site (or of any URL ending so, for other hosts)."""
    out = list(db.query("select * from captures where run_id = ? and url like ? order by id",
                        [run, f"http://127.0.0.1:%{path}"]))
    mine = [r for r in out if urlsplit(r["url"]).port == SITE_PORT.get(run)]
    return mine or [r for r in db.query("select * from captures where run_id = ? order by id", [run])
                    if r["url"].endswith(path)]


def one(db, run: str, path: str) -> dict:
    found = rows(db, run, path)
    assert len(found) == 1, (path, [(r["url"], r["outcome"], r["hop"], r["attempt"]) for r in found])
    return found[0]


def test_first_crawl_outcomes(world):
    db, run = world["db"], world["first"]["run_id"]
    assert world["first"]["status"] == "finished"
    for path in ("/index.html", "/etag.html", "/plain.html", "/change.html", "/delete.html", "/gz.html",
                 "/child.html", "/report.pdf"):
        assert one(db, run, path)["outcome"] == "new", path
    missing = one(db, run, "/missing.html")
    assert missing["outcome"] == "http-error" and missing["status"] == 404
    # robots.txt is fetched and recorded; the denied page is recorded and never requested
    assert one(db, run, "/robots.txt")["role"] == "robots"
    denied = one(db, run, "/private/secret.html")
    assert denied["outcome"] == "robots-denied" and denied["status"] is None
    assert world["hits_first"].get("/private/secret.html") is None
    # the spam mirror is refused before any fetch, and counted
    assert not [r for r in db.query("select url from captures") if "spam-mirror" in r["url"]]
    assert world["first"]["portals"]["probe"]["offsite"] == 1


def test_server_errors_are_retried_and_every_attempt_recorded(world):
    db, run = world["db"], world["first"]["run_id"]
    attempts = rows(db, run, "/error500.html")
    assert [(r["attempt"], r["status"], r["outcome"]) for r in attempts] == [
        (0, 500, "http-error"), (1, 500, "http-error"), (2, 500, "http-error")]
    assert world["hits_first"]["/error500.html"] == 3
    # each retry waited: NIANBAO_RETRY_BACKOFF (0.05 s) × 2^(attempt-1), jitter ±25 %
    ends = [datetime.fromisoformat(r["fetched_at"]).timestamp() + r["duration_ms"] / 1000 for r in attempts]
    starts = [datetime.fromisoformat(r["fetched_at"]).timestamp() for r in attempts]
    assert starts[1] - ends[0] >= 0.05 * 0.75 - 0.002 and starts[2] - ends[1] >= 0.1 * 0.75 - 0.002


def test_each_redirect_hop_is_a_capture(world):
    db, run = world["db"], world["first"]["run_id"]
    chain = [one(db, run, p) for p in ("/r1", "/r2", "/r3.html")]
    assert [(r["hop"], r["status"], r["outcome"]) for r in chain] == [(0, 301, "redirect"), (1, 302, "redirect"),
                                                                      (2, 200, "new")]
    assert chain[0]["final_url"].endswith("/r2") and chain[1]["final_url"].endswith("/r3.html")
    assert {r["origin_url"] for r in chain} == {chain[0]["url"]}


def test_challenges_are_blocked_once_and_never_parsed(world):
    db, run = world["db"], world["first"]["run_id"]
    for path in ("/ts412.html", "/jsl521.html", "/wait.html"):
        r = one(db, run, path)
        assert r["outcome"] == "blocked" and r["sha256"], path  # the challenge page itself is kept
        assert world["hits_first"][path] == 1, path                # not retried
    assert one(db, run, "/wait.html")["charset_header"] == "gbk"
    loop = rows(db, run, "/loop")
    assert [(r["hop"], r["outcome"]) for r in loop] == [(0, "redirect"), (1, "blocked")]
    assert world["hits_first"]["/loop"] == 2
    # a WAF that sets a cookie by a 302 to itself once is passed, with the cookie
    assert [(r["hop"], r["outcome"]) for r in rows(db, run, "/cookie-once")] == [(0, "redirect"), (1, "new")]
    titles = {r["title"] for r in db.query("select title from found_reports")}
    assert not [t for t in titles if t and "请稍候" in t]
    assert world["first"]["portals"]["probe"]["blocked"] == 4


def test_network_failures_are_captures(world):
    db, run = world["db"], world["first"]["run_id"]
    slow = rows(db, run, "/slow.html")
    assert [(r["attempt"], r["outcome"], r["error_kind"]) for r in slow] == [
        (0, "failed", "timeout"), (1, "failed", "timeout"), (2, "failed", "timeout")]
    assert all(r["duration_ms"] >= 400 for r in slow)
    refused = rows(db, run, "/refused.html")
    assert refused and {(r["outcome"], r["error_kind"]) for r in refused} == {("failed", "connection")}
    dns = rows(db, run, "/nb.html")
    assert dns and {(r["outcome"], r["error_kind"]) for r in dns} == {("failed", "dns")}
    big = one(db, run, "/big.pdf")
    assert big["outcome"] == "too-large" and big["sha256"] is None


def test_capture_columns(world):
    db, run = world["db"], world["first"]["run_id"]
    r = one(db, run, "/etag.html")
    assert r["etag"] and r["server_ip"] == "127.0.0.1" and r["list_page"].endswith("/index.html")
    assert r["anchor"] == "2023年度报告（ETag）" and r["role"] == "detail" and r["portal"] == "probe"
    assert r["platform"] == "generic" and r["spider"] == "probe" and r["method"] == "GET"
    assert r["mime"].startswith("text/html") and r["charset_chosen"] == "utf-8" and r["charset_meta"] == "utf-8"
    assert r["fetched_at"].startswith("20") and r["duration_ms"] >= 0 and r["crawler_version"]
    assert r["warc_file"] and r["warc_record_id"] and r["warc_payload_digest"].startswith("sha256:")
    ua = dict(json.loads(r["request_headers"]))["User-Agent"]
    assert ua.startswith("nianbao/") and "nianbao-tests@example.invalid" in ua


def test_blobs_once_by_sha256_content_decoded(world):
    data, db, run = world["data"], world["db"], world["first"]["run_id"]
    files = [p for p in (data / "blobs").rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith(".tmp")]
    assert {p.name for p in files} == {r["sha256"] for r in db.query("select sha256 from blobs")}
    for p in files:
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name
        assert p.parent.name == p.name[2:4] and p.parent.parent.name == p.name[:2]
    gz = one(db, run, "/gz.html")
    wire = gzip.compress(GZ_PAGE.encode(), mtime=0)
    assert gz["content_encoding"] == "gzip"
    assert gz["sha256"] == hashlib.sha256(GZ_PAGE.encode()).hexdigest() and gz["size"] == len(GZ_PAGE.encode())
    assert gz["wire_sha256"] == hashlib.sha256(wire).hexdigest() and gz["wire_size"] == len(wire)
    assert (data / "blobs" / gz["sha256"][:2] / gz["sha256"][2:4] / gz["sha256"]).read_bytes() == GZ_PAGE.encode()


def test_found_reports_point_to_their_captures(world):
    db, run = world["db"], world["first"]["run_id"]
    found = list(db.query("select f.*, c.url as captured_url, c.sha256 as captured_sha from found_reports f "
                          "join captures c on c.id = f.capture_id where f.run_id = ?", [run]))
    urls = {f["url"].rsplit("/", 1)[-1] for f in found}
    assert {"etag.html", "plain.html", "change.html", "delete.html", "gz.html", "r3.html", "cookie-once",
            "report.pdf"} <= urls
    assert all(f["captured_url"] == f["url"] and f["captured_sha"] == f["sha256"] for f in found)
    assert world["first"]["portals"]["probe"]["found"] == len(found)


def test_recrawl_not_modified_identical_changed_gone(world):
    db, run1, run2 = world["db"], world["first"]["run_id"], world["second"]["run_id"]
    assert run2 != run1
    etag = one(db, run2, "/etag.html")
    old = one(db, run1, "/etag.html")
    assert etag["outcome"] == "not-modified" and etag["status"] == 304 and etag["conditional"] == 1
    assert etag["sha256"] == old["sha256"] and etag["previous_capture_id"] == old["id"]
    # the spider got the stored copy of the 304 page: its link was followed again
    assert one(db, run2, "/child.html")["outcome"] == "identical"
    plain = one(db, run2, "/plain.html")
    assert plain["outcome"] == "identical" and plain["sha256"] == one(db, run1, "/plain.html")["sha256"]
    changed = one(db, run2, "/change.html")
    assert changed["outcome"] == "changed" and changed["sha256"] != one(db, run1, "/change.html")["sha256"]
    gone = one(db, run2, "/delete.html")
    assert gone["outcome"] == "gone" and gone["status"] == 404 and gone["sha256"] == hashlib.sha256(NOT_FOUND).hexdigest()
    assert one(db, run2, "/missing.html")["outcome"] == "http-error"  # never there: not gone
    # one new blob only: the changed report (identical and not-modified bodies are not stored again)
    assert db["blobs"].count == world["before"]["blobs"] + 1
    # nothing of the first run was touched
    assert list(db.query("select * from captures where run_id = ? order by id", [run1])) == world["before"]["rows"]
    counts = world["second"]["portals"]["probe"]
    assert counts["changed"] == 1 and counts["gone"] == 1 and counts["unchanged"] >= 4


def warc_files(data: Path) -> list[Path]:
    return sorted((data / "warc").glob("*.warc.gz"))


def test_warc_files_pass_warcio_check_and_hold_every_kind(world):
    data, db = world["data"], world["db"]
    files = warc_files(data)
    assert files and not list((data / "warc").glob("*.open"))
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", "-v", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    kinds, profiles, by_id = set(), set(), {}
    for f in files:
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh):
                kinds.add(rec.rec_type)
                h = rec.rec_headers
                by_id[h.get_header("WARC-Record-ID")] = (rec.rec_type, h.get_header("WARC-Target-URI"))
                if rec.rec_type in ("response", "revisit"):
                    assert h.get_header("WARC-Payload-Digest"), h
                if rec.rec_type == "revisit":
                    profiles.add(h.get_header("WARC-Profile").rsplit("/", 1)[-1])
                if rec.rec_type == "response" and h.get_header("WARC-Target-URI").endswith("/gz.html"):
                    raw = rec.raw_stream.read()  # the payload as transferred: still gzip
                    assert gzip.decompress(raw) == GZ_PAGE.encode()
                    digest = base64.b32encode(hashlib.sha256(raw).digest()).decode()
                    assert h.get_header("WARC-Payload-Digest") == f"sha256:{digest}"
    assert {"warcinfo", "request", "response", "revisit", "metadata"} <= kinds
    assert {"server-not-modified", "identical-payload-digest"} <= profiles
    # every capture with an answer points to its record, by id and by file and offset
    assert not list(db.query("select id from captures where warc_file is null"))
    for r in db.query("select * from captures where status is not null"):
        assert by_id[r["warc_record_id"]][1] == r["url"]
        with open(data / "warc" / r["warc_file"], "rb") as fh:
            fh.seek(r["warc_offset"])
            rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_headers.get_header("WARC-Record-ID") == r["warc_record_id"]
        assert rec.rec_headers.get_header("WARC-Payload-Digest") == r["warc_payload_digest"]


def slow_portal(tmp_path: Path, n: int) -> tuple[Site, Path]:
    """A list of n report pages that each take 0.1 s, and its registry: a crawl long enough to interrupt."""
    site = Site()
    site.add("/robots.txt", "User-agent: *\n", ctype="text/plain")
    site.add("/index.html", page("列表", *(f"/p{i}.html|第{i}页" for i in range(n))))
    for i in range(n):
        site.add(f"/p{i}.html", page(f"某县{1960 + i}年政府信息公开工作年度报告"), delay=0.1)
    registry = crawlkit.registry_csv(tmp_path / "portals.csv", [{"id": "slow", "start": f"{site.base}/index.html"}])
    return site, registry


def wait_for_pages(db_path: Path, at_least: int, proc: subprocess.Popen, timeout: float = 60) -> int:
    """Committed captures of the slow portal's pages, once there are at_least (or the crawl ended)."""
    done, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = sqlite_utils.Database(db_path).execute(
                "select count(*) from captures where url like '%/p%.html'").fetchone()[0] if db_path.exists() else 0
        except Exception:  # noqa: BLE001 - tables being created
            done = 0
        if done >= at_least:
            break
        time.sleep(0.02)
    return done


def test_sigkill_and_resume(tmp_path):
    """60 slow pages; kill -9 half-way; the same job folder finishes the same run with
    every page captured exactly once, nothing lost, and WARC files that still check."""
    n = 60
    site, registry = slow_portal(tmp_path, n)
    data, job = tmp_path / "data", tmp_path / "job"
    # Rows committed every 50 ms, so that this test sees the crawl half-way and kills it there.
    cmd = crawlkit.crawl_command(registry, data, job, NIANBAO_COMMIT_SECONDS=0.05)
    proc = subprocess.Popen(cmd, cwd=REPO, env=crawlkit.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    db_path = data / "archive.db"
    done = wait_for_pages(db_path, 20, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 20 <= done < n, f"killed at {done} pages"
    assert list((data / "warc").glob("*.warc.gz.open"))  # the killed crawl left its WARC open
    run_id = (job / "run-id").read_text().strip()

    summary = crawlkit.run_crawl(registry, data, job)
    site.close()
    assert summary["run_id"] == run_id and summary["resumed"] and summary["status"] == "finished"
    db = sqlite_utils.Database(db_path)
    assert db["crawl_runs"].count == 1 and db["crawl_runs"].get(run_id)["restarts"] == 1
    per_page = {r["url"]: r["n"] for r in db.query(
        "select url, count(*) as n from captures where run_id = ? and url like '%/p%.html' "
        "and outcome = 'new' group by url", [run_id])}
    assert len(per_page) == n, f"lost {n - len(per_page)} pages"
    assert set(per_page.values()) == {1}, "a page captured twice"
    assert db.execute("select count(*) from captures where url like '%/p%.html'").fetchone()[0] == n
    assert summary["portals"]["slow"]["found"] == n and summary["portals"]["slow"]["new"] == n + 1
    assert site.hits["/index.html"] == 1  # the list page was replayed from the archive, not fetched again
    # WARC: the open file was cut back to whole records and closed; one response per capture
    files = warc_files(data)
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    responses = []
    for f in files:
        with open(f, "rb") as fh:
            responses += [r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh)
                          if r.rec_type == "response"]
    ids = [r["warc_record_id"] for r in db.query("select warc_record_id from captures where status is not null")]
    assert sorted(responses) == sorted(ids)


def test_the_sample_portal_is_recorded_and_recrawled(tmp_path):
    """The imitation portals (crawler/sampleportal) with the real spiders: every report
    captured, the hostile cases recorded as what they are, and a re-crawl after one
    report changed and one was deleted."""
    sampleportal = pytest.importorskip("crawler.sampleportal")
    with sampleportal.SamplePortal(slow_seconds=0.2) as sp:
        registry = tmp_path / "portals.csv"
        registry.write_text(sp.registry_csv(), encoding="utf-8")
        data = tmp_path / "data"
        settings = {**sp.scrapy_settings(), "NIANBAO_SPIDERS": {}, "DOWNLOAD_MAXSIZE": 5_000_000}
        first = crawlkit.run_crawl(registry, data, **settings)
        db = sqlite_utils.Database(data / "archive.db")
        run1 = first["run_id"]
        outcome1 = {r["url"]: r["outcome"] for r in db.query(
            "select url, outcome from captures where run_id = ? order by id", [run1])}
        expected = sp.expected()
        assert all(outcome1.get(e["url"]) == "new" for e in expected), \
            [e["url"] for e in expected if outcome1.get(e["url"]) != "new"]
        generic = "http://www.generic-sample.gov.cn:%d" % sp.port
        hops = {(r["url"][len(generic):], r["hop"]): r for r in db.query(
            "select * from captures where run_id = ? and url like ?", [run1, generic + "%"])}
        assert hops[("/challenge/412.html", 0)]["outcome"] == "blocked"
        assert hops[("/challenge/521.html", 0)]["outcome"] == "blocked"
        assert [hops[("/loop/cookie", h)]["outcome"] for h in (0, 1)] == ["redirect", "blocked"]
        assert (hops[("/loop/b", 1)]["outcome"], hops[("/loop/b", 1)]["error_kind"]) == ("failed", "redirect-loop")
        assert hops[("/files/big.pdf", 0)]["outcome"] == "too-large"
        assert hops[("/private/2020.html", 0)]["outcome"] == "robots-denied"
        assert not [u for u in outcome1 if "mirror" in u] and first["portals"]["generic-sample"]["offsite"] >= 1
        blobs = db["blobs"].count

        changed = sp.change_report("trs-sample")
        deleted = sp.delete_report("vsb-sample")
        second = crawlkit.run_crawl(registry, data, **settings)
    run2 = second["run_id"]
    outcome2 = {r["url"]: r["outcome"] for r in db.query(
        "select url, outcome from captures where run_id = ? order by id", [run2])}
    assert outcome2[changed] == "changed" and outcome2[deleted] == "gone"
    orphans = {r["url"] for r in db.query("select url from captures where run_id = ? and list_page = ?",
                                          [run1, deleted])}  # attachments only the deleted page linked to
    others = [e["url"] for e in expected if e["url"] not in {changed, deleted} | orphans]
    assert {outcome2.get(u) for u in others} == {"not-modified"}, [(u, outcome2.get(u)) for u in others if outcome2.get(u) != "not-modified"]
    assert db["blobs"].count == blobs + 2  # the changed report and the deleted one's 404 page
    files = warc_files(data)
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
