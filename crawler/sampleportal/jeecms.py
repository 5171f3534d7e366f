"""Jeecms sites: lists /<channel>/index.jhtml, index_2.jhtml, index_3.jhtml (1-based, page 1
unsuffixed; past the end 404), details /<channel>/<id>.jhtml, files under /u/cms/www/YYYYMM/.
The last page's 下一页 points at itself, as Jeecms templates do.
"""
from __future__ import annotations

import datetime as dt

from . import content
from .base import Doc, Site, esc, h, mixed, paginate, report


class JeecmsSite(Site):
    platform = "jeecms"

    def __init__(self, host: str, portal_id: str, body: str, docs: list[Doc], channel: str = "zfxxgknb",
                 name: str = "政府信息公开年报", per: int = 5, id_base: int = 1200, **kw):
        super().__init__(host, portal_id, body, **kw)
        self.docs, self.channel, self.name = docs, channel, name
        for rank, d in enumerate(sorted(docs, key=lambda d: (d.date, d.n))):
            d.id = id_base + rank * 2 + d.n % 2
            d.path = f"/{channel}/{d.id}.jhtml"
            for k, f in enumerate(d.files + ([d.as_file] if d.as_file else [])):
                f.path = (f"/u/cms/www/{d.date:%Y%m}/{d.date:%d}{h(d.id, k) % 10**6:06d}"
                          f"{'abcdefghjkmnpqrstuvwxyz'[h(d.id) % 23]}.{content.ext(f.kind)}")
                self.serve_file(f, d.date)
            if not d.as_file:
                self.page(d.path, lambda req, d=d: self.detail(d), d.date)
        pages = paginate(docs, per)
        newest = max((d.date for d in docs), default=dt.date(2024, 1, 1))
        for k in range(len(pages)):
            self.page(self.list_path(k), lambda req, k=k: self.listing(pages, k), newest)
        self.page("/", lambda req: self.homepage([("/", "首页"), (self.list_path(0), name)]), None)
        self.start_paths = [self.list_path(0)]

    def list_path(self, k: int) -> str:
        return f"/{self.channel}/index.jhtml" if k == 0 else f"/{self.channel}/index_{k + 1}.jhtml"

    def shell(self, title: str, inner: str, extra_head: str = "") -> str:
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)} - {esc(self.body)}</title>"
                f"{extra_head}<link href='/r/cms/www/default/css/style.css' rel='stylesheet'></head><body>"
                f"<div class='top'><a href='/'>{esc(self.body)}</a></div>"
                f"<div class='position'>您现在的位置：<a href='/'>首页</a> &gt; <a href='{self.list_path(0)}'>"
                f"{esc(self.name)}</a></div>{inner}<div class='bottom'>{esc(self.body)}</div></body></html>")

    def listing(self, pages: list[list[Doc]], k: int) -> str:
        rows = "\n".join(f"<li><span class='date'>[{d.date.isoformat()}]</span><a href='{d.href}' target='_blank' "
                         f"title='{esc(d.title)}'>{esc(d.title)}</a></li>" for d in pages[k])
        total, records = len(pages), sum(len(p) for p in pages)
        name = lambda n: self.list_path(n).rsplit("/", 1)[1]  # noqa: E731
        prev = f"<a href='{name(k - 1)}'>上一页</a>" if k else "<a href='javascript:void(0)'>上一页</a>"
        nxt = f"<a href='{name(min(k + 1, total - 1))}'>下一页</a>"  # on the last page: itself
        pager = (f"<div class='pagination'>共 {records} 条&nbsp;每页 {len(pages[0])} 条&nbsp;当前 {k + 1}/{total} 页"
                 f"&nbsp;<a href='{name(0)}'>首页</a> {prev} {nxt} <a href='{name(total - 1)}'>尾页</a></div>")
        return self.shell(self.name, f"<div class='list'><ul>\n{rows}\n</ul></div>{pager}")

    def detail(self, d: Doc) -> str:
        files = "".join(f"<p>附件：<a href='{f.path}' target='_blank'>{esc(f.name)}</a></p>" for f in d.files)
        inner = (f"<div class='article'><h2 class='title'>{esc(d.title)}</h2>"
                 f"<div class='msgbar'>发布时间：{d.date.isoformat()} 09:30:00 来源：{esc(d.publisher)} "
                 f"浏览次数：<span id='views'></span></div><div class='content'>{self.report_body(d)}{files}</div></div>")
        return self.shell(d.title, inner, self.meta(d, self.name))


def jeecms_sample(files: content.Files) -> JeecmsSite:
    body = "某镇人民政府"
    reports = [report(71, body, 2024, day=15, files=("pdf",)), report(72, body, 2023, day=16),
               report(73, body, 2022, day=18), report(74, body, 2021, day=20, as_file="docx")]
    docs = mixed(body, reports, 10, start=700)
    site = JeecmsSite("www.jeecms-sample.gov.cn", "jeecms-sample", body, docs, level="township", province="内蒙古",
                      files=files)
    site.notes = "sample portal: Jeecms, index_N.jhtml lists"
    return site
