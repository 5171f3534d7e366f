"""Downloader middlewares: recording every fetch, backing off, staying on allowed hosts.

Order (process_request runs up the numbers, process_response down):

     50  AllowedHosts     refuses requests to hosts outside *.gov.cn, the portal's
                          hosts and NIANBAO_ALLOWED_HOSTS (links and redirects alike)
    100  RobotsTxt        (Scrapy) robots.txt; a denial reaches Recorder.process_exception
    550  Backoff          Scrapy's retries, each after a growing pause
    590  HttpCompression  (Scrapy) decodes gzip/deflate/br/zstd for the spider
    600  Redirect         (Scrapy) follows 3xx
    950  Recorder         next to the downloader: sees every attempt and every
                          redirect hop, with the body as transferred

Recorder, for every answer and every failure: hands the decoded body (for
archive.blobs) and the WARC group (archive.warc; the transferred bytes) to the
archive writer process (archive.writer), and inserts the capture row
(archive.captures), committed only once the writer has confirmed the bytes
are on disk, so that a killed crawl leaves nothing half-recorded. It asks
conditionally from the URL's last success and hands the spider the stored
copy on a 304, so a list page still yields its links. Challenge pages and redirect loops are recorded
as `blocked` (or failed/redirect-loop) and dropped with IgnoreRequest raised
from process_response, so neither the spider nor the retry middleware ever
sees them. The spider finds response.meta["capture"] = {id, key, sha256,
outcome}.

Resuming: a request whose capture key (run, fingerprint, hop, attempt) is
already recorded in this run is not fetched again: Recorder answers it from
the archive (the stored status, headers and body; a recorded failure raises
the same kind of error), flagged "nianbao-replay", and records nothing new.
A restarted run thus walks its portals again from the seeds, fetching only
what it had not recorded, and its spiders see every page they saw before.
"""
from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, IgnoreRequest)
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import sleep
from scrapy.utils.defer import deferred_from_coro

from archive.blobs import BlobStore, sha256
from archive.captures import CaptureStore, iso, make_key, now
from archive.warc import digest_of_hex, new_record_id, repair_open
from archive.writer import ArchiveWriter, ArchiveWriterError
from crawler.network import without_credentials

logger = logging.getLogger(__name__)

REPLAY = "nianbao-replay"   # response flag: answered from the archive, not the network
STORED = "nianbao-stored"   # response flag: the stored copy handed over for a 304

# -- challenge pages -------------------------------------------------------------------------------

_WORDS = ("安全验证", "请稍候", "请稍后访问", "访问异常", "访问验证", "人机验证", "滑动验证", "访问过于频繁")
CHALLENGE_WORDS = tuple({w.encode(enc) for w in _WORDS for enc in ("utf-8", "gb18030")}) + (b"Just a moment",)
SMALL = 16 * 1024  # challenge pages are small; a report page with one of the words is not


def challenge(status: int, headers: Headers, body: bytes) -> str | None:
    """Why this answer is an anti-bot challenge rather than the page, or None.
    Signatures: research notes §8 (瑞数 412 + $_ts, 加速乐 521/512 + document.cookie
    or __jsl cookies, interstitials saying 请稍候 / 安全验证 / Just a moment). A
    real page may say 请稍候 too ("加载中，请稍候" above a list filled by script),
    so the words count only in the <title> or in a small page with next to no links."""
    head = body[:65536]
    cookies = b" ".join(headers.getlist("Set-Cookie"))
    if status == 412 and b"$_ts" in head:
        return "412 with $_ts (瑞数)"
    if status in (512, 521) and (b"document.cookie" in head or b"__jsl" in cookies or b"__jsl" in head):
        return f"{status} with a cookie script (加速乐)"
    if len(body) < SMALL:
        lower = head.lower()
        if b"$_ts" in head and b"<script" in lower:
            return "$_ts script page (瑞数)"
        start, end = lower.find(b"<title"), lower.find(b"</title>")
        title = head[start:end] if 0 <= start < end else b""
        if any(w in title for w in CHALLENGE_WORDS):
            return "challenge interstitial (title)"
        if lower.count(b"<a ") < 3 and any(w in head for w in CHALLENGE_WORDS):
            return "challenge interstitial"
    return None


# -- helpers ---------------------------------------------------------------------------------------

def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None


def decode_content(body: bytes, encodings: list[bytes], max_size: int) -> bytes:
    """Undo Content-Encoding as HttpCompressionMiddleware will for the spider."""
    if not encodings:
        return body
    to_decode, _ = HttpCompressionMiddleware._split_encodings(encodings)
    for enc in to_decode:
        body = HttpCompressionMiddleware._decode(body, enc, max_size)
    return body


def error_kind(exc: BaseException) -> str:
    chain, e = [], exc
    while e is not None and len(chain) < 6:
        chain.append(e)
        e = e.__cause__ or e.__context__
    text = " ".join(f"{type(e).__name__} {e} {getattr(e, 'reasons', '')}" for e in chain)
    if isinstance(exc, CannotResolveHostError) or "DNSLookupError" in text:
        return "dns"
    if isinstance(exc, DownloadTimeoutError) or "TimeoutError" in text or "timed out" in text.lower():
        return "timeout"
    if any(s in text for s in ("SSL", "TLS", "certificate", "OpenSSL", "handshake")):
        return "tls"
    if isinstance(exc, (DownloadConnectionRefusedError, DownloadFailedError, ConnectionError)) or any(
            s in text for s in ("Connection", "ResponseNeverReceived", "ResponseFailed", "DataLoss")):
        return "connection"
    return "other"


REPLAY_ERRORS = {"dns": CannotResolveHostError, "timeout": DownloadTimeoutError}


# -- the archive session shared by the components of a process ------------------------------------

class ArchiveSession:
    """Blob store, capture store and archive writer of one run, shared by every crawler
    (one per portal) of the process; the WARC file is closed when the last lets go."""

    _open: dict[tuple[str, str], "ArchiveSession"] = {}

    def __init__(self, data_dir: str, run_id: str, version: str, info: dict | None = None,
                 store: CaptureStore | None = None):
        self.data_dir, self.run_id, self.version = data_dir, run_id, version
        self.store = store or CaptureStore(data_dir)
        self.blobs = BlobStore(data_dir)
        # Files a killed crawl of this run left open are cut back to what was committed.
        repair_open(Path(data_dir) / "warc", run_id, committed=lambda key: self.store.by_key(key) is not None)
        self.writer = ArchiveWriter(data_dir, run_id, info)
        self.store.before_commit = self.settle
        self.users = 0
        self.failure: str | None = None  # why the writer stopped, when it did
        self.progress = None  # callable(event dict), set by crawler.run
        self.committer = None  # commits capture rows left waiting while the crawl idles

    @classmethod
    def get(cls, settings, store: CaptureStore | None = None) -> "ArchiveSession":
        """The run's session, opened on first use (on `store`, when the caller has the
        archive open already: one connection, since capture rows commit in batches)."""
        data = str(settings.get("NIANBAO_DATA") or "data")
        run_id = settings.get("NIANBAO_RUN_ID")
        if not run_id:
            run_id = cls._default_run_id()
        key = (data, run_id)
        if key not in cls._open:
            version = settings.get("CRAWLER_VERSION", "")
            cls._open[key] = session = cls(data, run_id, version, {"operator": settings.get("NIANBAO_CONTACT"),
                                                                   "http-header-user-agent": settings.get("USER_AGENT")},
                                           store)
            session.store.COMMIT_SECONDS = settings.getfloat("NIANBAO_COMMIT_SECONDS",
                                                             session.store.COMMIT_SECONDS)
            if session.store.run(run_id) is None:  # a bare `scrapy crawl`: the run starts here
                session.store.open_run(run_id, [], crawler_version=version)
        return cls._open[key]

    _default: str | None = None

    @classmethod
    def _default_run_id(cls) -> str:
        if cls._default is None:
            from crawler.run import new_run_id
            cls._default = new_run_id()
        return cls._default

    def acquire(self) -> "ArchiveSession":
        self.users += 1
        return self

    def start_committer(self) -> None:
        """Once Scrapy has installed its reactor (importing twisted's default one earlier
        would install the wrong reactor): commit rows left waiting while the crawl idles."""
        if self.committer is None:
            from twisted.internet import task
            self.committer = task.LoopingCall(self.store.commit_if_stale)
            self.committer.start(self.store.COMMIT_SECONDS, now=False)

    def settle(self) -> None:
        """Before a commit: wait for the writer to confirm every capture sent, and give
        the rows their WARC file and offset (or drop those it could not store)."""
        if self.failure is not None:
            return  # rolled back when the writer failed; no capture row was inserted since
        try:
            confirmed, failed = self.writer.settle()
        except ArchiveWriterError as e:
            self.writer_failed(e)
            return
        self.store.confirm(confirmed)
        for key, error in failed:
            logger.error("could not archive capture %s, left for a resumed run to fetch again: %s", key, error)
            self.store.forget(key)

    def writer_failed(self, error: Exception) -> None:
        """The writer process is gone: whatever it had not confirmed may not be on disk,
        so the uncommitted capture rows are rolled back (a resumed run fetches them again)."""
        if self.failure is None:
            self.failure = str(error)
            logger.error("the archive writer failed; uncommitted captures rolled back: %s", error)
            self.store.db.conn.rollback()
            self.store.pending = 0

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0:
            self.store.commit()
            self.writer.close_file()

    def close(self) -> None:
        if self.committer is not None and self.committer.running:
            self.committer.stop()
        try:
            self.store.commit()  # rows before the WARC file is closed: repair trusts rows
        finally:
            self.writer.close()
            self.store.close()
            self._open.pop((self.data_dir, self.run_id), None)

    def emit(self, event: dict) -> None:
        if self.progress:
            try:
                self.progress(event)
            except Exception:  # noqa: BLE001 - a progress display must not stop the crawl
                logger.exception("progress callback failed")


def session_for(crawler) -> ArchiveSession:
    """The crawler's archive session, acquired once per crawler and released when its spider closes."""
    session = ArchiveSession.get(crawler.settings)
    session.start_committer()
    if not getattr(crawler, "_nianbao_session", None):
        crawler._nianbao_session = session.acquire()
        crawler.signals.connect(lambda *a, **k: session.release(), signal=signals.spider_closed, weak=False)
    return session


# -- recording -------------------------------------------------------------------------------------

class Recorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.session = session_for(crawler)
        self.store, self.blobs, self.writer = self.session.store, self.session.blobs, self.session.writer
        self.run_id = self.session.run_id
        self.version = crawler.settings.get("CRAWLER_VERSION", "")
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.fingerprint = crawler.request_fingerprinter.fingerprint
        self.stats = crawler.stats
        self.stopping = False  # asked the engine to close the spider (the archive writer failed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # -- state of one attempt -------------------------------------------------------------------

    def key(self, request: Request) -> str:
        return make_key(self.run_id, self.fingerprint(request).hex(), request.meta.get("redirect_times", 0),
                        request.meta.get("retry_times", 0))

    def state(self, request: Request) -> dict:
        """Per-attempt state in meta; retry and redirect copies carry their parent's, hence the key check."""
        key = self.key(request)
        st = request.meta.get("_nianbao")
        if not st or st.get("key") != key:
            st = request.meta["_nianbao"] = {"key": key, "t0": time.time()}
        return st

    # -- requests -------------------------------------------------------------------------------

    def process_request(self, request: Request, spider=None):
        if urlsplit(request.url).scheme not in ("http", "https"):
            return None
        if self.session.failure:  # what is fetched now could not be archived
            self.stop_crawl(self.session.failure)
            raise IgnoreRequest(f"{request.url}: not fetched, the archive writer failed")
        st = self.state(request)
        done = self.store.by_key(st["key"])
        if done is not None:
            return self.replay(request, done, st)
        # Validators belong to one URL: drop those a redirect or retry copy inherited.
        if request.meta.pop("_nianbao_conditional", None):
            request.headers.pop(b"If-None-Match", None)
            request.headers.pop(b"If-Modified-Since", None)
        if request.method == "GET" and not request.meta.get("nianbao_unconditional"):
            last = st["prev"] = self.store.last_success(request.url)  # process_response compares with it
            if last and self.blobs.has(last["sha256"]) and (last["etag"] or last["last_modified"]):
                if last["etag"]:
                    request.headers[b"If-None-Match"] = last["etag"]
                if last["last_modified"]:
                    request.headers[b"If-Modified-Since"] = last["last_modified"]
                request.meta["_nianbao_conditional"] = True
        return None

    # -- answers --------------------------------------------------------------------------------

    def process_response(self, request: Request, response: Response, spider=None):
        if REPLAY in response.flags:
            return self.after(request, response, request.meta["_nianbao"]["row"])
        st = self.state(request)
        status, wire = response.status, response.body
        encodings = response.headers.getlist("Content-Encoding")
        ctype = _text(response.headers.get("Content-Type"))
        row = self.base_row(request, st)
        row.update(status=status, server_ip=str(response.ip_address) if response.ip_address else None,
                   protocol=response.protocol, response_headers=header_pairs(response.headers),
                   etag=_text(response.headers.get("ETag")), last_modified=_text(response.headers.get("Last-Modified")),
                   content_encoding=", ".join(e.decode("latin-1") for e in encodings) or None,
                   wire_sha256=sha256(wire), wire_size=len(wire))
        outcome = None
        content: bytes | None = wire
        if encodings and request.method != "HEAD":
            try:
                content = decode_content(wire, encodings, self.max_size)
            except Exception as e:  # noqa: BLE001
                if "MaxSize" in type(e).__name__:
                    content, outcome = None, "too-large"
                    row["error"] = f"over DOWNLOAD_MAXSIZE ({self.max_size} B) once decompressed"
                else:  # a corrupt or unknown encoding: keep what came, and say so
                    row.update(error_kind="decoding", error=f"content decoding failed: {type(e).__name__}: {e}"[:500])
        prev = st["prev"] if "prev" in st else self.store.last_success(request.url)
        revisit = None
        location = response.headers.get("Location")
        why = challenge(status, response.headers, content) if content is not None else None
        if outcome:
            pass
        elif status == 304 and prev is not None:
            outcome = "not-modified"
            row.update(sha256=prev["sha256"], size=prev["size"], mime=prev["mime"], previous_capture_id=prev["id"],
                       etag=row["etag"] or prev["etag"], last_modified=row["last_modified"] or prev["last_modified"])
            revisit = self.revisit_of(prev, "not-modified")
        elif why:
            outcome, row["error"] = "blocked", why
        elif 300 <= status < 400 and location:
            target = urljoin(request.url, location.decode("latin-1"))
            row["final_url"] = target
            chain = [*request.meta.get("redirect_urls", []), request.url]
            cookie = bool(response.headers.getlist("Set-Cookie"))
            if target not in chain or (cookie and chain.count(target) == 1):
                # A first 302 to itself that sets a cookie is the CT6T-style WAF: follow it
                # once with the cookie (see after()); a second time it is a loop.
                outcome = "redirect"
            elif cookie:
                outcome, row["error"] = "blocked", f"cookie-setting redirect loop to {target}"
            else:
                outcome = "failed"
                row.update(error_kind="redirect-loop", error=f"redirect loop to {target}")
        blob = None
        if outcome not in ("not-modified", "too-large"):
            blob = content
            digest = row["wire_sha256"] if content is wire else sha256(content)
            self.store.note_blob(digest, len(content), ctype)
            row.update(sha256=digest, size=len(content), mime=ctype)  # charsets: the writer's confirmation
        if outcome is None:
            if 200 <= status < 300:
                outcome = "new" if prev is None else ("identical" if prev["sha256"] == row["sha256"] else "changed")
            elif status in (404, 410) and prev is not None:
                outcome = "gone"
            else:
                outcome = "http-error"
            if prev is not None and outcome in ("identical", "changed", "gone"):
                row["previous_capture_id"] = prev["id"]
            if outcome == "identical" and prev.get("warc_record_id") \
                    and prev.get("warc_payload_digest") == digest_of_hex(row["wire_sha256"]):
                revisit = self.revisit_of(prev, "identical")
        row["outcome"] = outcome
        self.write(request, row, body=wire, revisit=revisit, blob=blob)
        return self.after(request, response, row)

    def after(self, request: Request, response: Response, row: dict):
        """What the rest of the chain gets: the answer, the stored copy for a 304, or nothing."""
        request.meta["capture"] = {"id": row["id"], "key": row["key"], "sha256": row.get("sha256"),
                                   "outcome": row["outcome"]}
        outcome = row["outcome"]
        if outcome == "blocked":
            raise IgnoreRequest(f"{request.url}: challenge page ({row.get('error')}), recorded as blocked")
        if outcome in ("failed", "too-large"):
            raise IgnoreRequest(f"{request.url}: {row.get('error')}, recorded as {outcome}")
        if outcome == "redirect":
            target = row.get("final_url")
            if target and target in [*request.meta.get("redirect_urls", []), request.url]:
                request.dont_filter = True  # the redirect copy inherits this
        if outcome == "not-modified" and STORED not in response.flags:
            return self.stored_copy(request, row, flags=list(response.flags))
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None):
        if isinstance(exception, IgnoreRequest):
            if "robots.txt" in str(exception):
                self.record_failure(request, exception, "robots-denied")
            return None  # offsite refusals and our own drops fetched nothing
        st = request.meta.get("_nianbao")
        if st and st.get("row") is not None and st.get("key") == self.key(request):
            return None  # a recorded failure replayed: already a capture
        if isinstance(exception, DownloadCancelledError) and "max size" in str(exception):
            self.record_failure(request, exception, "too-large")
        else:
            self.record_failure(request, exception, "failed")
        return None

    def record_failure(self, request: Request, exception: Exception, outcome: str) -> None:
        st = self.state(request)
        if self.store.by_key(st["key"]) is not None:
            return
        row = self.base_row(request, st)
        row["outcome"] = outcome
        if outcome == "robots-denied":
            row["error"] = "forbidden by robots.txt"
            row["duration_ms"] = 0.0
        else:
            row["error_kind"] = error_kind(exception) if outcome == "failed" else None
            row["error"] = f"{type(exception).__name__}: {exception}"[:500]
        self.write(request, row, body=b"", sent=outcome != "robots-denied")

    # -- writing --------------------------------------------------------------------------------

    def write(self, request: Request, row: dict, body: bytes, revisit: dict | None = None, sent: bool = True,
              blob: bytes | None = None) -> None:
        """Send the capture to the archive writer (the body as transferred for the WARC,
        `blob` the decoded body to store and describe), then insert its row; the row is
        committed once the writer has confirmed (ArchiveSession.settle)."""
        meta = {k: row.get(k) for k in ("portal", "platform", "role", "list_page", "anchor", "outcome",
                                        "error_kind", "error", "hop", "attempt", "origin_url", "sha256",
                                        "wire_sha256", "run_id")}
        if row.get("status") is not None:
            row["warc_record_id"] = new_record_id()
            row["warc_payload_digest"] = revisit.get("digest") if revisit else digest_of_hex(row["wire_sha256"])
        warc = dict(url=request.url, method=request.method,
                    request_headers=row["request_headers"] if sent else None, request_body=request.body or b"",
                    fetched_at=row["fetched_at"], status=row.get("status"), protocol=row.get("protocol"),
                    response_headers=row.get("response_headers"), server_ip=row.get("server_ip"),
                    revisit=revisit, metadata=meta, record_id=row.get("warc_record_id"),
                    payload_digest=None if revisit else row.get("warc_payload_digest"))
        try:
            if self.session.failure:
                raise ArchiveWriterError(self.session.failure)
            self.writer.write(row["key"], warc, body, blob=blob, digest=row.get("sha256"), mime=row.get("mime"))
        except ArchiveWriterError as e:
            self.session.writer_failed(e)
            self.stop_crawl(str(e))
            raise IgnoreRequest(f"{request.url}: not archived, {e}") from e
        row["id"] = self.store.record(row)
        self.stats.inc_value(f"nianbao/outcome/{row['outcome']}")
        self.session.emit({"event": "capture", "portal": row.get("portal"), "url": row["url"],
                           "outcome": row["outcome"], "status": row.get("status")})

    def stop_crawl(self, why: str) -> None:
        """Nothing more can be archived: close the spider (the run ends interrupted, and resumes)."""
        if not self.stopping:
            self.stopping = True
            logger.error("stopping the crawl of %s: %s", getattr(self.crawler.spider, "name", "?"), why)
            if self.crawler.engine is not None:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive-writer-failed"))

    @staticmethod
    def revisit_of(prev: dict, profile: str) -> dict:
        return {"profile": profile, "uri": prev["url"], "date": prev["fetched_at"],
                "record_id": prev.get("warc_record_id"), "digest": prev.get("warc_payload_digest")}

    def base_row(self, request: Request, st: dict) -> dict:
        meta = request.meta
        info = meta.get("nianbao") or {}
        spider = self.crawler.spider
        portal = getattr(spider, "portal", None)
        role = info.get("role") or ("robots" if meta.get("dont_obey_robotstxt")
                                    and request.url.endswith("/robots.txt") else None)
        started = st.get("sent") or st["t0"]
        _, fp, hop, attempt = st["key"].rsplit("|", 3)
        return {
            "key": st["key"], "run_id": self.run_id, "spider": getattr(spider, "name", None),
            "portal": info.get("portal") or getattr(portal, "id", None),
            "platform": info.get("platform") or getattr(portal, "platform", None), "role": role,
            "method": request.method, "url": request.url,
            "origin_url": (meta.get("redirect_urls") or [request.url])[0], "final_url": request.url,
            "hop": int(hop), "attempt": int(attempt), "fingerprint": fp,
            "fetched_at": iso(started), "duration_ms": round((time.time() - started) * 1000, 1),
            "list_page": info.get("list_page"), "anchor": info.get("anchor"),
            "request_headers": header_pairs(request.headers),
            "conditional": int(bool(meta.get("_nianbao_conditional"))), "crawler_version": self.version,
            "proxy": without_credentials(meta.get("proxy")),
        }

    # -- answers from the archive ---------------------------------------------------------------

    def replay(self, request: Request, row: dict, st: dict):
        """Answer a request this run already recorded, without the network."""
        if row["warc_file"] is None:  # recorded in this session, its blob maybe not yet written
            self.session.settle()
        st["row"] = row
        self.stats.inc_value("nianbao/replayed")
        outcome = row["outcome"]
        if outcome == "not-modified":
            return self.stored_copy(request, row, flags=[REPLAY])
        if row["status"] is not None and outcome != "too-large":
            headers = [(k, v) for k, v in json.loads(row["response_headers"] or "[]")
                       if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
            body = self.blobs.get(row["sha256"]) if row["sha256"] and self.blobs.has(row["sha256"]) else b""
            return self.make_response(request.url, row["status"], headers, body, [REPLAY], request)
        if outcome == "failed" and row.get("error_kind") in REPLAY_ERRORS:
            raise REPLAY_ERRORS[row["error_kind"]](f"(recorded) {row['error']}")
        if outcome == "failed" and row.get("error_kind") != "redirect-loop":
            raise DownloadFailedError(f"(recorded) {row['error']}")
        raise IgnoreRequest(f"{request.url}: recorded as {outcome} in this run")

    def stored_copy(self, request: Request, row: dict, flags: list[str]) -> Response:
        """The last success's body and headers, as a 200, for a 304 (so lists still yield links)."""
        prev = self.store.get(row["previous_capture_id"]) if row.get("previous_capture_id") else None
        headers = [(k, v) for k, v in json.loads((prev or {}).get("response_headers") or "[]")
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        body = self.blobs.get(row["sha256"])
        return self.make_response(request.url, 200, headers, body, [*flags, STORED], request)

    @staticmethod
    def make_response(url: str, status: int, headers: list, body: bytes, flags: list[str], request: Request):
        h = Headers()
        for k, v in headers:
            h.appendlist(k, v)
        cls = responsetypes.from_args(headers=h, url=url, body=body)
        return cls(url=url, status=status, headers=h, body=body, flags=flags, request=request)


# -- retries with backoff --------------------------------------------------------------------------

class Backoff(RetryMiddleware):
    """Scrapy's retries (RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS), each after a
    pause of NIANBAO_RETRY_BACKOFF × 2^(attempt-1) seconds, ±25 % jitter, at most
    NIANBAO_RETRY_BACKOFF_MAX, or the server's Retry-After when it says more (capped
    likewise). Scrapy's own RetryMiddleware re-sends at once. TLS failures are not
    retried. The pause is
    asynchronous: other hosts go on meanwhile. Answers replayed from the archive
    are retried without pausing."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("NIANBAO_RETRY_BACKOFF", 2.0)
        self.cap = settings.getfloat("NIANBAO_RETRY_BACKOFF_MAX", 120.0)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if REPLAY in response.flags:
            return result
        return await self.pause(result, response.headers.get("Retry-After"))

    async def process_exception(self, request, exception, spider=None):
        if error_kind(exception) == "tls":
            return None  # a refused handshake fails the same way again; the registry's tls_profile is the fix
        result = super().process_exception(request, exception)
        if (request.meta.get("_nianbao") or {}).get("row") is not None:
            return result  # a recorded failure replayed
        return await self.pause(result)

    async def pause(self, result, retry_after: bytes | None = None):
        if isinstance(result, Request) and self.base > 0:
            delay = self.base * 2 ** (result.meta.get("retry_times", 1) - 1) * random.uniform(0.75, 1.25)
            if retry_after and retry_after.strip().isdigit():
                delay = max(delay, float(retry_after))
            await sleep(min(delay, self.cap))
        return result


# -- allowed hosts ---------------------------------------------------------------------------------

class AllowedHosts:
    """Requests only to *.gov.cn, the portal's hosts (Portal.allowed_hosts) and
    NIANBAO_ALLOWED_HOSTS; everything else (spam mirrors, off-site links and
    redirects) is refused before it is fetched, counted in the stats
    (nianbao/offsite_refused) and logged once per host. Replaces Scrapy's
    OffsiteMiddleware, which reads spider.allowed_domains."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.extra = {h.lower() for h in crawler.settings.getlist("NIANBAO_ALLOWED_HOSTS")}
        self.suffixes = tuple(s.lower() for s in crawler.settings.getlist("NIANBAO_ALLOWED_SUFFIXES", [".gov.cn"]))
        self.refused: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        if not host:
            return False
        portal = getattr(self.crawler.spider, "portal", None)
        hosts = {h.lower() for h in (portal.allowed_hosts if portal else ())} | self.extra
        return host in hosts or any(host.endswith(s) or host == s.lstrip(".") for s in self.suffixes)

    def process_request(self, request: Request, spider=None):
        if request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt"):
            return None  # robots.txt of a host already allowed
        if self.allowed(request.url):
            return None
        host = urlsplit(request.url).hostname or ""
        self.crawler.stats.inc_value("nianbao/offsite_refused")
        if host not in self.refused:
            self.refused.add(host)
            logger.info("not following links to %s (not an allowed host), first: %s", host, request.url)
        raise IgnoreRequest(f"offsite: {host} is not an allowed host")
