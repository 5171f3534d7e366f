"""The archive writer process (archive/writer.py): what it confirms is on disk, what it
does with a job it cannot store, and what happens when it or its crawl dies."""
from __future__ import annotations

import gzip
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from archive.blobs import BlobStore, sha256
from archive.warc import WarcLog, digest_of_hex, new_record_id, payload_digest, repair_open
from archive.writer import ArchiveWriter, ArchiveWriterError

from . import crawlkit
from .crawlkit import REPO
from .test_recording import slow_portal, wait_for_pages


def fields(url: str, record_id: str | None = None, status: int | None = 200) -> dict:
    return dict(url=url, request_headers=[("User-Agent", "nianbao-tests")], fetched_at="2026-01-01T00:00:00.000+00:00",
                status=status, response_headers=[("Content-Type", "text/html")], metadata={"outcome": "new"},
                record_id=record_id)


def record_at(path: Path, offset: int):
    with open(path, "rb") as f:
        f.seek(offset)
        record = next(iter(ArchiveIterator(f)))
        return record.rec_type, record.rec_headers.get_header("WARC-Record-ID"), record.content_stream().read()


def test_confirmed_jobs_have_their_blob_and_records_on_disk(tmp_path):
    writer = ArchiveWriter(tmp_path, "r1", {"operator": "tests"})
    wire = gzip.compress("某县2023年政府信息公开工作年度报告".encode() * 50)
    content = gzip.decompress(wire)
    ids = {}
    for i in range(5):
        ids[f"r1|k{i}|0|0"] = new_record_id()
        writer.write(f"r1|k{i}|0|0", fields(f"http://a.gov.cn/{i}.html", ids[f"r1|k{i}|0|0"]), wire,
                     blob=content, digest=sha256(content), mime="text/html; charset=gbk")
    writer.write("r1|dns|0|0", fields("http://gone.gov.cn/", status=None), b"")  # a failure: no response record
    confirmed, failed = writer.settle()
    assert failed == [] and not writer.waiting
    assert [key for key, *_ in confirmed] == [*ids, "r1|dns|0|0"]  # in the order sent
    # the body's charsets are read where it is stored: declared GBK, but it is UTF-8
    charsets = confirmed[0][3]
    assert charsets["charset_header"] == "gbk" and charsets["charset_chosen"] == "utf-8"
    assert confirmed[-1][3] == {}  # nothing stored, nothing to describe
    assert BlobStore(tmp_path).get(sha256(content)) == content
    writer.close()
    assert writer.proc.returncode == 0
    assert writer.settle() == ([], []) and writer.broken is None  # a commit after closing is no failure
    assert not list((tmp_path / "warc").glob("*.open"))  # closed as a WARC on exit
    for key, warc_file, offset, _ in confirmed:
        if key == "r1|dns|0|0":
            assert offset is None and warc_file
            continue
        kind, record_id, payload = record_at(tmp_path / "warc" / warc_file, offset)
        assert (kind, record_id) == ("response", ids[key])
        assert payload.endswith(wire) and payload_digest(wire) == digest_of_hex(hashlib.sha256(wire).hexdigest())


def test_a_job_it_cannot_store_comes_back_failed_and_the_file_stays_whole(tmp_path):
    (tmp_path / "blobs").write_bytes(b"")  # a file where the blob folder should be: every blob write fails
    writer = ArchiveWriter(tmp_path, "r1")
    writer.write("r1|a|0|0", fields("http://a.gov.cn/a.html"), b"<html>a</html>", blob=b"<html>a</html>",
                 digest=sha256(b"<html>a</html>"))
    writer.write("r1|b|0|0", fields("http://a.gov.cn/b.html", status=None), b"")  # no blob: goes through
    confirmed, failed = writer.settle()
    assert [key for key, _ in failed] == ["r1|a|0|0"] and "Error" in failed[0][1]
    assert [key for key, *_ in confirmed] == ["r1|b|0|0"]
    writer.close()
    warc = next((tmp_path / "warc").glob("r1-*.warc.gz"))
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(warc)], capture_output=True)
    assert check.returncode == 0
    with open(warc, "rb") as f:
        targets = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(f)]
    assert "http://a.gov.cn/a.html" not in targets and "http://a.gov.cn/b.html" in targets


def test_a_writer_that_dies_fails_every_later_call(tmp_path):
    writer = ArchiveWriter(tmp_path, "r1")
    writer.write("r1|a|0|0", fields("http://a.gov.cn/a.html"), b"x", blob=b"x", digest=sha256(b"x"))
    writer.settle()
    writer.proc.kill()
    writer.proc.wait()
    with pytest.raises(ArchiveWriterError, match="writer process ended"):
        writer.write("r1|b|0|0", fields("http://a.gov.cn/b.html"), b"y", blob=b"y", digest=sha256(b"y"))
        writer.settle()
    with pytest.raises(ArchiveWriterError):
        writer.settle()
    writer.close()  # still closes cleanly


def test_a_writer_whose_crawl_vanished_exits_and_the_repair_keeps_what_was_committed(tmp_path):
    writer = ArchiveWriter(tmp_path, "r1")
    for key in ("r1|a|0|0", "r1|b|0|0"):
        writer.write(key, fields(f"http://a.gov.cn/{key[3]}.html"), b"body " + key.encode(), blob=b"body",
                     digest=sha256(b"body"))
    writer.settle()
    writer.jobs.close()  # the crawl is killed: the writer reads end-of-file
    assert writer.proc.wait(timeout=30) == 0
    left = list((tmp_path / "warc").glob("r1-*.warc.gz.open"))
    assert len(left) == 1  # not closed as a WARC: only the crawl knows what was committed
    repair_open(tmp_path / "warc", "r1", committed=lambda key: key == "r1|a|0|0")
    with open(tmp_path / "warc" / left[0].name.removesuffix(".open"), "rb") as f:
        targets = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(f)]
    assert ("response", "http://a.gov.cn/a.html") in targets
    assert not any(uri == "http://a.gov.cn/b.html" for _, uri in targets)


def test_repair_waits_for_the_writer_holding_the_file(tmp_path):
    log = WarcLog(tmp_path, "r1")
    log.write(key="r1|a|0|0", url="http://a.gov.cn/", request_headers=[], status=None, metadata={})
    done = threading.Event()
    thread = threading.Thread(target=lambda: (repair_open(tmp_path / "warc", "r1", lambda key: False), done.set()))
    thread.start()
    time.sleep(0.4)
    assert not done.is_set()  # still written: the repair must not cut it
    log.close()
    thread.join(10)
    assert done.is_set()
    with open(tmp_path / "warc" / "r1-00000.warc.gz", "rb") as f:
        assert [r.rec_type for r in ArchiveIterator(f)] == ["warcinfo", "request", "metadata"]  # whole, not cut


def children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


def test_a_crawl_whose_writer_dies_stops_keeps_what_was_confirmed_and_resumes(tmp_path):
    n = 40
    site, registry = slow_portal(tmp_path, n)
    data, job = tmp_path / "data", tmp_path / "job"
    cmd = crawlkit.crawl_command(registry, data, job, NIANBAO_COMMIT_SECONDS=0.05)
    proc = subprocess.Popen(cmd, cwd=REPO, env=crawlkit.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    db_path = data / "archive.db"
    wait_for_pages(db_path, 10, proc)
    writers = children(proc.pid)
    assert len(writers) == 1
    os.kill(writers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert "archive writer" in err and "stopping the crawl" in err
    db = sqlite_utils.Database(db_path)
    run_id = (job / "run-id").read_text().strip()
    assert db["crawl_runs"].get(run_id)["status"] == "interrupted"
    assert db["run_portals"].get((run_id, "slow"))["finish_reason"] == "archive-writer-failed"
    blobs = BlobStore(data)
    kept = list(db.query("select * from captures"))
    assert 10 <= len(kept) < n + 2
    for row in kept:  # every committed row's bytes are on disk
        assert row["warc_file"], row
        if row["sha256"]:
            assert blobs.has(row["sha256"])

    summary = crawlkit.run_crawl(registry, data, job)
    site.close()
    assert summary["run_id"] == run_id and summary["status"] == "finished"
    assert db.execute("select count(*) from captures where url like '%/p%.html' and outcome = 'new'").fetchone()[0] == n
    files = sorted((data / "warc").glob("*.warc.gz"))
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:]
