"""Hanweb 大汉 JCMS sites: /col/col<id>/index.html columns paged through dataproxy.jsp.

Page 1 of a column is an XML island in the column page; a jpage call on the
same page gives totalRecord, perPage, groupSize and the ajaxParam object
(numbers unquoted, strings quoted, as real pages mix them). Later pages exist
only as answers of /module/web/jpage/dataproxy.jsp (POST form or GET query:
col, appid, webid, path, columnid, sourceContentType, unitid, webname,
permissiontype; startrecord/endrecord/perpage in the query). Without the right
columnid and unitid the answer is an empty datastore.
Details /art/YYYY/M/D/art_<col>_<id>.html (month and day not zero-padded),
body in #zoom; attachments /module/download/downfile.jsp?classid=0&filename=<32 hex>.<ext>.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import quote, urlencode

from . import content
from .base import Doc, Req, Resp, Site, esc, h, mixed, report

PROXY = "/module/web/jpage/dataproxy.jsp"


class HanwebSite(Site):
    platform = "hanweb"

    def __init__(self, host: str, portal_id: str, body: str, docs: list[Doc], columnid: int = 123,
                 unitid: int = 4567, webid: int = 52, per: int = 5, group: int = 3, column_name: str = "政府信息公开年报",
                 id_base: int = 4567000, **kw):
        super().__init__(host, portal_id, body, **kw)
        self.docs, self.columnid, self.unitid, self.webid = docs, columnid, unitid, webid
        self.per, self.group, self.column_name = per, group, column_name
        self.column_path = f"/col/col{columnid}/index.html"
        self.sidebar: list[Doc] = []  # other reports linked beside the list (xxgk module pages)
        self.xxgk: dict[tuple[str, str], Doc] = {}
        for rank, d in enumerate(sorted(docs, key=lambda d: (d.date, d.n))):
            d.id = id_base + rank * 11 + h(d.n, host) % 11
            self.place(d, columnid)
        self.records = [self.record(d) for d in docs if d.column == "main"]
        newest = max((d.date for d in docs), default=dt.date(2024, 1, 1))
        self.page(self.column_path, lambda req: self.column_page(), newest)
        self.page(f"/col/col{columnid}/", lambda req: self.column_page(), newest)
        self.add_prefix(PROXY, self.dataproxy)
        self.add_prefix("/module/xxgk/xxgkAnnualReport.jsp", self.annual_report)
        self.page("/", lambda req: self.homepage([("/", "首页"), (self.column_path, column_name)]), None)
        self.start_paths = [self.column_path]

    def place(self, d: Doc, columnid: int) -> None:
        d.path = f"/art/{d.date.year}/{d.date.month}/{d.date.day}/art_{columnid}_{d.id}.html"
        for k, f in enumerate(d.files + ([d.as_file] if d.as_file else [])):
            name = hashlib.md5(f"{self.host}/{d.id}/{k}".encode()).hexdigest()
            f.path = f"/module/download/downfile.jsp?classid=0&filename={name}.{content.ext(f.kind)}"
            self.serve_file(f, d.date, ctype="application/octet-stream", headers={
                "Content-Disposition": f"attachment; filename=\"{name}.{content.ext(f.kind)}\"; "
                                       f"filename*=UTF-8''{quote(f.name)}"})
        if not d.as_file:
            self.page(d.path, lambda req, d=d: self.detail(d), d.date)

    # -- column page and dataproxy ----------------------------------------------------------------

    def record(self, d: Doc) -> str:
        return (f"<li><a href='{esc(d.href)}' title='{esc(d.title)}' target='_blank'>{esc(d.title)}</a>"
                f"<span>{d.date.isoformat()}</span></li>")

    def ajax(self) -> dict:
        return {"col": "1", "appid": "1", "webid": str(self.webid), "path": "/", "columnid": str(self.columnid),
                "sourceContentType": "1", "unitid": str(self.unitid), "webname": self.body, "permissiontype": "0"}

    def nextgroup(self, page: int) -> str:
        q = self.ajax()
        del q["col"], q["sourceContentType"]
        return f"<nextgroup><![CDATA[<a href=\"{PROXY}?page={page}&{urlencode(q, safe='/')}\"></a>]]></nextgroup>"

    def column_page(self) -> str:
        island = "\n".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in self.records[:self.per])
        side = "".join(f"<li><a href='{esc(d.path)}' target='_blank'>{esc(d.title)}</a></li>" for d in self.sidebar)
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(self.column_name)} {esc(self.body)}"
                f"</title><meta name='SiteName' content='{esc(self.body)}'>"
                f"<meta name='SiteDomain' content='{self.host}'>"
                f"<meta name='ColumnName' content='{esc(self.column_name)}'>"
                f"<meta name='ColumnType' content='{esc(self.column_name)}'>"
                f"<script type='text/javascript' src='/module/jslib/jquery/jquery.js'></script>"
                f"<script type='text/javascript' src='/module/jslib/jquery/jpage/jquery.page.min.js'></script></head>"
                f"<body><div class='main-fl bt-position'>当前位置：<a href='/'>首页</a> &gt; "
                f"<a href='{self.column_path}'>{esc(self.column_name)}</a></div>"
                f"<div class='main-fr'><div class='default_pgContainer' id='{self.unitid}'>"
                f"<script type=\"text/xml\"><datastore>{self.nextgroup(1)}<recordset>\n{island}\n</recordset>"
                f"</datastore></script></div>"
                f"<script type='text/javascript'>$(document).ready(function(){{ $('#{self.unitid}').jpage({{"
                f"containerid:'{self.unitid}', totalRecord:{len(self.records)}, perPage:{self.per}, "
                f"groupSize:{self.group}, proxyUrl:'{PROXY}', barPosition:'bottom', showMode:'full', "
                f"ajaxParam:{{col:1, appid:1, webid:{self.webid}, path:'/', columnid:{self.columnid}, "
                f"sourceContentType:1, unitid:'{self.unitid}', webname:'{esc(self.body)}', permissiontype:0}}"
                f"}}); }});</script></div>"
                f"<div class='main-fl'><h3>单位年报</h3><ul>{side}</ul></div></body></html>")

    def dataproxy(self, req: Req) -> Resp | None:
        if req.path != PROXY:
            return None
        known = req.param("columnid") == str(self.columnid) and req.param("unitid") == str(self.unitid)
        rows = self.records if known else []  # unknown column/unit: an empty datastore, as real servers do
        try:
            start = max(1, int(req.param("startrecord", "1")))
            per = max(1, int(req.param("perpage", str(self.per))))
            end = int(req.param("endrecord", str(start + per * self.group - 1)))
        except ValueError:
            start, end, per = 1, 0, self.per
        chosen = rows[start - 1:end]
        nxt = self.nextgroup(end // (per * self.group) + 1) if end < len(rows) else ""
        xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<datastore>\n" + nxt + "\n<recordset>\n"
               + "\n".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in chosen)
               + f"\n</recordset>\n<totalrecord>{len(rows)}</totalrecord>"
               f"<totalpage>{-(-len(rows) // per)}</totalpage>\n</datastore>")
        return Resp(body=xml.encode("utf-8"), ctype="text/xml;charset=UTF-8")  # dynamic: no validators

    # -- articles --------------------------------------------------------------------------------

    def detail(self, d: Doc, column: str | None = None) -> str:
        column = column or self.column_name
        files = "".join(f"<p>附件：<a href='{esc(f.path)}' target='_blank'>{esc(f.name)}</a></p>" for f in d.files)
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(d.title)} {esc(self.body)}</title>"
                f"{self.meta(d, column)}</head><body>"
                f"<div class='main-fl bt-position'>当前位置：<a href='/'>首页</a> &gt; "
                f"<a href='{self.column_path}'>{esc(column)}</a></div>"
                f"{self.label_table(d, f'{self.unitid}/{d.date.year}-{d.id % 100000:05d}')}"
                f"<div class='article'><div class='title'><h1>{esc(d.title)}</h1></div>"
                f"<div class='sp_time'><font>发布日期：{d.date.isoformat()} 09:30</font> <font>信息来源：{esc(d.publisher)}"
                f"</font> <font>浏览次数：<span id='hits'></span></font></div>"
                f"<div id='zoom' class='artile_zw'>{self.report_body(d)}{files}</div></div></body></html>")

    def report_column(self, d: Doc, columnid: int, name: str) -> None:
        """A column whose page is the report itself (江苏省民政厅 col90135)."""
        d.path = f"/col/col{columnid}/index.html"
        # A column page: the column's name as its title and no ArticleTitle; the year is in the body's heading.
        page = (lambda req: self.detail(d, name).replace(f"<title>{esc(d.title)} ", f"<title>{esc(name)} ")
                .replace(f"<meta name='ArticleTitle' content='{esc(d.title)}'>", ""))
        self.page(d.path, page, d.date)
        self.start_paths.append(d.path)

    def annual_report(self, req: Req) -> Resp | None:
        d = self.xxgk.get((req.param("area"), req.param("fbtime")))
        if d is None:
            return None
        return self.html(self.detail(d, "政府信息公开年报"), d.date)

    def add_xxgk(self, d: Doc, area: str) -> None:
        """A report of the disclosure module: /module/xxgk/xxgkAnnualReport.jsp?area=<unit code>&fbtime=<year>."""
        d.path = f"/module/xxgk/xxgkAnnualReport.jsp?area={area}&fbtime={d.year}"
        self.xxgk[(area, str(d.year))] = d


def hanweb_sample(files: content.Files) -> HanwebSite:
    body = "某市民政局"
    reports = [report(31, body, 2024, day=18, files=("pdf",)), report(32, body, 2023, day=19, files=("docx",)),
               report(33, body, 2022, day=24), report(34, body, 2021, day=26),
               report(35, "某市救助管理站", 2024, day=29), report(36, "某市救助管理站", 2023, day=30)]
    near = Doc(37, content.NEAR_MISS, dt.date(2024, 12, 20), body)  # names the report, is a notice
    docs = mixed(body, reports + [near], 21, start=400)
    site = HanwebSite("www.hanweb-sample.gov.cn", "hanweb-sample", body, docs, level="department",
                      province="江苏", files=files)
    col_report = report(38, body, 2020, day=15, column="col90135")
    col_report.id = 4569001
    site.report_column(col_report, 90135, "政府信息公开年度报告")
    unit = [report(39, "某市社会福利院", 2024, day=23, column="xxgk"),
            report(40, "某市社会福利院", 2023, day=22, column="xxgk")]
    for k, d in enumerate(unit):
        d.id = 4569100 + k
        site.add_xxgk(d, "12320100466012345X")
    site.sidebar = [unit[0]]             # linked from the column page
    site.report_paths = [unit[1].path]   # known to the registry only
    site.docs = docs + [col_report] + unit
    site.notes = "sample portal: Hanweb, XML island + dataproxy.jsp POST, a column that is the report, xxgk module"
    return site
