"""The sample portal's HTTP server: one threaded server, one site per Host header.

Conditional GET: every static answer (pages, files) carries an ETag (a hash of
its bytes) and a Last-Modified (its publication date, or the time of a
change_report); If-None-Match wins over If-Modified-Since, as RFC 9110 says.
List APIs, list.jsp and dataproxy answers are dynamic: no validators.
"""
from __future__ import annotations

import collections
import datetime as dt
import email.utils
import hashlib
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from . import content, hostile
from .base import Req, Resp, Site, generated_docs, key_of_url
from .generic import GenericSite, generic_sample
from .gkmlpt import GkmlptSite, gkmlpt_sample
from .hanweb import HanwebSite, hanweb_sample
from .jeecms import JeecmsSite, jeecms_sample
from .trs import Column, TrsSite, trs_gbk_sample, trs_sample
from .vsb import Tree, VsbSite, vsb_sample

PLATFORMS = ("trs", "hanweb", "vsb", "gkmlpt", "jeecms", "generic")
KIND = {"scan": "pdf"}  # file kinds as expected() names them


def named_sites(files: content.Files, slow_seconds: float, big_bytes: int) -> list[Site]:
    generic = generic_sample(files)
    mirror, slow = hostile.MirrorSite(files=files), hostile.SlowSite(slow_seconds, files=files)
    hostile.mount(generic, mirror, slow, big_bytes)
    return [trs_sample(files), trs_gbk_sample(files), hanweb_sample(files), vsb_sample(files), gkmlpt_sample(files),
            jeecms_sample(files), generic, mirror, slow]


def generated_site(i: int, reports: int, files: content.Files) -> Site:
    """Site number i of a benchmark world: platforms in turn, `reports` reports each, lists of 15-50 rows."""
    platform = PLATFORMS[i % len(PLATFORMS)]
    host, pid, body = f"www.{platform}{i:03d}-sample.gov.cn", f"{platform}{i:03d}-sample", f"样例{i:03d}县人民政府"
    docs = generated_docs(body, reports, seed=i)
    kw = {"files": files, "province": "四川", "unique_files": True}  # files get bytes of their own
    if platform == "trs":
        paging = ("js4", "js6", "vars")[(i // len(PLATFORMS)) % 3]
        site = TrsSite(host, pid, body, docs, [Column("main", "/zwgk/zfxxgknb/", "政府信息公开年报", per=20,
                                                      paging=paging)], **kw)
    elif platform == "hanweb":
        site = HanwebSite(host, pid, body, docs, per=15, **kw)
    elif platform == "vsb":
        site = VsbSite(host, pid, body, docs, [Tree("main", 1025, "政府信息公开年报", static="/xxgk/zfxxgknb",
                                                    per=20)], **kw)
    elif platform == "gkmlpt":
        for d in docs:  # gkmlpt articles always have a page: a file-only report becomes a page with the file
            if d.as_file:
                d.files, d.as_file, d.stub = [d.as_file], None, True
        site = GkmlptSite(host, pid, body, docs, per=50, **kw)
    elif platform == "jeecms":
        site = JeecmsSite(host, pid, body, docs, per=20, **kw)
    else:
        site = GenericSite(host, pid, body, docs, per=20, **kw)
    site.notes = f"generated sample site {i} ({platform})"
    return site


def resolver_setting() -> str:
    """Scrapy 2.13+ reads TWISTED_DNS_RESOLVER (DNS_RESOLVER is deprecated there); older ones DNS_RESOLVER."""
    from scrapy.settings import default_settings

    return "TWISTED_DNS_RESOLVER" if hasattr(default_settings, "TWISTED_DNS_RESOLVER") else "DNS_RESOLVER"


class SamplePortal:
    """Imitation government sites on 127.0.0.1 (see the package docstring and README.md).

    sites: None for every named site; a list of portal ids, host names or platform
    names to pick some (the spam mirror and the slow host come with generic-sample);
    or an int N for N generated sites of `reports_per_site` reports each (default 12).
    slow_seconds: the slow host's delay; big_bytes: the size of the big file.
    """

    def __init__(self, workdir: Path | str | None = None, sites: list[str] | int | None = None,
                 reports_per_site: int | None = None, slow_seconds: float = 3.0, big_bytes: int = hostile.BIG):
        self.workdir = Path(workdir) if workdir else None
        self.files = content.Files(self.workdir / "files" if self.workdir else None)
        if isinstance(sites, int):
            built = [generated_site(i, reports_per_site or 12, self.files) for i in range(sites)]
        else:
            if reports_per_site is not None:
                raise ValueError("reports_per_site applies to generated sites: pass sites=<number of sites>")
            built = named_sites(self.files, slow_seconds, big_bytes)
            if sites:
                wanted = set(sites)
                chosen = {s.id for s in built if {s.id, s.host, s.platform} & wanted}
                if "generic-sample" in chosen:
                    chosen |= {"gov-cn-mirror", "slow-sample"}
                built = [s for s in built if s.id in chosen]
        self.sites: dict[str, Site] = {s.host: s for s in built}
        self.requests: collections.deque = collections.deque(maxlen=200_000)  # (method, host, path, status)
        self.server: ThreadingHTTPServer | None = None
        self._revision = 0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "SamplePortal":
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stalls

            def version_string(self):
                return "nginx"

            def do_GET(self):  # noqa: N802 - http.server's names
                portal.serve(self, "GET")

            def do_HEAD(self):  # noqa: N802
                portal.serve(self, "HEAD")

            def do_POST(self):  # noqa: N802
                portal.serve(self, "POST")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # a crawl opens many connections at once

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, name="sampleportal", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "SamplePortal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self.server is None:
            raise RuntimeError("the sample portal is not started (use start() or a with block)")
        return self.server.server_port

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def hosts(self) -> list[str]:
        return list(self.sites)

    def site(self, portal_id: str) -> Site:
        for s in self.sites.values():
            if portal_id in (s.id, s.host):
                return s
        raise KeyError(portal_id)

    # -- what the crawler needs --------------------------------------------------------------

    def scrapy_settings(self) -> dict:
        return {resolver_setting(): "crawler.resolver.MappedHostnameResolver",
                "NIANBAO_HOST_MAP": {host: "127.0.0.1" for host in self.sites}}

    def portals(self) -> list:
        """The registry rows (crawler.registry.Portal) of the listed sites."""
        from crawler.registry import Portal

        out = []
        for s in self.sites.values():
            if not s.listed:
                continue
            out.append(Portal(id=s.id, body=s.body, level=s.level, province=s.province, platform=s.platform,
                              start_urls=tuple(self.url(s.host, p) for p in s.start_paths),
                              report_urls=tuple(self.url(s.host, p) for p in s.report_paths),
                              hosts=tuple(s.extra_hosts), notes=s.notes))
        return out

    def registry_csv(self) -> str:
        from crawler.registry import dump

        return dump(self.portals())

    def expected(self) -> list[dict]:
        """Every report a crawl must capture: pages (kind html) and files, canonical URLs."""
        out = []
        for s in self.sites.values():
            if not s.listed:
                continue
            for path, d, kind, _ in s.expected():
                out.append({"portal": s.id, "url": self.url(s.host, path), "year": d.year, "kind": KIND.get(kind, kind),
                            "title": d.title, "body": d.publisher, "published": d.date.isoformat()})
        return out

    # -- mutations for re-crawl tests --------------------------------------------------------

    def _entry(self, portal_id: str, n: int) -> tuple[Site, str, str]:
        site = self.site(portal_id)
        path, _, kind, _ = site.expected()[n]
        return site, path, kind

    def change_report(self, portal_id: str, n: int = 0) -> str:
        """New bytes at the URL of the portal's n-th expected report (a correction appended); returns the URL."""
        site, path, kind = self._entry(portal_id, n)
        parts = urlsplit(path)
        current = site.handle(Req("GET", parts.path, dict(parse_qsl(parts.query)), {}, {}, site.host, self.port))
        self._revision += 1
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        note = f"更正说明：本报告于{now:%Y年%m月%d日}修订（第{self._revision}次）。"
        if kind == "html":
            body = current.body.replace(b"</body>", site.encode(f"<p class='correction'>{note}</p>") + b"</body>", 1)
        else:
            body = content.revised(kind, current.body, note)
        site.overrides[key_of_url(path)] = Resp(200, body, current.ctype, dict(current.headers), modified=now)
        return self.url(site.host, path)

    def delete_report(self, portal_id: str, n: int = 0, status: int = 404) -> str:
        """The portal's n-th expected report answers `status` (404 or 410) from now on; returns the URL.
        Lists keep linking it (a stale list, as CMS caches serve)."""
        site, path, _ = self._entry(portal_id, n)
        page = f"<html><head><meta charset='utf-8'><title>页面不存在</title></head><body>{path} 已删除</body></html>"
        site.overrides[key_of_url(path)] = Resp(status, page.encode(), "text/html; charset=utf-8")
        return self.url(site.host, path)

    def reset(self) -> None:
        """Undo every change_report and delete_report."""
        for s in self.sites.values():
            s.overrides.clear()

    # -- answering ---------------------------------------------------------------------------

    def serve(self, hd: BaseHTTPRequestHandler, method: str) -> None:
        size = int(hd.headers.get("Content-Length") or 0)
        raw = hd.rfile.read(size) if size else b""
        target = urlsplit(hd.path)  # absolute-form too, as a proxy client sends it
        host = (hd.headers.get("Host") or target.netloc or "").rsplit(":", 1)[0].lower()
        site = self.sites.get(host)
        if site is None:
            return self.send(hd, method, Resp(404, b"no such site", "text/plain"), host, hd.path)
        if site.delay:
            time.sleep(site.delay)
        form = {}
        if method == "POST" and raw:
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        req = Req(method, unquote(target.path) or "/", dict(parse_qsl(target.query, keep_blank_values=True)), form,
                  {k.lower(): v for k, v in hd.headers.items()}, host, self.port)
        try:
            resp = site.handle(req)
        except Exception:  # noqa: BLE001 - a bug in a sample site answers 500, the server lives on
            resp = Resp(500, traceback.format_exc().encode(), "text/plain; charset=utf-8")
        self.send(hd, method, resp, host, hd.path, req.headers)

    def send(self, hd, method: str, resp: Resp, host: str, path: str, headers: dict | None = None) -> None:
        headers = headers or {}
        extra = dict(resp.headers)
        status = resp.status
        if resp.status == 200 and resp.modified is not None and resp.stream is None:
            etag = '"' + hashlib.sha1(resp.body).hexdigest()[:20] + '"'
            extra["ETag"] = etag
            extra["Last-Modified"] = email.utils.format_datetime(resp.modified, usegmt=True)
            if method in ("GET", "HEAD") and not_modified(headers, etag, resp.modified):
                status = 304
        self.requests.append((method, host, path, status))
        try:
            hd.send_response(status)
            if status == 304:
                for k in ("ETag", "Last-Modified"):
                    hd.send_header(k, extra[k])
                hd.end_headers()
                return
            hd.send_header("Content-Type", resp.ctype)
            hd.send_header("Content-Length", str(resp.length if resp.stream else len(resp.body)))
            for k, v in extra.items():
                hd.send_header(k, v)
            hd.end_headers()
            if method == "HEAD":
                return
            if resp.stream:
                resp.stream(hd.wfile)
            elif resp.body:
                hd.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            hd.close_connection = True  # the client stopped reading (a size limit, a cancelled request)


def not_modified(headers: dict, etag: str, modified: dt.datetime) -> bool:
    inm = headers.get("if-none-match")
    if inm:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
        return modified.replace(microsecond=0) <= since
    return False
