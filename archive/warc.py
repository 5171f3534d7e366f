"""WARC files per crawl run, written with warcio.

    <data>/warc/<run id>-00000.warc.gz        closed files (a new one every max_bytes)
    <data>/warc/<run id>-00001.warc.gz.open   the file being written

Each file starts with a `warcinfo` record. Each capture is a group of records:

    request    the request as sent (absent when nothing was sent: robots-denied)
    response   status line, headers and body; or, instead,
    revisit    for an `identical` body (profile identical-payload-digest, when the
               bytes on the wire match the earlier record's) or a 304 `not-modified`
               (profile server-not-modified), referring to the earlier record
    metadata   application/warc-fields: capture key, portal, role, list page,
               anchor, outcome, error, both digests

Digests are sha256 in base32 (WARC-Block-Digest on every record,
WARC-Payload-Digest on responses and revisits).

How faithful: the response body is byte-exact as it came off the connection
— de-chunked by Twisted but still gzip/deflate/br encoded when the server
encoded it, so WARC-Payload-Digest is the digest of the transferred entity
(capture column `wire_sha256`, base32 here). The status line and headers are
rebuilt from Scrapy's parsed response: header names in Scrapy's title case,
the standard reason phrase, and Transfer-Encoding dropped because the body is
no longer chunked. The request record is likewise rebuilt from the headers
Scrapy handed to the downloader (Twisted adds Host and Connection itself).

Crash safety: a group is flushed before its capture row is committed (the
crawl writes through archive.writer, which confirms each group). A `.open`
file left by a killed crawl is repaired when the run resumes: cut after the
last group whose capture row exists, then closed; the resumed run writes to a
new file. The writer holds an exclusive lock on the file it writes, and repair
takes that lock first, so a writer still finishing its last group is never cut
under its feet.
"""
from __future__ import annotations

import base64
import fcntl
import io
import os
import re
import time
import uuid
import zlib
from http import HTTPStatus
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

MAX_BYTES = 1 << 30
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
_NOT_IN_RECORD = {"transfer-encoding"}  # the body is stored de-chunked
_NEWLINES = re.compile(r"[\r\n]+")


class _Writer(WARCWriter):
    @staticmethod
    def _create_digester():
        return Digester("sha256")


class _GzipMembers:
    """One gzip member per record, as warcio's gzip=True writes them, but at level 6:
    warcio's level 9 took twice the CPU for files no smaller (measured on crawled
    pages and PDFs), and compression was the largest cost of archiving a fetch.
    `level` may be changed for the next member (see stored_as_is())."""

    LEVEL = 6

    def __init__(self, file):
        self.file = file
        self.compressor = None
        self.level = self.LEVEL

    def write(self, data: bytes) -> None:
        if self.compressor is None:
            self.compressor = zlib.compressobj(self.level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        self.file.write(self.compressor.compress(data))

    def flush(self) -> None:  # warcio calls this at the end of each record
        if self.compressor is not None:
            self.file.write(self.compressor.flush())
            self.compressor = None
        self.level = self.LEVEL


# Formats that are compressed already. Deflate shrank the sample portal's PDFs and
# DOCX files by 6% at any level, at the cost of 25 ms of CPU a megabyte; their
# response records are stored in their gzip member as they are (level 0).
_COMPRESSED = (b"%PDF", b"PK\x03\x04", b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"\x1f\x8b", b"Rar!",
               b"7z\xbc\xaf", b"(\xb5/\xfd", b"BZh", b"II*\x00", b"MM\x00*")


def stored_as_is(body: bytes) -> bool:
    """Whether a payload is in a compressed format (PDF, ZIP/DOCX/XLSX, images, archives)."""
    return body.startswith(_COMPRESSED) or b"%PDF-" in body[:1024]


def payload_digest(body: bytes) -> str:
    d = Digester("sha256")
    d.update(body)
    return str(d)


def digest_of_hex(sha256_hex: str) -> str:
    """The WARC form (sha256:BASE32) of a sha256 already computed as hex."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def new_record_id() -> str:
    """A WARC-Record-ID, made before the record is written so the capture row can hold it."""
    return f"<urn:uuid:{uuid.uuid4()}>"


def warc_date(iso: str | None) -> str | None:
    """capture time (ISO 8601, +00:00) -> WARC-Date (…Z)."""
    return iso.replace("+00:00", "Z") if iso else None


def _fields(data: dict) -> bytes:
    lines = []
    for k, v in data.items():
        if v is None or v == "":
            continue
        lines.append(f"{k}: " + _NEWLINES.sub(" ", str(v)))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class WarcLog:
    def __init__(self, data_dir: str | Path, run_id: str, max_bytes: int = MAX_BYTES,
                 committed: Callable[[str], bool] | None = None, info: dict | None = None):
        """`committed(capture_key)` tells whether a capture row exists; given it, files a
        killed crawl left open are repaired before anything is written."""
        self.folder = Path(data_dir) / "warc"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.info = info or {}
        self.file = None
        self.writer: _Writer | None = None
        self.name: str | None = None
        if committed is not None:
            repair_open(self.folder, run_id, committed)

    # -- files ---------------------------------------------------------------------------------

    def _next_index(self) -> int:
        taken = [int(m.group(1)) for p in self.folder.glob(f"{self.run_id}-*.warc.gz*")
                 if (m := re.search(r"-(\d{5})\.warc\.gz", p.name))]
        return max(taken, default=-1) + 1

    def _open(self) -> None:
        self.name = f"{self.run_id}-{self._next_index():05d}.warc.gz"
        self.file = open(self.folder / (self.name + ".open"), "xb")
        fcntl.flock(self.file.fileno(), fcntl.LOCK_EX)  # held until closed; repair() waits for it
        self.writer = _Writer(_GzipMembers(self.file), gzip=False, warc_version="1.1")
        info = {"software": "nianbao (Scrapy, warcio)", "format": "WARC File Format 1.1", "run": self.run_id,
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                "description": "response bodies byte-exact as transferred (content encoding kept); "
                               "status lines and headers rebuilt from Scrapy's parsed response", **self.info}
        self.writer.write_record(self.writer.create_warcinfo_record(self.name, info))
        self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())
            # Renamed while still locked: a repair waiting for the lock then finds it closed.
            os.replace(self.folder / (self.name + ".open"), self.folder / self.name)
            self.file.close()
            self.file = self.writer = self.name = None

    # -- records -------------------------------------------------------------------------------

    def write(self, *, key: str, url: str, method: str = "GET", request_headers: list | None = None,
              request_body: bytes = b"", fetched_at: str | None = None, status: int | None = None,
              protocol: str | None = None, response_headers: list | None = None, body: bytes = b"",
              server_ip: str | None = None, revisit: dict | None = None, metadata: dict | None = None,
              record_id: str | None = None, payload_digest: str | None = None) -> dict:
        """Write the records of one capture; returns where its response (or revisit) went:
        {warc_file, warc_offset, warc_record_id, warc_payload_digest}.

        request_headers None: nothing was sent, no request record. status None: no
        response. `revisit` = {profile: "identical" | "not-modified", uri, date,
        record_id, digest} turns the response into a revisit record. `record_id`:
        the response's WARC-Record-ID when the caller made it (new_record_id());
        `payload_digest`: the body's, when the caller has it (saves hashing it again)."""
        if self.file is None or self.file.tell() >= self.max_bytes:
            self.close()
            self._open()
        start = self.file.tell()
        try:
            return self._write_group(key=key, url=url, method=method, request_headers=request_headers,
                                     request_body=request_body, fetched_at=fetched_at, status=status,
                                     protocol=protocol, response_headers=response_headers, body=body,
                                     server_ip=server_ip, revisit=revisit, metadata=metadata, record_id=record_id,
                                     payload_digest=payload_digest)
        except BaseException:
            # A group half written (a full disk): cut it off, so the file stays a run of whole groups.
            self.writer.out.compressor = None
            self.writer.out.level = _GzipMembers.LEVEL
            try:
                self.file.seek(start)
                self.file.truncate()
            except OSError:
                pass
            raise

    def _write_group(self, *, key, url, method, request_headers, request_body, fetched_at, status,
                     protocol, response_headers, body, server_ip, revisit, metadata, record_id,
                     payload_digest) -> dict:
        w = self.writer
        date = {"WARC-Date": warc_date(fetched_at)} if fetched_at else {}
        response_id = record_id or new_record_id()
        out = {"warc_file": self.name, "warc_offset": None, "warc_record_id": None, "warc_payload_digest": None}

        if request_headers is not None:
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers = list(request_headers)
            if not any(k.lower() == "host" for k, _ in headers):
                headers.insert(0, ("Host", parts.netloc))
            http = StatusAndHeaders(f"{method} {target} HTTP/1.1", headers, is_http_request=True)
            extra = {**date, **({"WARC-Concurrent-To": response_id} if status is not None else {})}
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(request_body),
                                                length=len(request_body), http_headers=http,
                                                warc_headers_dict=extra))
        if status is not None:
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = ""
            headers = [(k, v) for k, v in (response_headers or []) if k.lower() not in _NOT_IN_RECORD]
            http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol=protocol or "HTTP/1.1")
            extra = {**date, "WARC-Record-ID": response_id}
            if server_ip:
                extra["WARC-IP-Address"] = server_ip
            out["warc_offset"] = self.file.tell()  # start of the response, after the request's member
            out["warc_record_id"] = response_id
            if revisit:
                record = w.create_warc_record(url, "revisit", http_headers=http, warc_headers_dict=extra)
                record.rec_headers.add_header(
                    "WARC-Profile", PROFILE_NOT_MODIFIED if revisit["profile"] == "not-modified" else PROFILE_IDENTICAL)
                for header, k in (("WARC-Refers-To", "record_id"), ("WARC-Refers-To-Target-URI", "uri"),
                                  ("WARC-Refers-To-Date", "date"), ("WARC-Payload-Digest", "digest")):
                    if revisit.get(k):
                        record.rec_headers.add_header(header, warc_date(revisit[k]) if k == "date" else revisit[k])
                out["warc_payload_digest"] = revisit.get("digest")
            else:
                if payload_digest:
                    extra["WARC-Payload-Digest"] = payload_digest
                record = w.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                              http_headers=http, warc_headers_dict=extra)
                out["warc_payload_digest"] = record.rec_headers.get_header("WARC-Payload-Digest")
                if stored_as_is(body):
                    w.out.level = 0
            w.write_record(record)
        meta = {"capture-key": key, **(metadata or {})}
        extra = {**date, **({"WARC-Refers-To": response_id} if status is not None else {})}
        payload = _fields(meta)
        w.write_record(w.create_warc_record(url, "metadata", payload=io.BytesIO(payload), length=len(payload),
                                            warc_content_type="application/warc-fields",
                                            warc_headers_dict=extra))
        self.file.flush()  # the group is on disk (page cache) before the capture row commits
        return out


def repair_open(folder: Path, run_id: str, committed: Callable[[str], bool]) -> None:
    """Repair every `.open` WARC file the run left behind (see repair())."""
    for left in sorted(Path(folder).glob(f"{run_id}-*.warc.gz.open")):
        repair(left, committed)


LOCK_WAIT = 60.0  # seconds: a writer left by a killed crawl finishes its group and exits in far less


def repair(path: Path, committed: Callable[[str], bool]) -> Path | None:
    """Cut an `.open` WARC after its last group whose capture row was committed, and close it."""
    good = 0
    with open(path, "rb") as f:
        _wait_for_lock(f, path)
        try:
            it = ArchiveIterator(f)
            for record in it:
                kind = record.rec_type
                key = None
                if kind == "metadata":
                    for line in record.content_stream().read().decode("utf-8", "replace").splitlines():
                        if line.startswith("capture-key:"):
                            key = line.split(":", 1)[1].strip()
                end = it.get_record_offset() + it.get_record_length()
                if kind == "warcinfo" and good == 0:
                    good = end
                elif kind == "metadata" and key and committed(key):
                    good = end
        except Exception:  # noqa: BLE001 - a truncated gzip member or record: stop at the last good one
            pass
    final = path.with_name(path.name[: -len(".open")])
    if not path.exists():  # closed meanwhile by the writer that held it
        return final if final.exists() else None
    if good == 0:
        path.unlink()
        return None
    with open(path, "r+b") as f:
        f.truncate(good)
    os.replace(path, final)
    return final


def _wait_for_lock(f, path: Path) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path.name} is still being written by another process") from None
            time.sleep(0.05)
