"""Raw storage: content-addressed blobs, capture rows and their outcomes, WARC files,
and the recorder's challenge and failure classification."""
from __future__ import annotations

import base64
import gzip
import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlite_utils
from scrapy.http import Headers
from warcio.archiveiterator import ArchiveIterator

from archive.blobs import BlobStore, sha256
from archive.captures import CaptureStore, make_key
from archive.warc import WarcLog, payload_digest, repair
from crawler.middlewares import challenge, decode_content, error_kind

WARCIO = Path(sys.executable).with_name("warcio")


# -- blobs -----------------------------------------------------------------------------------------

def test_blobs_are_stored_once_by_sha256_in_shards(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"report bytes")
    assert digest == sha256(b"report bytes") == hashlib.sha256(b"report bytes").hexdigest()
    path = store.path(digest)
    assert path == tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    mtime = path.stat().st_mtime_ns
    assert store.put(b"report bytes") == digest and path.stat().st_mtime_ns == mtime  # not written twice
    assert store.get(digest) == b"report bytes" and store.has(digest)
    assert not list(path.parent.glob(".tmp-*"))  # no temporary file left behind


def test_a_failed_write_leaves_no_blob_and_no_temporary_file(tmp_path, monkeypatch):
    store = BlobStore(tmp_path)

    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.put(b"half written")
    digest = sha256(b"half written")
    assert not store.has(digest)
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]


def test_concurrent_puts_of_one_body_give_one_file(tmp_path):
    store = BlobStore(tmp_path)
    body = os.urandom(200_000)
    threads = [threading.Thread(target=store.put, args=(body,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [sha256(body)] and files[0].read_bytes() == body


# -- captures --------------------------------------------------------------------------------------

def capture(store: CaptureStore, url: str, status: int | None, body: bytes | None, key: str, **extra) -> dict:
    digest = sha256(body) if body is not None else None
    row = {"key": key, "run_id": "r1", "url": url, "status": status, "sha256": digest,
           "outcome": extra.pop("outcome", None) or store.outcome(url, status, digest), **extra}
    store.record(row)
    return row


def test_outcomes_over_recrawls(tmp_path):
    store = CaptureStore(tmp_path)
    store.open_run("r1", ["p"])
    url = "http://a.gov.cn/t1.html"
    assert capture(store, url, 200, b"v1", "1")["outcome"] == "new"
    assert capture(store, url, 200, b"v1", "2")["outcome"] == "identical"
    assert capture(store, url, 304, None, "3")["outcome"] == "not-modified"
    assert capture(store, url, 200, b"v2", "4")["outcome"] == "changed"
    assert capture(store, url, 404, None, "5")["outcome"] == "gone"
    assert capture(store, url, 410, None, "5b")["outcome"] == "gone"  # still gone: the last success is v2
    assert capture(store, "http://a.gov.cn/never.html", 404, None, "6")["outcome"] == "http-error"
    assert capture(store, "http://a.gov.cn/never.html", 304, None, "7")["outcome"] == "http-error"
    assert store.last_success(url)["sha256"] == sha256(b"v2")
    rows = list(store.db.query("select outcome from captures order by id"))
    assert [r["outcome"] for r in rows] == ["new", "identical", "not-modified", "changed", "gone", "gone",
                                            "http-error", "http-error"]


def test_a_resumed_run_does_not_duplicate_a_capture(tmp_path):
    store = CaptureStore(tmp_path)
    store.open_run("r1", ["p"])
    key = make_key("r1", "abc", 0, 0)
    first = store.record({"key": key, "run_id": "r1", "url": "http://a.gov.cn/", "status": 200, "outcome": "new"})
    again = store.record({"key": key, "run_id": "r1", "url": "http://a.gov.cn/", "status": 200,
                          "outcome": "identical"})
    assert first == again and store.db["captures"].count == 1
    assert store.db["captures"].get(first)["outcome"] == "new"  # nothing overwritten
    store.note_blob("ab" * 32, 3, "text/html")
    store.note_blob("ab" * 32, 3, "text/html")  # again, after an insert into another table
    assert store.db["blobs"].count == 1
    with pytest.raises(ValueError):
        store.record({"key": "x", "run_id": "r1", "url": "u", "outcome": "fine"})
    resumed = store.open_run("r1", ["p"])
    assert resumed["restarts"] == 1 and resumed["status"] == "running"


def test_counts_take_each_chain_once_by_its_last_attempt(tmp_path):
    store = CaptureStore(tmp_path)
    store.open_run("r1", ["p", "q"])
    base = {"run_id": "r1", "portal": "p"}
    for attempt, outcome in enumerate(["http-error", "http-error", "new"]):  # a 503 that recovered
        store.record({**base, "key": make_key("r1", "a", 0, attempt), "fingerprint": "a", "hop": 0,
                      "attempt": attempt, "url": "http://p.gov.cn/a", "status": 200 if outcome == "new" else 503,
                      "outcome": outcome})
    for attempt in range(3):  # a timeout that never recovered
        store.record({**base, "key": make_key("r1", "b", 0, attempt), "fingerprint": "b", "hop": 0,
                      "attempt": attempt, "url": "http://p.gov.cn/b", "outcome": "failed", "error_kind": "timeout"})
    for hop, outcome in enumerate(["redirect", "identical"]):
        store.record({**base, "key": make_key("r1", f"c{hop}", hop, 0), "fingerprint": f"c{hop}", "hop": hop,
                      "attempt": 0, "url": f"http://p.gov.cn/c{hop}", "outcome": outcome})
    store.record({**base, "key": make_key("r1", "r", 0, 0), "fingerprint": "r", "hop": 0, "attempt": 0,
                  "role": "robots", "url": "http://p.gov.cn/robots.txt", "outcome": "http-error"})
    store.record({"run_id": "r1", "portal": "q", "key": make_key("r1", "d", 0, 0), "fingerprint": "d", "hop": 0,
                  "attempt": 0, "url": "http://q.gov.cn/", "outcome": "blocked"})
    store.portal_finished("r1", "p", "finished", {"nianbao/offsite_refused": 2})
    counts = store.close_run("r1")
    assert counts["p"]["new"] == 1 and counts["p"]["failed"] == 1 and counts["p"]["redirect"] == 1
    assert counts["p"]["unchanged"] == 1 and counts["p"]["offsite"] == 2
    assert counts["q"]["blocked"] == 1
    assert store.run("r1")["status"] == "finished" and store.finished_portals("r1") == {"p"}


def test_an_older_capture_table_gets_the_new_columns(tmp_path):
    db = sqlite_utils.Database(tmp_path / "archive.db")
    db["captures"].create({"id": int, "key": str, "url": str, "outcome": str}, pk="id")
    db["captures"].insert({"key": "old", "url": "http://a.gov.cn/", "outcome": "new"})
    db.close()
    store = CaptureStore(tmp_path)
    assert {"wire_sha256", "attempt", "error_kind", "warc_record_id"} <= set(store.db["captures"].columns_dict)
    assert store.by_key("old")["url"] == "http://a.gov.cn/"


# -- WARC ------------------------------------------------------------------------------------------

def records(path: Path) -> list:
    out = []
    with open(path, "rb") as f:
        for r in ArchiveIterator(f):
            http = dict(r.http_headers.headers) if r.http_headers else {}
            out.append((r.rec_type, dict(r.rec_headers.headers), r.content_stream().read() if r.rec_type == "metadata"
                        else r.raw_stream.read(), http))
    return out


def warcio_check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARCIO), "check", "-v", *map(str, paths)], capture_output=True, text=True)


def write_three(log: WarcLog, wire: bytes) -> dict:
    first = log.write(key="r1|a|0|0", url="http://a.gov.cn/t1.html", request_headers=[("User-Agent", "nianbao")],
                      fetched_at="2026-01-01T00:00:00.000+00:00", status=200, server_ip="127.0.0.1",
                      response_headers=[("Content-Type", "text/html; charset=gb2312"), ("Content-Encoding", "gzip"),
                                        ("Transfer-Encoding", "chunked"), ("ETag", '"x"')],
                      body=wire, metadata={"portal": "a", "outcome": "new", "anchor": "年度\r\n报告"})
    log.write(key="r1|a|0|1", url="http://a.gov.cn/t1.html", request_headers=[("If-None-Match", '"x"')],
              fetched_at="2026-02-01T00:00:00.000+00:00", status=304, response_headers=[("ETag", '"x"')],
              revisit={"profile": "not-modified", "uri": "http://a.gov.cn/t1.html",
                       "date": "2026-01-01T00:00:00.000+00:00", "record_id": first["warc_record_id"],
                       "digest": first["warc_payload_digest"]}, metadata={"outcome": "not-modified"})
    log.write(key="r1|b|0|0", url="http://gone.gov.cn/", request_headers=[], status=None,
              metadata={"outcome": "failed", "error": "DNS lookup failed"})
    return first


def test_warc_records_pass_warcio_check(tmp_path):
    body = "年度报告".encode("gb18030") * 50
    wire = gzip.compress(body, mtime=0)
    log = WarcLog(tmp_path, "r1")
    first = write_three(log, wire)
    log.write(key="r1|c|0|0", url="http://a.gov.cn/private/", status=None, request_headers=None,
              metadata={"outcome": "robots-denied"})
    assert list((tmp_path / "warc").glob("r1-*.warc.gz.open"))  # open while being written
    log.close()
    files = list((tmp_path / "warc").glob("r1-*.warc.gz"))
    assert len(files) == 1 and first["warc_file"] == files[0].name
    check = warcio_check(files[0])
    assert check.returncode == 0, check.stdout + check.stderr
    recs = records(files[0])
    assert [r[0] for r in recs] == ["warcinfo", "request", "response", "metadata", "request", "revisit", "metadata",
                                    "request", "metadata", "metadata"]
    response = recs[2]
    assert response[2] == wire  # the payload as transferred: still gzip, byte for byte
    digest = "sha256:" + base64.b32encode(hashlib.sha256(wire).digest()).decode()
    assert response[1]["WARC-Payload-Digest"] == digest == first["warc_payload_digest"] == payload_digest(wire)
    assert response[1]["WARC-IP-Address"] == "127.0.0.1" and response[1]["WARC-Date"] == "2026-01-01T00:00:00.000Z"
    assert "Transfer-Encoding" not in response[3] and response[3]["Content-Encoding"] == "gzip"
    revisit = recs[5][1]
    assert revisit["WARC-Profile"].endswith("/server-not-modified")
    assert revisit["WARC-Refers-To"] == first["warc_record_id"] and revisit["WARC-Payload-Digest"] == digest
    meta = recs[3][2].decode()
    assert "capture-key: r1|a|0|0" in meta and "anchor: 年度 报告" in meta and "outcome: new" in meta
    assert recs[1][1]["WARC-Concurrent-To"] == first["warc_record_id"]


def test_warc_files_rotate_by_size(tmp_path):
    log = WarcLog(tmp_path, "r1", max_bytes=2000)
    for i in range(6):
        log.write(key=f"r1|{i}|0|0", url=f"http://a.gov.cn/{i}", request_headers=[], status=200,
                  response_headers=[("Content-Type", "application/octet-stream")], body=os.urandom(1500))
    log.close()
    files = sorted((tmp_path / "warc").glob("r1-*.warc.gz"))
    assert len(files) >= 3 and files[0].name == "r1-00000.warc.gz"
    assert warcio_check(*files).returncode == 0
    assert sum(1 for f in files for r in records(f) if r[0] == "response") == 6


def test_a_warc_left_open_by_a_kill_is_cut_to_committed_groups(tmp_path):
    log = WarcLog(tmp_path, "r1")
    write_three(log, gzip.compress(b"x" * 100))
    log.file.flush()
    path = next((tmp_path / "warc").glob("r1-*.warc.gz.open"))
    with open(path, "ab") as f:
        f.write(b"\x1f\x8b\x08\x00half a gzip member")  # the kill came mid-record
    log.file.close()  # the process is gone: its descriptor (and its lock) with it,
    log.file = None   # the file never closed as a WARC
    committed = {"r1|a|0|0", "r1|a|0|1"}  # the DNS failure's row never committed
    resumed = WarcLog(tmp_path, "r1", committed=lambda key: key in committed)
    assert not list((tmp_path / "warc").glob("*.open"))
    fixed = tmp_path / "warc" / "r1-00000.warc.gz"
    assert warcio_check(fixed).returncode == 0
    assert [r[0] for r in records(fixed)] == ["warcinfo", "request", "response", "metadata", "request", "revisit",
                                              "metadata"]
    resumed.write(key="r1|b|0|0", url="http://gone.gov.cn/", request_headers=[], status=None,
                  metadata={"outcome": "failed"})
    resumed.close()
    assert (tmp_path / "warc" / "r1-00001.warc.gz").exists()  # the resumed run writes a new file
    junk = tmp_path / "warc" / "r9-00000.warc.gz.open"
    junk.write_bytes(b"\x1f\x8b\x08 killed before the warcinfo was whole")
    assert repair(junk, lambda key: True) is None and not junk.exists()


def test_a_group_that_fails_half_way_is_cut_off(tmp_path, monkeypatch):
    log = WarcLog(tmp_path, "r1")
    log.write(key="r1|a|0|0", url="http://a.gov.cn/a", request_headers=[], status=200, body=b"a" * 500,
              response_headers=[], metadata={"outcome": "new"})
    members = log.writer.out
    real, calls = members.write, []

    def full_disk(data):  # the disk fills part-way through the group
        calls.append(len(data))
        if len(calls) > 2:
            raise OSError(28, "No space left on device")
        real(data)

    monkeypatch.setattr(members, "write", full_disk)
    with pytest.raises(OSError):
        log.write(key="r1|b|0|0", url="http://a.gov.cn/b", request_headers=[], status=200, body=b"b" * 500,
                  response_headers=[], metadata={"outcome": "new"})
    monkeypatch.setattr(members, "write", real)
    log.write(key="r1|c|0|0", url="http://a.gov.cn/c", request_headers=[], status=200, body=b"c" * 500,
              response_headers=[], metadata={"outcome": "new"})
    log.close()
    path = tmp_path / "warc" / "r1-00000.warc.gz"
    assert warcio_check(path).returncode == 0
    targets = [r[1]["WARC-Target-URI"] for r in records(path) if r[0] != "warcinfo"]
    assert "http://a.gov.cn/b" not in targets and targets.count("http://a.gov.cn/c") == 3


def test_bodies_in_compressed_formats_are_stored_in_their_member_as_they_are(tmp_path):
    sizes = {}
    for name, body in (("html", b"<html>" + b"report " * 2000), ("pdf", b"%PDF-1.7\n" + b"report " * 2000)):
        log = WarcLog(tmp_path / name, "r1")
        log.write(key="r1|a|0|0", url=f"http://a.gov.cn/a.{name}", request_headers=[], status=200, body=body,
                  response_headers=[], metadata={})
        log.close()
        path = tmp_path / name / "warc" / "r1-00000.warc.gz"
        assert warcio_check(path).returncode == 0
        assert [r[2] for r in records(path) if r[0] == "response"] == [body]
        sizes[name] = path.stat().st_size
    assert sizes["html"] < 4000 < 14000 < sizes["pdf"]  # the PDF's member is not deflated


# -- the recorder's judgements ---------------------------------------------------------------------

@pytest.mark.parametrize("status,body,cookies,why", [
    (412, b"<html><script>$_ts=window['$_ts'];</script></html>", [], "瑞数"),
    (521, b"<script>document.cookie=('__jsl_clearance_s=1')</script>", [], "加速乐"),
    (521, b"<script>x</script>", [b"__jsluid_s=abc; path=/"], "加速乐"),
    (200, "<html><head><title>请稍候</title></head><body>…</body></html>".encode("gb18030"), [], "title"),
    (200, "<html><body>安全验证中</body></html>".encode("utf-8"), [], "interstitial"),
    (503, b"<html><head><title>Just a moment...</title></head></html>", [], "title"),
    (200, b"<html><script>var $_ts={};</script></html>", [], "$_ts"),
])
def test_challenges_are_recognised(status, body, cookies, why):
    headers = Headers({"Set-Cookie": cookies} if cookies else {})
    assert why in (challenge(status, headers, body) or "")


@pytest.mark.parametrize("status,body", [
    (200, "<html><title>某县2023年政府信息公开工作年度报告</title><body>表二</body></html>".encode()),
    # a list filled by script says 请稍候 while loading: it has links, and the word is not its title
    (200, ("<html><title>年报</title><body><div>加载中，请稍候</div>" + '<a href="/a">a</a>' * 5 + "</body></html>").encode()),
    # a long report page that mentions 安全验证 in its text
    (200, ("<html><title>年度报告</title><body>" + "网络安全验证工作" * 3000 + "</body></html>").encode()),
    (404, b"<html>not found</html>"),
    (412, b"<html>precondition failed</html>"),
])
def test_ordinary_pages_are_not_challenges(status, body):
    assert challenge(status, Headers(), body) is None


def test_content_decoding_and_error_kinds():
    assert decode_content(gzip.compress(b"abc"), [b"gzip"], 0) == b"abc"
    assert decode_content(b"abc", [], 0) == b"abc"
    from scrapy.exceptions import CannotResolveHostError, DownloadFailedError, DownloadTimeoutError
    assert error_kind(CannotResolveHostError("DNS lookup failed")) == "dns"
    assert error_kind(DownloadTimeoutError("took longer than 60 seconds")) == "timeout"
    assert error_kind(DownloadFailedError("[<twisted.python.failure.Failure OpenSSL.SSL.Error: "
                                          "certificate verify failed>]")) == "tls"
    assert error_kind(DownloadFailedError("Connection to the other side was lost")) == "connection"
