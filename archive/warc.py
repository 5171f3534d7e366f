"""WARC files per crawl run, written with warcio.

    <data>/warc/<run id>-00000.warc.gz   (a new file every MAX_BYTES)

For each fetch: a `request` record, then a `response` record (or a `revisit`
record when the body is identical to the URL's last success or the server
answered 304), then a `metadata` record with the capture's provenance
(portal, role, list page, anchor text, outcome, capture id). warcio computes
WARC-Block-Digest and WARC-Payload-Digest.

The records are rebuilt from Scrapy's request and response, not copied off
the wire: the status line and headers are re-serialised, and since the body
is stored decoded (see archive/blobs.py) the Content-Encoding and
Transfer-Encoding headers are dropped and Content-Length set to the stored
body; the headers as received are kept in the metadata record.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

MAX_BYTES = 1 << 30
_DROP = {"content-encoding", "transfer-encoding", "content-length"}


class WarcLog:
    def __init__(self, data_dir: str | Path, run_id: str):
        self.folder = Path(data_dir) / "warc"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.run_id = run_id
        self.file = None
        self.writer = None

    def _writer(self) -> WARCWriter:
        if self.file is None or self.file.tell() > MAX_BYTES:
            self.close()
            n = len(list(self.folder.glob(f"{self.run_id}-*.warc.gz")))
            self.file = open(self.folder / f"{self.run_id}-{n:05d}.warc.gz", "ab")
            self.writer = WARCWriter(self.file, gzip=True)
            self.writer.write_record(self.writer.create_warcinfo_record(
                self.file.name, {"software": "nianbao", "format": "WARC File Format 1.1", "run": self.run_id}))
        return self.writer

    def write(self, *, url: str, method: str, request_headers: list[tuple[str, str]], status: int | None,
              reason: str = "", response_headers: list[tuple[str, str]] | None = None, body: bytes = b"",
              revisit_of: dict | None = None, metadata: dict | None = None, request_body: bytes = b"") -> None:
        """Write the records of one fetch. `revisit_of` (the earlier capture's url,
        fetched_at and sha256) makes the response a revisit record."""
        w = self._writer()
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        req = StatusAndHeaders(f"{method} /{path} HTTP/1.1", request_headers, is_http_request=True)
        w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(request_body), http_headers=req))
        if status is not None:
            headers = [(k, v) for k, v in (response_headers or []) if k.lower() not in _DROP]
            headers.append(("Content-Length", str(len(body))))
            http = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
            if revisit_of:
                record = w.create_revisit_record(url, digest="sha256:" + revisit_of["sha256"],
                                                 refers_to_uri=revisit_of["url"],
                                                 refers_to_date=revisit_of["fetched_at"], http_headers=http)
            else:
                record = w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
            w.write_record(record)
        if metadata:
            meta = dict(metadata, response_headers_as_received=response_headers or [])
            payload = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")
            w.write_record(w.create_warc_record(url, "metadata", payload=io.BytesIO(payload),
                                                warc_content_type="application/json"))
        self.file.flush()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
            self.writer = None
