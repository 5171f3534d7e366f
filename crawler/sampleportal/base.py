"""What every sample site shares: the article model, the routing table, page shells.

A site is a routing table (normalised path+query -> handler) built when the
portal starts; pages are rendered on request from the article list, so a
generated site with thousands of reports costs no file writes and little memory.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import content

ROBOTS = "User-agent: *\nDisallow: /private/\n"
BASE_TIME = dt.time(9, 30)
GMT = dt.timezone.utc


@dataclass
class File:
    kind: str            # pdf, scan (a scanned pdf), docx, doc, wps
    name: str            # the file name shown in the link
    seed: int = 0        # which fixture file
    path: str = ""       # set by the platform; may carry a query string
    report: "Doc | None" = None


@dataclass
class Doc:
    """An article of a site: a report (year set) or any other article."""
    n: int
    title: str
    date: dt.date
    publisher: str
    year: int | None = None
    seed: int = 0                      # which report text
    files: list[File] = field(default_factory=list)
    as_file: File | None = None        # a report published only as a file, linked straight from the list
    column: str = "main"
    stub: bool = False                 # the page only says 详见附件; the report is the attachment
    path: str = ""                     # set by the platform
    id: int = 0                        # CMS article id, set by the platform

    @property
    def is_report(self) -> bool:
        return self.year is not None

    @property
    def href(self) -> str:
        """What a list links to: the page, or the file for a file-only report."""
        return self.as_file.path if self.as_file else self.path


@dataclass
class Req:
    method: str
    path: str                 # without the query
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    host: str
    port: int

    def param(self, name: str, default: str = "") -> str:
        return self.query.get(name) or self.form.get(name) or default


@dataclass
class Resp:
    status: int = 200
    body: bytes = b""
    ctype: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    modified: dt.datetime | None = None  # set on static content: ETag/Last-Modified, conditional GET
    length: int | None = None            # streamed answers: the Content-Length
    stream: Callable | None = None       # streamed answers: write(wfile)


def key(path: str, query: str | dict = "") -> str:
    """Routing key: the decoded path plus the query parameters in sorted order."""
    pairs = sorted(parse_qsl(query, keep_blank_values=True) if isinstance(query, str) else query.items())
    path = unquote(path)
    return path + ("?" + urlencode(pairs) if pairs else "")


def key_of_url(url: str) -> str:
    parts = urlsplit(url)
    return key(parts.path or "/", parts.query)


def stamp(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, BASE_TIME, GMT)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def h(n: int, *salt: object) -> int:
    """A stable pseudo-random number from an id (sha1; Python's hash() is salted per process)."""
    return int(hashlib.sha1(repr((n,) + salt).encode()).hexdigest()[:12], 16)


class Site:
    """One imitation portal on one host name."""

    platform = "generic"

    def __init__(self, host: str, portal_id: str, body: str, level: str = "county", province: str = "四川",
                 charset: str = "utf-8", files: content.Files | None = None, unique_files: bool = False):
        self.host, self.id, self.body, self.level, self.province = host, portal_id, body, level, province
        self.charset = charset  # "utf-8" or "gbk" (served as gb18030 bytes, declared gb2312)
        self.files = files or content.Files(None)
        self.routes: dict[str, Callable[[Req], Resp]] = {}
        self.prefixes: list[tuple[str, Callable[[Req], Resp | None]]] = []  # dynamic endpoints
        self.overrides: dict[str, Resp] = {}                              # mutations
        self.docs: list[Doc] = []
        self.start_paths: list[str] = []
        self.report_paths: list[str] = []
        self.extra_hosts: list[str] = []
        self.notes = ""
        self.delay = 0.0
        self.listed = True  # has a registry row (hostile hosts do not)
        self.unique_files = unique_files  # generated sites: each file gets a trailer, so blobs differ
        self.add("/robots.txt", lambda req: Resp(body=ROBOTS.encode(), ctype="text/plain",
                                                 modified=stamp(dt.date(2024, 1, 1))))

    # -- routing ------------------------------------------------------------------------------

    def add(self, path: str, handler: Callable[[Req], Resp]) -> None:
        self.routes[key(*path.split("?", 1))] = handler

    def add_prefix(self, prefix: str, handler: Callable[[Req], Resp | None]) -> None:
        self.prefixes.append((prefix, handler))

    def handle(self, req: Req) -> Resp:
        k = key(req.path, req.query)
        if k in self.overrides:
            return self.overrides[k]
        handler = self.routes.get(k)
        if handler:
            return handler(req)
        for prefix, handler in self.prefixes:
            if req.path.startswith(prefix):
                answer = handler(req)
                if answer is not None:
                    return answer
        return self.not_found(req)

    def not_found(self, req: Req) -> Resp:
        page = ("<html><head><meta charset='utf-8'><title>404 页面不存在</title></head><body>"
                "<div class='error'>抱歉，您访问的页面不存在或已被删除。</div></body></html>")
        return Resp(404, page.encode(), "text/html; charset=utf-8")

    # -- content ------------------------------------------------------------------------------

    def encode(self, page: str) -> bytes:
        return page.encode("gb18030" if self.charset == "gbk" else "utf-8")

    @property
    def ctype(self) -> str:
        # Old GBK servers send no charset: the page's meta tag is the only declaration.
        return "text/html" if self.charset == "gbk" else "text/html; charset=utf-8"

    @property
    def meta_charset(self) -> str:
        if self.charset == "gbk":
            return '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        return '<meta charset="utf-8">'

    def html(self, page: str, day: dt.date | None = None) -> Resp:
        return Resp(body=self.encode(page), ctype=self.ctype, modified=stamp(day) if day else None)

    def page(self, path: str, render: Callable[[Req], str], day: dt.date | None) -> None:
        """An HTML page; static (ETag, Last-Modified, conditional GET) when it has a day."""
        self.add(path, lambda req: self.html(render(req), day))

    def serve_file(self, f: File, day: dt.date, headers: dict | None = None, ctype: str | None = None) -> None:
        def answer(req: Req) -> Resp:
            data = self.files.get(f.kind, f.seed)
            if self.unique_files:
                data = content.unique(f.kind, data, self.host + f.path)
            return Resp(body=data, ctype=ctype or content.mime(f.kind), headers=dict(headers or {}),
                        modified=stamp(day))
        self.add(f.path, answer)

    def report_body(self, doc: Doc) -> str:
        """The article body of a report page: title lines as Word pastes them, then the text."""
        if not doc.is_report:
            return (f"<p style='text-indent:2em'>{esc(doc.title)}。</p><p style='text-indent:2em'>"
                    f"现将有关事项通知如下，请各单位认真贯彻落实。</p><p style='text-align:right'>{esc(doc.publisher)}</p>"
                    f"<p style='text-align:right'>{doc.date.year}年{doc.date.month}月{doc.date.day}日</p>")
        head = (f"<p style='text-align:center'><strong><span style='font-size:22pt'>{esc(doc.title)}</span>"
                f"</strong></p>")
        if doc.stub:
            return head + "<p style='text-indent:2em'>详见附件。</p>"
        return head + content.body_html(doc.seed)

    def meta(self, doc: Doc, column: str) -> str:
        """The national website metadata tags of an article page."""
        return (f"<meta name='SiteName' content='{esc(self.body)}'><meta name='SiteDomain' content='{self.host}'>"
                f"<meta name='SiteIDCode' content='{h(len(self.host), self.host) % 10**10:010d}'>"
                f"<meta name='ColumnName' content='{esc(column)}'><meta name='ColumnType' content='{esc(column)}'>"
                f"<meta name='ArticleTitle' content='{esc(doc.title)}'>"
                f"<meta name='PubDate' content='{doc.date.isoformat()} {BASE_TIME:%H:%M}'>"
                f"<meta name='ContentSource' content='{esc(doc.publisher)}'>"
                f"<meta name='Keywords' content='{esc(column)}'><meta name='Description' content='{esc(doc.title)}'>")

    def label_table(self, doc: Doc, index_no: str, number: str = "") -> str:
        """The 政府信息公开 metadata table above an article (索引号, 发布机构, 日期, 文号...)."""
        rows = (("索引号", index_no, "主题分类", "政务公开"), ("发布机构", doc.publisher, "成文日期", doc.date.isoformat()),
                ("名称", doc.title, "发布日期", doc.date.isoformat()), ("文号", number, "有效性", "有效"))
        cells = "".join(f"<tr><th>{a}</th><td>{esc(b)}</td><th>{c}</th><td>{esc(d)}</td></tr>" for a, b, c, d in rows)
        return f"<table class='xxgk_table' cellspacing='0'><tbody>{cells}</tbody></table>"

    def homepage(self, nav: list[tuple[str, str]], extra: str = "") -> str:
        links = "".join(f"<li><a href='{esc(href)}'>{esc(text)}</a></li>" for href, text in nav)
        return (f"<!DOCTYPE html><html><head>{self.meta_charset}<title>{esc(self.body)}</title>"
                f"<meta name='SiteName' content='{esc(self.body)}'><meta name='SiteDomain' content='{self.host}'>"
                f"</head><body><div class='header'><h1 class='logo'>{esc(self.body)}</h1></div>"
                f"<div class='nav'><ul>{links}</ul></div>{extra}"
                f"<div class='footer'>主办：{esc(self.body)} 网站标识码：{h(len(self.host), self.host) % 10**10:010d}"
                f"</div></body></html>")

    # -- what the portal reports --------------------------------------------------------------

    def expected(self) -> list[tuple[str, Doc, str, File | None]]:
        """(path, report, kind, file) of everything a crawl of this site must capture as a report."""
        out = []
        for d in self.docs:
            if not d.is_report:
                continue
            if d.as_file:
                out.append((d.as_file.path, d, d.as_file.kind, d.as_file))
                continue
            out.append((d.path, d, "html", None))
            out.extend((f.path, d, f.kind, f) for f in d.files)
        return out


# -- building article lists ---------------------------------------------------------------------

def report(n: int, publisher: str, year: int, day: int = 18, seed: int | None = None, files: tuple = (),
           as_file: str | None = None, column: str = "main", stub: bool = False, month: int = 1) -> Doc:
    title = f"{publisher}{year}年政府信息公开工作年度报告"
    d = Doc(n, title, dt.date(year + 1, month, day), publisher, year, n if seed is None else seed,
            column=column, stub=stub)
    for k, kind in enumerate(files):
        d.files.append(File(kind, f"{title}.{content.ext(kind)}", seed=n + k, report=d))
    if as_file:
        d.as_file = File(as_file, f"{title}.{content.ext(as_file)}", seed=n, report=d)
    return d


def notice(n: int, publisher: str, day: dt.date, k: int | None = None, column: str = "main",
           title: str | None = None) -> Doc:
    if title is None:  # the template's years follow the notice's date (templates are written for 2024)
        title = content.NOTICES[(n if k is None else k) % len(content.NOTICES)]
        title = re.sub(r"20[12]\d", lambda m: str(int(m.group(0)) - 2024 + day.year), title)
    return Doc(n, title, day, publisher, column=column)


def mixed(publisher: str, reports: list[Doc], notices: int, column: str = "main", start: int = 100,
          span: tuple[dt.date, dt.date] = (dt.date(2021, 3, 1), dt.date(2025, 3, 1))) -> list[Doc]:
    """Reports and `notices` other articles spread over the years, newest first."""
    days = (span[1] - span[0]).days
    others = [notice(start + k, publisher, span[0] + dt.timedelta(days=h(k, publisher, column) % days), k=k + start,
                     column=column) for k in range(notices)]
    return sorted(reports + others, key=lambda d: (d.date, d.n), reverse=True)


def paginate(items: list, per: int) -> list[list]:
    pages = [items[k:k + per] for k in range(0, len(items), per)]
    return pages or [[]]


def generated_docs(publisher: str, count: int, seed: int) -> list[Doc]:
    """`count` reports of a generated site (the body's own and its departments', five years each)
    and one other article per three reports; every 4th report has a PDF, every 10th is a file only."""
    docs = []
    for i in range(count):
        unit, back = divmod(i, 5)
        name = publisher
        if unit:
            dept = content.UNITS[(unit - 1) % len(content.UNITS)]
            rnd = (unit - 1) // len(content.UNITS)
            name = f"{publisher}{dept}" if not rnd else f"{publisher}第{rnd + 1}片区{dept}"
        as_file = ("pdf", "docx", "doc")[(i // 10) % 3] if i % 10 == 9 else None
        files = ("pdf",) if i % 4 == 1 and not as_file else ()
        docs.append(report(i, name, 2024 - back, day=1 + h(i, seed) % 28, seed=h(i, seed, "s"), files=files,
                           as_file=as_file, month=1 + h(i, seed, "m") % 3))
    return mixed(publisher, docs, count // 3, start=count)
