"""博达 VSB sites: a static .htm column paged by reverse-numbered siblings, and a list.jsp list.

Static column <path>.htm, then <path>/<T-1>.htm, …, <path>/1.htm (the number counts
down from the oldest page, so page 2 of 3 is 2.htm and the last page is 1.htm).
Dynamic list list.jsp?urltype=tree.TreeTempUrl&wbtreeid=<tree>, further pages
?totalpage=<T>&PAGENUM=<n>&urltype=tree.TreeTempUrl&wbtreeid=<tree>.
Paging links sit in td.pb_sys_common (下页/尾页). Details /info/<tree>/<id>.htm
(twin: content.jsp?urltype=news.NewsContentUrl&wbtreeid=&wbnewsid=) with the
body in #vsb_content > div.v_news_content inside form[name=_newscontent_fromname];
attachments /system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=&wbfileid=.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from . import content
from .base import Doc, Req, Resp, Site, esc, h, mixed, paginate, report


@dataclass
class Tree:
    key: str          # Doc.column
    id: int           # wbtreeid
    name: str
    static: str = ""  # "/xxgk/zfxxgknb": a static column; empty: a list.jsp list
    per: int = 5


class VsbSite(Site):
    platform = "vsb"

    def __init__(self, host: str, portal_id: str, body: str, docs: list[Doc], trees: list[Tree],
                 id_base: int = 61600, owner: int = 1234567890, **kw):
        super().__init__(host, portal_id, body, **kw)
        self.docs, self.trees, self.owner = docs, trees, owner
        for rank, d in enumerate(sorted(docs, key=lambda d: (d.date, d.n))):
            d.id = id_base + rank * 3 + h(d.n, host) % 3
        self.dynamic: dict[str, tuple[Tree, list[list[Doc]]]] = {}
        for tree in trees:
            mine = [d for d in docs if d.column == tree.key]
            for d in mine:
                self.place(d, tree)
            pages = paginate(mine, tree.per)
            newest = max((d.date for d in mine), default=dt.date(2024, 1, 1))
            if tree.static:
                for k in range(len(pages)):
                    self.page(self.static_path(tree, k, len(pages)),
                              lambda req, tree=tree, pages=pages, k=k: self.static_list(tree, pages, k), newest)
                self.start_paths.append(tree.static + ".htm")
            else:
                self.dynamic[str(tree.id)] = (tree, pages)
                self.start_paths.append(f"/list.jsp?urltype=tree.TreeTempUrl&wbtreeid={tree.id}")
        self.add_prefix("/list.jsp", self.list_jsp)
        self.add_prefix("/content.jsp", self.content_jsp)
        self.page("/", lambda req: self.homepage(
            [("/", "首页")] + [(t.static + ".htm" if t.static else f"/list.jsp?urltype=tree.TreeTempUrl&wbtreeid={t.id}",
                                t.name) for t in trees]), None)

    def place(self, d: Doc, tree: Tree) -> None:
        d.path = f"/info/{tree.id}/{d.id}.htm"
        for k, f in enumerate(d.files + ([d.as_file] if d.as_file else [])):
            fid = 8765000 + d.id * 4 + k
            f.path = f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner={self.owner}&wbfileid={fid}"
            self.serve_file(f, d.date, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f.name)}"})
        if not d.as_file:
            self.page(d.path, lambda req, d=d, tree=tree: self.detail(d, tree), d.date)

    @staticmethod
    def static_path(tree: Tree, k: int, total: int) -> str:
        return f"{tree.static}.htm" if k == 0 else f"{tree.static}/{total - k}.htm"

    # -- lists -----------------------------------------------------------------------------------

    def rows(self, docs: list[Doc], prefix: str) -> str:
        out = []
        for j, d in enumerate(docs):
            href = d.href if d.as_file else prefix + d.href.lstrip("/")
            out.append(f"<li id='line_u8_{j}'><a href='{esc(href)}' target='_blank' title='{esc(d.title)}'>"
                       f"{esc(d.title)}</a><span>{d.date.isoformat()}</span></li>")
        return "\n".join(out)

    @staticmethod
    def pager(hrefs: list[str], k: int, records: int) -> str:
        def link(cls: str, text: str, target: int | None) -> str:
            if target is None:
                return f"<span class='{cls}_d p_fun_d'>{text}</span>"
            return f"<span class='{cls} p_fun'><a href='{esc(hrefs[target])}'>{text}</a></span>"
        last = len(hrefs) - 1
        nums = "".join(f"<span class='p_no_d'>{n + 1}</span>" if n == k else
                       f"<span class='p_no'><a href='{esc(hrefs[n])}'>{n + 1}</a></span>" for n in range(len(hrefs)))
        return (f"<table cellspacing='0' class='listFrame' cellpadding='0' border='0'><tr>"
                f"<td class='pb_sys_common pb_sys_normal pb_sys_style1'><span class='p_t'>共{records}条</span> "
                f"<span class='p_t'>{k + 1}/{len(hrefs)}</span> <span class='p_pages'>"
                f"{link('p_first', '首页', 0 if k else None)}{link('p_prev', '上页', k - 1 if k else None)}{nums}"
                f"{link('p_next', '下页', k + 1 if k < last else None)}{link('p_last', '尾页', last if k < last else None)}"
                f"</span> <span class='p_t'>到第</span><span class='p_goto'><input type='text' class='p_goto_input' "
                f"maxlength='10' id='u8_goto' spellcheck='false'></span><span class='p_t'>页</span> "
                f"<span class='p_btn'><a href='javascript:;' onclick='_simple_list_gotopage_fun({len(hrefs)},"
                f"\"u8_goto\",2)'>跳转</a></span></td></tr></table>")

    def shell(self, title: str, inner: str) -> str:
        return (f"<!DOCTYPE html><html><head><meta http-equiv='Content-Type' content='text/html; charset=UTF-8'>"
                f"<title>{esc(title)}-{esc(self.body)}</title><META Name='keywords' Content='{esc(self.body)}' />"
                f"<link type='text/css' href='/style/style.css' rel='stylesheet'>"
                f"<script language='javascript' src='/system/resource/js/dynclicks.js'></script></head><body>"
                f"<table width='1000' border='0' cellspacing='0' cellpadding='0' align='center'><tr><td>"
                f"<div class='dqwz'>当前位置：<a href='/'>首页</a> &gt;&gt; {esc(title)}</div>{inner}"
                f"</td></tr></table><div class='foot'>{esc(self.body)} 版权所有</div></body></html>")

    def static_list(self, tree: Tree, pages: list[list[Doc]], k: int) -> str:
        total = len(pages)
        base = tree.static.rsplit("/", 1)[1]
        if k == 0:  # <dir>/zfxxgknb.htm: siblings are zfxxgknb/N.htm, articles ../info/…
            hrefs = [f"{base}.htm"] + [f"{base}/{total - n}.htm" for n in range(1, total)]
            prefix = "../" * (tree.static.count("/") - 1)
        else:       # <dir>/zfxxgknb/N.htm
            hrefs = [f"../{base}.htm"] + [f"{total - n}.htm" for n in range(1, total)]
            prefix = "../" * tree.static.count("/")
        records = sum(len(p) for p in pages)
        inner = (f"<div class='list'><ul>\n{self.rows(pages[k], prefix)}\n</ul></div><div align='center'>"
                 f"<input type='hidden' name='wbtreeid' value='{tree.id}'>{self.pager(hrefs, k, records)}</div>")
        return self.shell(tree.name, inner)

    def list_jsp(self, req: Req) -> Resp | None:
        if req.path != "/list.jsp" or req.param("wbtreeid") not in self.dynamic:
            return None
        tree, pages = self.dynamic[req.param("wbtreeid")]
        try:
            k = int(req.param("PAGENUM", "1")) - 1
        except ValueError:
            k = 0
        k = min(max(k, 0), len(pages) - 1)  # out of range: VSB shows the nearest page
        total = len(pages)
        hrefs = [f"?totalpage={total}&PAGENUM={n + 1}&urltype=tree.TreeTempUrl&wbtreeid={tree.id}"
                 for n in range(total)]
        records = sum(len(p) for p in pages)
        inner = (f"<div class='list'><ul>\n{self.rows(pages[k], '')}\n</ul></div>"
                 f"<div align='center'>{self.pager(hrefs, k, records)}</div>")
        return self.html(self.shell(tree.name, inner))  # a JSP: no validators

    # -- articles --------------------------------------------------------------------------------

    def detail(self, d: Doc, tree: Tree) -> str:
        files = "".join(
            f"<li>附件【<a href='{esc(f.path)}' target='_blank'>{esc(f.name)}</a>】已下载<span id='nattach{8765000 + k}'>"
            f"<script language='javascript'>getClickTimes({8765000 + k},{d.id},\"wbnewsfile\",\"attach\")</script>"
            f"</span>次</li>" for k, f in enumerate(d.files))
        inner = (f"<form name='_newscontent_fromname'><div class='content-title'><h1>{esc(d.title)}</h1></div>"
                 f"<table width='100%'><tr><td class='info'>来源: {esc(d.publisher)} 作者: 时间:{d.date.isoformat()} "
                 f"点击率:<script>_showDynClicks(\"wbnews\", {self.owner}, {d.id})</script>"
                 f"【<a href='javascript:window.print()'>打印</a>】【<a href='javascript:window.close()'>关闭</a>】"
                 f"</td></tr></table>"
                 f"<div id='vsb_content'><div class='v_news_content'>{self.report_body(d)}</div></div>"
                 f"<div id='div_vote_id'></div><ul style='list-style-type:none;'>{files}</ul></form>")
        page = self.shell(d.title, inner)
        return page.replace("</head>", self.meta(d, tree.name) + "</head>", 1)

    def content_jsp(self, req: Req) -> Resp | None:
        for d in self.docs:
            if str(d.id) == req.param("wbnewsid") and d.path.startswith(f"/info/{req.param('wbtreeid')}/") \
                    and not d.as_file:
                tree = next(t for t in self.trees if t.key == d.column)
                return self.html(self.detail(d, tree), d.date)
        return None


def vsb_sample(files: content.Files) -> VsbSite:
    body = "某县人民政府"
    main = [report(51, body, 2024, day=17, files=("doc",)), report(52, body, 2023, day=18, files=("pdf",)),
            report(53, body, 2022, day=20), report(54, body, 2021, day=21)]
    depts = [report(55, "某县农业农村局", 2024, day=24, column="bmnb"),
             report(56, "某县水利局", 2024, day=27, column="bmnb", as_file="wps"),
             report(57, "某县农业农村局", 2023, day=25, column="bmnb")]
    docs = mixed(body, main, 10, start=500) + mixed(body, depts, 8, column="bmnb", start=520)
    trees = [Tree("main", 1025, "政府信息公开年报", static="/xxgk/zfxxgknb"), Tree("bmnb", 1026, "部门年报", per=4)]
    site = VsbSite("www.vsb-sample.gov.cn", "vsb-sample", body, docs, trees, province="云南", files=files)
    site.notes = "sample portal: VSB, reverse-numbered static pages, list.jsp PAGENUM, download.jsp attachments"
    return site
