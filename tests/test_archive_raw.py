"""Raw storage: content-addressed blobs, capture rows and their outcomes, WARC files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive.blobs import BlobStore, sha256
from archive.captures import CaptureStore
from archive.warc import WarcLog


def test_blobs_are_stored_once_by_sha256_in_shards(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"report bytes")
    assert digest == sha256(b"report bytes")
    path = store.path(digest)
    assert path == tmp_path / "blobs" / digest[:2] / digest[2:4] / digest
    mtime = path.stat().st_mtime_ns
    assert store.put(b"report bytes") == digest and path.stat().st_mtime_ns == mtime  # not written twice
    assert store.get(digest) == b"report bytes"
    assert not list(path.parent.glob(".tmp-*"))  # no temporary file left behind


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
    assert capture(store, "http://a.gov.cn/never.html", 404, None, "6")["outcome"] == "http-error"
    assert store.last_success(url)["sha256"] == sha256(b"v2")
    rows = list(store.db.query("select outcome from captures order by id"))
    assert [r["outcome"] for r in rows] == ["new", "identical", "not-modified", "changed", "gone", "http-error"]


def test_a_resumed_run_does_not_duplicate_a_capture(tmp_path):
    store = CaptureStore(tmp_path)
    store.open_run("r1", ["p"])
    first = store.record({"key": "r1|abc|0", "run_id": "r1", "url": "http://a.gov.cn/", "status": 200,
                          "outcome": "new"})
    again = store.record({"key": "r1|abc|0", "run_id": "r1", "url": "http://a.gov.cn/", "status": 200,
                          "outcome": "identical"})
    assert first == again and store.db["captures"].count == 1
    assert store.db["captures"].get(first)["outcome"] == "new"  # nothing overwritten


def test_warc_records_pass_warcio_check(tmp_path):
    log = WarcLog(tmp_path, "r1")
    headers = [("Content-Type", "text/html; charset=gb2312"), ("Content-Encoding", "gzip"), ("ETag", '"x"')]
    log.write(url="http://a.gov.cn/t1.html", method="GET", request_headers=[("User-Agent", "nianbao")],
              status=200, reason="OK", response_headers=headers, body="年度报告".encode("gb18030"),
              metadata={"portal": "a", "outcome": "new"})
    log.write(url="http://a.gov.cn/t1.html", method="GET", request_headers=[("If-None-Match", '"x"')],
              status=304, reason="Not Modified", response_headers=[("ETag", '"x"')],
              revisit_of={"url": "http://a.gov.cn/t1.html", "fetched_at": "2026-01-01T00:00:00Z",
                          "sha256": sha256("年度报告".encode("gb18030"))}, metadata={"outcome": "not-modified"})
    log.write(url="http://gone.gov.cn/", method="GET", request_headers=[], status=None,
              metadata={"outcome": "failed", "error": "DNS lookup failed"})
    log.close()
    files = list((tmp_path / "warc").glob("r1-*.warc.gz"))
    assert len(files) == 1
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run([str(warcio), "check", "-v", str(files[0])], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    from warcio.archiveiterator import ArchiveIterator

    with open(files[0], "rb") as f:
        kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Payload-Digest") is not None)
                 for r in ArchiveIterator(f)]
    assert [k for k, _ in kinds] == ["warcinfo", "request", "response", "metadata", "request", "revisit",
                                     "metadata", "request", "metadata"]
    assert dict(kinds)["response"] is True  # the response carries its payload digest
