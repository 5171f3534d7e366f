"""Helpers for crawl tests: a scriptable HTTP site on 127.0.0.1, a throwaway spider,
and a way to run `python -m crawler.run` on them in a subprocess."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import scrapy

from crawler.items import ReportItem

REPO = Path(__file__).resolve().parents[1]
NOT_FOUND = b"<html><body>not found</body></html>"


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    ctype: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: bool = False           # answer If-None-Match with 304
    gzip: bool = False           # send the body with Content-Encoding: gzip
    delay: float = 0.0           # seconds before answering
    cookie_gate: str | None = None  # 302 to itself setting this cookie until it comes back


class Site:
    """Pages by path; every request is counted by path (hits).

    bind: the address to listen on ("::1" for an IPv6-only site).
    tls: an ssl.SSLContext to serve HTTPS with (see legacy_tls()).
    A request that names a whole URL (as sent to a proxy) is served by its path
    and kept in `proxied` with its Proxy-Authorization header."""

    def __init__(self, bind: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.pages: dict[str, Page] = {}
        self.hits: Counter[str] = Counter()
        self.proxied: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's name
                path = self.path.split("#")[0]
                if path.startswith(("http://", "https://")):
                    with site.lock:
                        site.proxied.append((path, self.headers.get("Proxy-Authorization")))
                    path = urlsplit(path).path or "/"
                with site.lock:
                    site.hits[path] += 1
                    page = site.pages.get(path)
                if page is None:
                    return self.answer(404, "text/html", NOT_FOUND)
                if page.delay:
                    time.sleep(page.delay)
                if page.cookie_gate:
                    if page.cookie_gate not in (self.headers.get("Cookie") or ""):
                        return self.answer(302, "text/html", b"", [("Location", path),
                                                                    ("Set-Cookie", f"{page.cookie_gate}; Path=/")])
                etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
                extra = list(page.headers)
                if page.etag:
                    extra.append(("ETag", etag))
                    if self.headers.get("If-None-Match") == etag:
                        return self.answer(304, None, b"", extra)
                body = page.body
                if page.gzip:
                    body = gzip.compress(body, mtime=0)
                    extra.append(("Content-Encoding", "gzip"))
                return self.answer(page.status, page.ctype, body, extra)

            def answer(self, status, ctype, body, extra=()):
                try:
                    self.send_response(status)
                    if ctype:
                        self.send_header("Content-Type", ctype)
                    for k, v in extra:
                        self.send_header(k, v)
                    if status != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler gave up waiting (timeout tests)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # a burst of connections must not overflow the listen backlog
            address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET

        self.server = Server((bind, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *a: None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.port = self.server.server_port
        host = f"[{bind}]" if ":" in bind else bind
        self.base = f"{'https' if tls else 'http'}://{host}:{self.port}"

    def add(self, path: str, body: str | bytes = b"", **kw) -> Page:
        page = Page(body=body.encode() if isinstance(body, str) else body, **kw)
        self.pages[path] = page
        return page

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def legacy_tls(folder: Path) -> ssl.SSLContext:
    """A server context that speaks only TLS 1.0 and 1.1, as old county servers do,
    with a self-signed certificate written into `folder`."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    pem = folder / "legacy-tls.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():  # the stdlib deprecates these versions: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx


def closed_port() -> int:
    """A port nothing listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def registry_csv(path: Path, rows: list[dict]) -> Path:
    head = "id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,proxy_country,notes\n"
    lines = [f"{r['id']},{r.get('body', '某县人民政府')},county,四川,{r.get('platform', 'generic')},"
             f"{r['start']},{r.get('reports', '')},{r.get('hosts', '')},{r.get('tls_profile', '')},"
             f"{r.get('ip_version', '')},{r.get('proxy_country', '')},\n" for r in rows]
    path.write_text(head + "".join(lines), encoding="utf-8")
    return path


FAST = {  # this machine only: no politeness delays, short timeouts, quick backoff
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "NIANBAO_RETRY_BACKOFF": 0.05, "LOG_LEVEL": "WARNING",
    "DOWNLOAD_TIMEOUT": 5, "NIANBAO_SPIDERS": {"generic": "tests.crawlkit.ProbeSpider"},
    "NIANBAO_CONTACT": "nianbao-tests@example.invalid",
}


def crawl_command(registry: Path, data: Path, job: Path | None = None, **settings) -> list[str]:
    cmd = [sys.executable, "-m", "crawler.run", "--registry", str(registry), "--data", str(data)]
    if job:
        cmd += ["--job", str(job)]
    for k, v in {**FAST, **settings}.items():
        cmd += ["-s", f"{k}={json.dumps(v)}"]
    return cmd


def env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def run_crawl(registry: Path, data: Path, job: Path | None = None, timeout: float = 120, **settings) -> dict:
    done = subprocess.run(crawl_command(registry, data, job, **settings), cwd=REPO, env=env(), capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode in (0, 2), done.stderr[-4000:]
    last = [line for line in done.stdout.splitlines() if line.startswith('{"summary"')]
    assert last, done.stdout[-2000:] + done.stderr[-4000:]
    return json.loads(last[-1])["summary"]


class ProbeSpider(scrapy.Spider):
    """Throwaway spider: from the seeds, follows every link once; a page whose
    <title> says 年度报告 and every PDF is a report. Links may set data-role and
    data-timeout (seconds, for that request only)."""

    name = "probe"

    def __init__(self, portal=None, run_id: str = "run", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.portal, self.run_id = portal, run_id

    def request(self, url, role, list_page=None, anchor=None, timeout=None):
        meta = {"nianbao": {"portal": self.portal.id, "platform": self.portal.platform, "role": role,
                            "list_page": list_page, "anchor": anchor}}
        if timeout:
            meta["download_timeout"] = float(timeout)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta)

    async def start(self):
        for url in self.portal.start_urls:
            yield self.request(url, "seed")
        for url in self.portal.report_urls:
            yield self.request(url, "detail")

    def failed(self, failure):
        pass

    def parse(self, response):
        info, capture = response.meta["nianbao"], response.meta.get("capture") or {}
        assert "nianbao-replay" not in response.flags or capture.get("id")
        ctype = (response.headers.get("Content-Type") or b"").lower()
        if b"html" not in ctype:  # Scrapy makes a TextResponse of a PDF too
            yield ReportItem(portal=self.portal.id, url=response.url, title=info.get("anchor"), year=None,
                             role="attachment", list_page=info.get("list_page"), anchor=info.get("anchor"),
                             capture_id=capture.get("id"), sha256=capture.get("sha256"))
            return
        title = response.css("title::text").get() or ""
        if "年度报告" in title:
            yield ReportItem(portal=self.portal.id, url=response.url, title=title, year=None, role="page",
                             list_page=info.get("list_page"), anchor=info.get("anchor"),
                             capture_id=capture.get("id"), sha256=capture.get("sha256"))
        for a in response.css("a[href]"):
            yield self.request(response.urljoin(a.attrib["href"]), a.attrib.get("data-role", "detail"),
                               list_page=response.url, anchor=" ".join(a.css("::text").getall()).strip() or None,
                               timeout=a.attrib.get("data-timeout"))
