"""A site of no known CMS family, found from its homepage.

Homepage / with a nav bar; the 年报 column is reachable by its link text
(政府信息公开年报) and its URL token (/zwgk/xxgknb/). Plain <a> rows, 下一页
paging (index_1.html, index_2.html), details /zwgk/xxgknb/YYYYMM/<id>.html,
and reports also published only as DOC/DOCX/WPS files under /uploadfiles/.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from . import content
from .base import Doc, Req, Site, esc, h, mixed, paginate, report


class GenericSite(Site):
    platform = "generic"

    def __init__(self, host: str, portal_id: str, body: str, docs: list[Doc], column: str = "/zwgk/xxgknb/",
                 per: int = 5, id_base: int = 3300, **kw):
        super().__init__(host, portal_id, body, **kw)
        self.docs, self.column, self.per = docs, column, per
        self.first_page_extra: Callable[[Req], list[tuple[str, str]]] = lambda req: []
        self.after_last: str | None = None  # where the last page's 下一页 leads (a trap), if anywhere
        for rank, d in enumerate(sorted(docs, key=lambda d: (d.date, d.n))):
            d.id = id_base + rank * 3 + d.n % 3
            d.path = f"{column}{d.date:%Y%m}/{d.id}.html"
            for k, f in enumerate(d.files + ([d.as_file] if d.as_file else [])):
                f.path = f"/uploadfiles/{d.date:%Y%m}/{d.date:%Y%m%d}0930{h(d.id, k) % 10**5:05d}.{content.ext(f.kind)}"
                self.serve_file(f, d.date)
            if not d.as_file:
                self.page(d.path, lambda req, d=d: self.detail(d), d.date)
        self.pages = paginate(docs, per)
        newest = max((d.date for d in docs), default=dt.date(2024, 1, 1))
        for k in range(len(self.pages)):
            self.page(self.list_path(k), lambda req, k=k: self.listing(req, k), newest)
        nav = [("/", "首页"), ("/zwgk/", "政务公开"), (column, "政府信息公开年报"), ("/news/", "新闻动态"),
               ("/bsfw/", "办事服务"), ("/hdjl/", "互动交流")]
        self.page("/", lambda req: self.homepage(nav), None)
        self.page("/zwgk/", lambda req: self.homepage(
            [("/zwgk/xxgkzn/", "政府信息公开指南"), ("/zwgk/xxgkzd/", "政府信息公开制度"),
             ("/zwgk/fdzdgknr/", "法定主动公开内容"), (column, "政府信息公开年度报告")]), None)
        self.start_paths = ["/"]

    def list_path(self, k: int) -> str:
        return self.column if k == 0 else f"{self.column}index_{k}.html"

    def shell(self, title: str, inner: str, head: str = "") -> str:
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}-{esc(self.body)}</title>{head}"
                f"</head><body><div class='header'><a href='/'>{esc(self.body)}</a></div>"
                f"<div class='position'>您当前的位置：<a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a> &gt; "
                f"<a href='{self.column}'>政府信息公开年报</a></div>{inner}"
                f"<div class='footer'>{esc(self.body)} 主办</div></body></html>")

    def listing(self, req: Req, k: int) -> str:
        rows = [(d.href, d.title, d.date.isoformat()) for d in self.pages[k]]
        if k == 0:
            rows += [(href, text, "2024-12-31") for href, text in self.first_page_extra(req)]
        items = "\n".join(f"<li><a href='{esc(href)}' target='_blank'>{esc(text)}</a><em>{day}</em></li>"
                          for href, text, day in rows)
        last = len(self.pages) - 1
        links = [f"<a href='{self.list_path(0)}'>首页</a>"]
        if k:
            links.append(f"<a href='{self.list_path(k - 1)}'>上一页</a>")
        if k < last:
            links.append(f"<a href='{self.list_path(k + 1)}'>下一页</a>")
        elif self.after_last:
            links.append(f"<a href='{self.after_last}'>下一页</a>")
        links.append(f"<a href='{self.list_path(last)}'>尾页</a>")
        pager = f"<div class='page'>{' '.join(links)} 第{k + 1}页/共{last + 1}页</div>"
        return self.shell("政府信息公开年报", f"<div class='list'><ul>\n{items}\n</ul></div>{pager}")

    def detail(self, d: Doc) -> str:
        files = "".join(f"<p>附件：<a href='{f.path}'>{esc(f.name)}</a></p>" for f in d.files)
        inner = (f"<div class='news_title'><h2>{esc(d.title)}</h2></div>"
                 f"<div class='news_info'>发布日期：{d.date.isoformat()} 来源：{esc(d.publisher)}</div>"
                 f"<div class='news_content' id='content'>{self.report_body(d)}{files}</div>")
        return self.shell(d.title, inner, self.meta(d, "政府信息公开年报"))


def generic_sample(files: content.Files) -> GenericSite:
    body = "某乡人民政府"
    reports = [report(81, body, 2024, day=19, files=("docx",)), report(82, body, 2023, day=23, files=("pdf",)),
               report(83, body, 2022, day=26, as_file="wps"), report(84, body, 2021, day=28, as_file="doc")]
    docs = mixed(body, reports, 10, start=800)
    site = GenericSite("www.generic-sample.gov.cn", "generic-sample", body, docs, level="township", files=files)
    site.notes = "sample portal: generic homepage discovery, 下一页 paging, file-only reports, hostile cases"
    return site
