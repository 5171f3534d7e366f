"""TRS WCM sites: static columns whose paging exists only as a createPageHTML(...) call.

Column <dir>index.<ext> (also the bare <dir>), further pages index_<k>.<ext>:
  js4   createPageHTML(total, current, "index", "html")   0-based: k = 1..total-1
  vars  var countPage = N; var currentPage = M; createPageHTML(countPage, currentPage, ...)   0-based
  js6   createPageHTML('page_div', total, current, 'index', 'shtml', records)   1-based: index_2 .. index_<total>
Details <dir>YYYYMM/tYYYYMMDD_<id>.<ext> with mobile twins _wap/_app linked from
the list too; attachments <dir>YYYYMM/P0YYYYMMDD<12 digits>.<ext> linked with
appendix="true" and an OLDSRC pointing into /protect/ (not published: 404).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import content
from .base import Doc, Resp, Site, esc, h, mixed, paginate, report, stamp

JS4 = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var nCurrIndex = _nCurrIndex || 0;
  function name(k) { return k == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + k + "." + _sPageExt; }
  if (nCurrIndex == 0) { document.write("首页 上一页 "); }
  else { document.write("<a href=\\"" + name(0) + "\\">首页</a> <a href=\\"" + name(nCurrIndex - 1) + "\\">上一页</a> "); }
  if (nCurrIndex + 1 >= _nPageCount) { document.write("下一页 尾页"); }
  else { document.write("<a href=\\"" + name(nCurrIndex + 1) + "\\">下一页</a> <a href=\\"" + name(_nPageCount - 1) + "\\">尾页</a>"); }
}
"""
JS6 = """function createPageHTML(_divId, _nPageCount, _nCurrIndex, _sPageName, _sPageExt, _nRecordCount) {
  // pages are numbered from 1: page 1 is index.shtml, page n is index_n.shtml
  function name(n) { return n <= 1 ? _sPageName + "." + _sPageExt : _sPageName + "_" + n + "." + _sPageExt; }
  var s = "共" + _nRecordCount + "条 共" + _nPageCount + "页 当前第" + _nCurrIndex + "页 ";
  s += _nCurrIndex > 1 ? "<a href='" + name(1) + "'>首页</a> <a href='" + name(_nCurrIndex - 1) + "'>上页</a> " : "首页 上页 ";
  s += _nCurrIndex < _nPageCount ? "<a href='" + name(_nCurrIndex + 1) + "'>下页</a> <a href='" + name(_nPageCount) + "'>尾页</a>" : "下页 尾页";
  s += " 跳转到<input id='jump' size='2'>页";
  document.getElementById(_divId).innerHTML = s;
}
"""


@dataclass
class Column:
    key: str        # Doc.column of its articles
    dir: str        # "/zwgk/zfxxgknb/"
    name: str       # the column's name
    ext: str = "html"
    paging: str = "js4"   # js4 | vars | js6
    twin: str = "wap"     # mobile twin suffix: wap | app
    per: int = 5
    stub: bool = False    # a dead 300-byte stub one page past the end (as on many TRS sites)

    def page_name(self, k: int) -> str:
        """File name of list page k (0-based position)."""
        if self.paging == "js6":
            return f"index.{self.ext}" if k == 0 else f"index_{k + 1}.{self.ext}"
        return f"index.{self.ext}" if k == 0 else f"index_{k}.{self.ext}"


class TrsSite(Site):
    platform = "trs"

    def __init__(self, host: str, portal_id: str, body: str, docs: list[Doc], columns: list[Column],
                 id_base: int = 1234000, **kw):
        super().__init__(host, portal_id, body, **kw)
        self.docs, self.columns = docs, columns
        for rank, d in enumerate(sorted(docs, key=lambda d: (d.date, d.n))):
            d.id = id_base + rank * 7 + h(d.n, host) % 7  # a global, date-ordered sequence
        for col in columns:
            self.build_column(col)
        js = JS6 if any(c.paging == "js6" for c in columns) else JS4
        self.add("/images/common.js", lambda req: Resp(body=js.encode(), ctype="application/javascript",
                                                       modified=stamp(dt.date(2020, 6, 1))))
        nav = [("/", "首页"), ("/zwgk/", "政务公开")] + [(c.dir, c.name) for c in columns]
        self.page("/", lambda req: self.homepage(nav), None)
        self.page("/zwgk/", lambda req: self.homepage(nav), None)
        self.start_paths = [c.dir + c.page_name(0) for c in columns]

    def build_column(self, col: Column) -> None:
        docs = [d for d in self.docs if d.column == col.key]
        for d in docs:
            ym, ymd = d.date.strftime("%Y%m"), d.date.strftime("%Y%m%d")
            d.path = f"{col.dir}{ym}/t{ymd}_{d.id}.{col.ext}"
            for k, f in enumerate(d.files + ([d.as_file] if d.as_file else [])):
                f.path = f"{col.dir}{ym}/P0{ymd}{h(d.id, k) % 10**12:012d}.{content.ext(f.kind)}"
                self.serve_file(f, d.date)
            if not d.as_file:
                self.page(d.path, lambda req, d=d: self.detail(d, col), d.date)
                twin = d.path.replace(f".{col.ext}", f"_{col.twin}.{col.ext}")
                self.page(twin, lambda req, d=d: self.detail(d, col, mobile=True), d.date)
        pages = paginate(docs, col.per)
        newest = max((d.date for d in docs), default=dt.date(2024, 1, 1))
        for k in range(len(pages)):
            render = (lambda req, k=k: self.listing(col, pages, k))
            self.page(col.dir + col.page_name(k), render, newest)
            if k == 0:
                self.page(col.dir, render, newest)  # the bare directory serves index.<ext>
        if col.stub:
            self.add(col.dir + col.page_name(len(pages)),
                     lambda req: self.html("<html><head></head><body><div class='list'><ul>\n</ul></div>"
                                           "<script>createPageHTML(0, 0, \"index\", \"html\");</script>"
                                           "</body></html>", newest))

    # -- templates ------------------------------------------------------------------------------

    def rel(self, col: Column, path: str) -> str:
        return "./" + path[len(col.dir):]

    def listing(self, col: Column, pages: list[list[Doc]], k: int) -> str:
        rows, twins = [], []
        for d in pages[k]:
            href = self.rel(col, d.href)
            rows.append(f"<li><a href=\"{href}\" target=\"_blank\" title=\"{esc(d.title)}\">{esc(d.title)}</a>"
                        f"<span class=\"date\">{d.date.isoformat()}</span></li>")
            if not d.as_file:
                twin = href.replace(f".{col.ext}", f"_{col.twin}.{col.ext}")
                twins.append(f"<li><a href=\"{twin}\">{esc(d.title)}</a></li>")
        total = len(pages)
        if col.paging == "js4":
            script = (f'<div class="page"><script type="text/javascript">createPageHTML({total}, {k}, "index", '
                      f'"{col.ext}");</script></div>')
        elif col.paging == "vars":
            script = (f"<div class=\"page\"><script type=\"text/javascript\">var currentPage = {k};//所在页从0开始\n"
                      f"var prevPage = currentPage-1//上一页\nvar nextPage = currentPage+1//下一页\n"
                      f"var countPage = {total}//共多少页\n"
                      f"createPageHTML(countPage, currentPage, \"index\", \"{col.ext}\");</script></div>")
        else:
            records = sum(len(p) for p in pages)
            script = (f"<div id='page_div' class='page'></div><script type='text/javascript'>"
                      f"createPageHTML('page_div',{total},{k + 1},'index','{col.ext}',{records});</script>")
        subnav = "".join(f"<li><a href=\"{c.dir}\">{esc(c.name)}</a></li>" for c in self.columns)
        return (f"<!DOCTYPE html><html><head>{self.meta_charset}<title>{esc(col.name)}_{esc(self.body)}</title>"
                f"<meta name='SiteName' content='{esc(self.body)}'><meta name='ColumnName' content='{esc(col.name)}'>"
                f"<script type='text/javascript' src='/images/common.js'></script></head><body>"
                f"<div class='header'><a href='/'>{esc(self.body)}</a></div>"
                f"<div class='location'>当前位置：<a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a> &gt; "
                f"<a href='{col.dir}'>{esc(col.name)}</a></div>"
                f"<div class='xxgk_wrap'><div class='left'><ul class='subnav'>{subnav}</ul></div>"
                f"<div class='overview_right'><ul class='xwzx_list'>\n" + "\n".join(rows) + "\n</ul>"
                f"{script}</div></div>"
                f"<ul class='m-list' style='display:none'>{''.join(twins)}</ul>"
                f"<div class='footer'>主办单位：{esc(self.body)}</div></body></html>")

    def detail(self, d: Doc, col: Column, mobile: bool = False) -> str:
        files = d.files + ([d.as_file] if d.as_file else [])
        appendix = ""
        if files:
            links = "".join(
                f"<p class='insertfileTag' style='line-height:16px'><img src='/images/icon/{content.ext(f.kind)}.gif' "
                f"border='0'><a href='./{f.path.rsplit('/', 1)[1]}' appendix='true' "
                f"OLDSRC='/protect/P0{d.date:%Y%m}/P0{d.date:%Y%m%d}/{f.path.rsplit('/', 1)[1]}' "
                f"title='{esc(f.name)}'>{esc(f.name)}</a></p>" for f in files)
            inline = ", ".join(f"'./{f.path.rsplit('/', 1)[1]}'" for f in files)
            appendix = (f"<div id='id_tblAppendix' class='appendix'><p>附件：</p>{links}</div>"
                        f"<script type='text/javascript'>var appendixList = [{inline}];</script>")
        viewport = "<meta name='viewport' content='width=device-width,initial-scale=1'>" if mobile else ""
        index_no = f"{h(d.id) % 10**9:09d}/{d.date.year}-{d.id % 100000:05d}"
        return (f"<!DOCTYPE html><html><head>{self.meta_charset}{viewport}<title>{esc(d.title)}_{esc(self.body)}"
                f"</title>{self.meta(d, col.name)}</head><body class='{'m-article' if mobile else 'article-page'}'>"
                f"<div class='location'>当前位置：<a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a> &gt; "
                f"<a href='{col.dir}'>{esc(col.name)}</a></div>"
                f"{'' if mobile else self.label_table(d, index_no)}"
                f"<div class='article'><h1 class='title'>{esc(d.title)}</h1>"
                f"<div class='info'>发布时间：{d.date.isoformat()} 09:30 来源：{esc(d.publisher)} "
                f"【字体：<a href='javascript:doZoom(16)'>大</a> <a href='javascript:doZoom(14)'>中</a>】</div>"
                f"<div class='TRS_Editor'><div class='trs_editor_view TRS_UEDITOR trs_paper_default trs_word'>"
                f"{self.report_body(d)}</div></div>{appendix}"
                f"<div class='editor'>责任编辑：王堃</div></div></body></html>")  # 堃: in GBK, not in GB2312


# -- the named sites ---------------------------------------------------------------------------

def trs_sample(files: content.Files) -> TrsSite:
    """UTF-8; the 年报 column (js4, _wap twins, a dead stub after the last page) and a department
    column (countPage variables, .shtml, _app twins)."""
    body = "某县人民政府办公室"
    main = [report(1, body, 2024, files=("pdf",)), report(2, body, 2023, day=20),
            report(3, body, 2022, day=14, files=("scan",), stub=True), report(4, body, 2021, day=25, as_file="pdf")]
    depts = [report(11, "某县教育局", 2024, day=22, column="bmnb"),
             report(12, "某县财政局", 2024, day=28, column="bmnb", files=("docx",)),
             report(13, "某县教育局", 2023, day=19, column="bmnb"),
             report(14, "某县卫生健康局", 2023, day=29, column="bmnb")]
    docs = mixed(body, main, 11) + mixed(body, depts, 7, column="bmnb", start=200)
    cols = [Column("main", "/zwgk/zfxxgknb/", "政府信息公开年报", stub=True),
            Column("bmnb", "/zwgk/zfxxgknb/bmnb/", "部门信息公开年报", ext="shtml", paging="vars", twin="app", per=4)]
    site = TrsSite("www.trs-sample.gov.cn", "trs-sample", body, docs, cols, files=files)
    site.notes = "sample portal: TRS, createPageHTML 0-based and countPage variants, _wap/_app twins, P0 attachments"
    return site


def trs_gbk_sample(files: content.Files) -> TrsSite:
    """GBK bytes declared gb2312 (and no charset in the header); the 1-based six-argument createPageHTML."""
    body = "某市生态环境局"
    main = [report(21, body, 2024, day=16, files=("docx",)), report(22, body, 2023, day=17),
            report(23, body, 2022, day=21, files=("pdf",)), report(24, body, 2021, day=27)]
    docs = mixed(body, main, 10, start=300)
    cols = [Column("main", "/xxgk/zfxxgknb_73584/", "政府信息公开年报", ext="shtml", paging="js6")]
    site = TrsSite("www.trs-gbk-sample.gov.cn", "trs-gbk-sample", body, docs, cols, id_base=5120000,
                   level="department", province="湖北", charset="gbk", files=files)
    site.notes = "sample portal: TRS, GBK, createPageHTML six arguments (1-based)"
    return site
