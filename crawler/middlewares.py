"""Crawl middlewares: recording every fetch, backing off, staying on allowed hosts.

Recorder sits between the HTTP compression middleware and the redirect
middleware (see settings.py), so it sees every redirect hop and every retried
attempt, with bodies already decoded. For each it stores the body
(archive.blobs), a capture row (archive.captures) and WARC records
(archive.warc); anti-bot challenge pages are recorded as `blocked` and
dropped, so they are never parsed and never retried in a loop.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.responsetypes import responsetypes

from archive.blobs import BlobStore
from archive.captures import CaptureStore, now
from archive.warc import WarcLog
from parsers.encoding import decode, header_charset, meta_charset

CHALLENGE_MARKERS = ("$_ts", "__jsluid", "__jsl_clearance", "安全验证", "请稍候", "访问异常", "Just a moment",
                     "document.cookie")
_CHALLENGE_STATUS = (412, 512, 521)


def is_challenge(status: int, body: bytes) -> bool:
    """瑞数 (412 + $_ts), 加速乐 (521/512 + document.cookie), and small pages that only ask to wait."""
    head = body[:20000].decode("utf-8", "replace")
    if status in _CHALLENGE_STATUS and any(m in head for m in CHALLENGE_MARKERS):
        return True
    return len(body) < 3000 and any(m in head for m in CHALLENGE_MARKERS[:4] + ("Just a moment",)) \
        and "<table" not in head


def header_pairs(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


class Recorder:
    def __init__(self, crawler):
        settings = crawler.settings
        data = settings.get("NIANBAO_DATA", "data")
        self.run_id = settings.get("NIANBAO_RUN_ID", "run")
        self.resumed = settings.getint("NIANBAO_RESUMED", 0)  # earlier starts of this run
        self.version = settings.get("CRAWLER_VERSION", "")
        self.blobs = BlobStore(data)
        self.captures = CaptureStore(data)
        self.warc = WarcLog(data, self.run_id)
        self.fingerprint = crawler.request_fingerprinter.fingerprint
        self.stats = crawler.stats
        self.crawler = crawler
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def closed(self, spider=None):
        self.warc.close()

    # -- requests ----------------------------------------------------------------------------

    def process_request(self, request: Request, spider=None):
        request.meta.setdefault("nianbao_started", time.monotonic())
        request.meta.setdefault("nianbao_fetched_at", now())
        if self.resumed and not request.meta.get("redirect_times"):
            done = list(self.captures.db.query(
                "select id, sha256, outcome from captures where run_id = ? and url = ? and outcome in "
                "('new', 'changed', 'identical', 'not-modified') and sha256 is not null order by id desc limit 1",
                [self.run_id, request.url]))
            if done and self.blobs.has(done[0]["sha256"]):
                # Stored by this run before it was killed: no second fetch, no second capture.
                request.meta["capture"] = dict(done[0])
                request.meta["nianbao_from_archive"] = True
                return self.stored_copy(request, request.url, done[0]["sha256"])
        if request.method == "GET" and not request.meta.get("redirect_times"):
            last = self.captures.last_success(request.url)
            if last and last.get("etag"):
                request.headers.setdefault("If-None-Match", last["etag"])
            if last and last.get("last_modified"):
                request.headers.setdefault("If-Modified-Since", last["last_modified"])
        return None

    # -- answers -----------------------------------------------------------------------------

    def process_response(self, request: Request, response, spider=None):
        if request.meta.pop("nianbao_from_archive", False):
            return response  # served from the archive on a resumed run: nothing was fetched
        status = response.status
        body = response.body
        location = response.headers.get("Location")
        row = self.base_row(request)
        row.update(status=status, final_url=response.url, server_ip=str(response.ip_address or "") or None,
                   response_headers=header_pairs(response.headers),
                   etag=self.text(response.headers.get("ETag")),
                   last_modified=self.text(response.headers.get("Last-Modified")))
        revisit = None
        if 300 <= status < 400 and status != 304 and location:
            row["outcome"] = "redirect"
        elif is_challenge(status, body):
            row["outcome"] = "blocked"
            row["error"] = "anti-bot challenge page"
        elif status == 304:
            last = self.captures.last_success(request.url)
            row["outcome"] = self.captures.outcome(request.url, 304, None)
            if last:
                row.update(sha256=last["sha256"], size=last["size"], mime=last["mime"],
                           etag=row["etag"] or last["etag"], last_modified=row["last_modified"] or last["last_modified"])
                revisit = {"url": last["url"], "fetched_at": last["fetched_at"], "sha256": last["sha256"]}
        if "outcome" not in row or row["outcome"] == "blocked":
            digest = self.blobs.put(body)
            mime = self.text(response.headers.get("Content-Type"))
            self.captures.note_blob(digest, len(body), mime)
            row.update(sha256=digest, size=len(body), mime=mime)
            row.update(self.charsets(response, body))
            if "outcome" not in row:
                row["outcome"] = self.captures.outcome(request.url, status, digest)
                if row["outcome"] == "identical":
                    last = self.captures.last_success(request.url)
                    revisit = {"url": last["url"], "fetched_at": last["fetched_at"], "sha256": digest}
        capture_id = self.captures.record(row)
        self.warc.write(url=request.url, method=request.method, request_headers=header_pairs(request.headers),
                        status=status, response_headers=row["response_headers"], body=body, revisit_of=revisit,
                        request_body=request.body or b"",
                        metadata={k: row.get(k) for k in ("portal", "role", "list_page", "anchor", "outcome", "hop")}
                        | {"capture_id": capture_id})
        self.stats.inc_value(f"nianbao/outcome/{row['outcome']}")
        if row["outcome"] == "blocked":
            raise IgnoreRequest(f"challenge page at {request.url} (recorded as blocked)")
        request.meta["capture"] = {"id": capture_id, "sha256": row.get("sha256"), "outcome": row["outcome"]}
        if revisit and status == 304 and self.blobs.has(revisit["sha256"]):
            # Unchanged: the spider reads the stored copy, so a list page still yields its links.
            return self.stored_copy(request, response.url, revisit["sha256"])
        return response

    def process_exception(self, request: Request, exception, spider=None):
        if isinstance(exception, IgnoreRequest) and "robots.txt" not in str(exception):
            return None  # our own blocked drop, or a filter that fetched nothing
        row = self.base_row(request)
        name = type(exception).__name__
        if isinstance(exception, IgnoreRequest):
            row.update(outcome="robots-denied", error="forbidden by robots.txt")
        elif "Cancelled" in name or "maxsize" in str(exception).lower():
            row.update(outcome="too-large", error=f"{name}: {exception}")
        else:
            row.update(outcome="failed", error=f"{name}: {exception}"[:500])
        capture_id = self.captures.record(row)
        self.warc.write(url=request.url, method=request.method, request_headers=header_pairs(request.headers),
                        status=None, metadata={"outcome": row["outcome"], "error": row["error"],
                                               "portal": row.get("portal"), "capture_id": capture_id})
        self.stats.inc_value(f"nianbao/outcome/{row['outcome']}")
        return None

    # -- helpers -----------------------------------------------------------------------------

    def stored_copy(self, request: Request, url: str, digest: str):
        """A response made from the archive: the stored body with the headers of its last 2xx fetch."""
        stored = list(self.captures.db.query(
            "select response_headers from captures where url = ? and status between 200 and 299 "
            "order by id desc limit 1", [request.url]))
        headers = dict(json.loads(stored[0]["response_headers"] or "[]")) if stored else {}
        body = self.blobs.get(digest)
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        return cls(url=url, status=200, headers=headers, body=body, request=request)

    def base_row(self, request: Request) -> dict:
        meta = request.meta
        info = meta.get("nianbao") or {}
        hop = meta.get("redirect_times", 0)
        attempt = meta.get("retry_times", 0)
        started = meta.get("nianbao_started", time.monotonic())
        urls = meta.get("redirect_urls") or []
        return {
            "key": f"{self.run_id}|{self.resumed}|{self.fingerprint(request).hex()}|{hop}|{attempt}",
            "run_id": self.run_id, "spider": self.crawler.spider.name, "portal": info.get("portal"),
            "platform": info.get("platform"), "role": info.get("role"), "method": request.method,
            "url": request.url, "hop": hop, "fetched_at": meta.get("nianbao_fetched_at", now()),
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "list_page": info.get("list_page") or (urls[0] if urls else None), "anchor": info.get("anchor"),
            "request_headers": header_pairs(request.headers), "crawler_version": self.version,
        }

    @staticmethod
    def text(value) -> str | None:
        return value.decode("latin-1") if value else None

    @staticmethod
    def charsets(response, body: bytes) -> dict:
        ctype = Recorder.text(response.headers.get("Content-Type")) or ""
        if not re.search(r"text|html|xml|json", ctype) and ctype:
            return {"charset_header": header_charset(ctype)}
        decoded = decode(body[:200_000], ctype)
        return {"charset_header": header_charset(ctype), "charset_meta": meta_charset(body),
                "charset_detected": decoded.detected, "charset_chosen": decoded.chosen}


class Backoff(RetryMiddleware):
    """Scrapy's retries, each after a growing pause (base × 2^attempt seconds,
    NIANBAO_RETRY_BACKOFF = base; Scrapy's own retry re-sends at once). The
    pause is asynchronous: other hosts go on meanwhile."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("NIANBAO_RETRY_BACKOFF", 2.0)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        return await self.pause(result)

    async def process_exception(self, request, exception, spider=None):
        return await self.pause(super().process_exception(request, exception))

    async def pause(self, result):
        if isinstance(result, Request) and self.base > 0:
            await asyncio.sleep(min(self.base * 2 ** result.meta.get("retry_times", 1), 120))
            result.meta["nianbao_started"] = time.monotonic()
            result.meta["nianbao_fetched_at"] = now()
        return result


class AllowedHosts:
    """Spider middleware: requests only to *.gov.cn, the portal's hosts and
    NIANBAO_ALLOWED_HOSTS. Spam mirrors copying reports are not followed."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.extra = set(crawler.settings.getlist("NIANBAO_ALLOWED_HOSTS"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        portal = getattr(self.crawler.spider, "portal", None)
        hosts = set(portal.allowed_hosts) if portal else set()
        return host.endswith(".gov.cn") or host == "gov.cn" or host in hosts or host in self.extra

    def keep(self, item) -> bool:
        if isinstance(item, Request) and not self.allowed(item.url):
            self.crawler.stats.inc_value("nianbao/offsite_refused")
            return False
        return True

    def process_spider_output(self, response, result, spider=None):
        return (item for item in result if self.keep(item))

    async def process_spider_output_async(self, response, result, spider=None):
        async for item in result:
            if self.keep(item):
                yield item
