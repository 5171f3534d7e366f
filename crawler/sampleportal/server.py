"""The sample portal's server and its sites (see the package docstring)."""
from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "parse"
YEARS = (2021, 2022, 2023)
NOTICES = ("关于做好春节期间安全生产工作的通知", "2023年度部门预算公开", "工作动态：召开政务公开工作会议",
           "关于公开征求意见的公告", "2023年政务公开工作要点", "政府信息公开指南")
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
BIG = 50 * 1024 * 1024


@dataclass
class Page:
    body: bytes
    ctype: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict = field(default_factory=dict)


@dataclass
class Site:
    host: str
    portal: str
    body: str  # the publishing body
    platform: str
    start: str  # path of the start URL
    level: str = "county"
    province: str = "四川"
    pages: dict[str, Page] = field(default_factory=dict)
    reports: list[tuple[str, int, str]] = field(default_factory=list)  # (path, year, kind)
    dataproxy: list[str] = field(default_factory=list)  # Hanweb records answered by dataproxy.jsp
    delay: float = 0.0  # seconds before each answer

    def add(self, path: str, body: bytes | str, ctype: str = "text/html; charset=utf-8", **kw) -> None:
        self.pages[path] = Page(body.encode() if isinstance(body, str) else body, ctype, **kw)


def fixture(name: str) -> bytes | None:
    found = sorted((FIXTURES / name).glob("input.*")) if (FIXTURES / name).is_dir() else []
    return found[0].read_bytes() if found else None


def report_html(body: str, year: int, encoding: str = "utf-8") -> bytes:
    """A report page: the form's tables as text lines under the report's title."""
    text = (fixture("text-2021-single-other-row") or b"").decode("utf-8")
    lines = text.splitlines()[1:]  # the fixture's own title goes; this site's comes instead
    title = f"{body}{year}年政府信息公开工作年度报告"
    charset = "gb2312" if encoding != "utf-8" else "utf-8"
    page = (f"<html><head><meta charset='{charset}'><title>{title}</title></head><body>"
            f"<div class='title'><h1>{title}</h1></div><div class='TRS_Editor' id='zoom'><pre>"
            + html.escape("\n".join(lines)) + "</pre></div></body></html>")
    return page.encode("gb18030" if encoding != "utf-8" else "utf-8")


def listing(links: list[tuple[str, str]], extra: str = "") -> str:
    items = "".join(f"<li><a href='{href}' title='{html.escape(t)}'>{html.escape(t)}</a><span>2024-01-18</span></li>"
                    for href, t in links)
    return f"<html><head><meta charset='utf-8'></head><body><ul class='list'>{items}</ul>{extra}</body></html>"


def entries(site: Site, year_paths: dict[int, str], notice_paths: list[str]) -> list[tuple[str, str]]:
    """Report and notice links interleaved, newest first, as list pages show them."""
    out = []
    for k, year in enumerate(sorted(year_paths, reverse=True)):
        out.append((year_paths[year], f"{site.body}{year}年政府信息公开工作年度报告"))
        out.append((notice_paths[k % len(notice_paths)], NOTICES[k % len(NOTICES)]))
    return out


# -- the sites ------------------------------------------------------------------------------

def trs_site(host: str, portal: str, body: str, six_args: bool, gbk: bool) -> Site:
    s = Site(host, portal, body, "trs", "/zwgk/zfxxgknb/index.html")
    pdf = fixture("pdf-ruled-pagebreak-pingwu")
    pages = [[], [], []]
    for k, year in enumerate(YEARS):
        path = f"/zwgk/zfxxgknb/{year + 1}01/t{year + 1}0118_{1000 + k}.html"
        att = f"/zwgk/zfxxgknb/{year + 1}01/P0{year + 1}0118{k:04d}.pdf"
        page = report_html(body, year, "gbk" if gbk else "utf-8")
        link = f"<p class='insertfileTag'><a href='./P0{year + 1}0118{k:04d}.pdf' appendix='true'>附件：年度报告.pdf</a></p>"
        page = page.replace(b"</body>", link.encode("gb18030" if gbk else "utf-8") + b"</body>")
        s.add(path, page, "text/html; charset=gb2312" if gbk else "text/html; charset=utf-8")
        s.add(path.replace(".html", "_wap.html"), page)
        if pdf:
            s.add(att, pdf, "application/pdf")
            s.reports.append((att, year, "pdf"))
        s.reports.append((path, year, "html"))
        notice = f"/zwgk/zfxxgknb/{year + 1}01/t{year + 1}0110_{2000 + k}.html"
        s.add(notice, f"<html><title>{NOTICES[k]}</title><body>{NOTICES[k]}</body></html>")
        pages[k].append((f".{path[len('/zwgk/zfxxgknb'):]}", f"{body}{year}年政府信息公开工作年度报告"))
        pages[k].append((f".{path[len('/zwgk/zfxxgknb'):].replace('.html', '_wap.html')}",
                         f"{body}{year}年政府信息公开工作年度报告"))
        pages[k].append((f".{notice[len('/zwgk/zfxxgknb'):]}", NOTICES[k]))
    for k in range(3):
        name = "index.html" if k == 0 else f"index_{k + 1 if six_args else k}.html"
        call = (f"createPageHTML('page_div',3,{k + 1},'index','html',9);" if six_args
                else f'createPageHTML(3, {k}, "index", "html");')
        page = listing(pages[k], f"<div id='page_div'></div><script>{call}</script>")
        s.add(f"/zwgk/zfxxgknb/{name}", page.encode("gb18030") if gbk else page,
              "text/html; charset=gb2312" if gbk else "text/html; charset=utf-8")
    return s


def hanweb_site() -> Site:
    s = Site("www.hanweb-sample.gov.cn", "hanweb-sample", "某市民政局", "hanweb", "/col/col123/index.html",
             level="department", province="江苏")
    records = []
    for k, year in enumerate(YEARS):
        path = f"/art/{year + 1}/1/{18 + k}/art_123_{4000 + k}.html"
        docx = fixture("docx-merged-pingwu")
        page = report_html(s.body, year)
        if docx:
            att = f"/module/download/downfile.jsp?classid=0&filename=a{k}.docx"
            page = page.replace(b"</body>", f"<p><a href='{att}'>附件：年度报告.docx</a></p></body>".encode())
            s.add(att, docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            s.reports.append((att, year, "docx"))
        s.add(path, page)
        s.reports.append((path, year, "html"))
        records.append(f"<li><a href='{path}' title='{s.body}{year}年政府信息公开工作年度报告'>"
                       f"{s.body}{year}年政府信息公开工作年度报告</a><span>{year + 1}-01-18</span></li>")
        for j in range(3):
            note = f"/art/{year + 1}/1/{k + 1}/art_123_{5000 + 10 * k + j}.html"
            s.add(note, f"<html><title>{NOTICES[j]}</title><body>{NOTICES[j]}</body></html>")
            records.append(f"<li><a href='{note}' title='{NOTICES[j]}'>{NOTICES[j]}</a></li>")
    per = 4
    island = "".join(f"<record><![CDATA[{r}]]></record>" for r in records[:per])
    column = (f"<html><head><meta charset='utf-8'><meta name='ColumnName' content='政府信息公开年报'></head><body>"
              f"<div id='4567'><script type='text/xml'><datastore><nextgroup><![CDATA[<a href='/module/web/jpage/"
              f"dataproxy.jsp?page=1'>]]></nextgroup><recordset>{island}</recordset></datastore></script></div>"
              f"<script>$('#4567').jpage({{totalRecord:{len(records)}, perPage:{per}, groupSize:3, "
              f"proxyUrl:'/module/web/jpage/dataproxy.jsp', ajaxParam:{{col:'1', appid:'1', webid:'52', path:'/', "
              f"columnid:'123', sourceContentType:'1', unitid:'4567', webname:'某市民政局', permissiontype:'0'}}}});"
              f"</script></body></html>")
    s.add("/col/col123/index.html", column)
    s.dataproxy = records
    s.add("/col/col90135/index.html", report_html(s.body, 2020))  # a column page that is the report
    s.reports.append(("/col/col90135/index.html", 2020, "html"))
    s.start = "/col/col123/index.html /col/col90135/index.html"
    return s


def vsb_site() -> Site:
    s = Site("www.vsb-sample.gov.cn", "vsb-sample", "某县人民政府", "vsb", "/xxgk/zfxxgknb.htm", province="云南")
    doc = fixture("doc-pingwu")
    lists = [[], [], []]
    for k, year in enumerate(YEARS):
        path = f"/info/1025/{61690 + k}.htm"
        page = report_html(s.body, year).replace(b"<div class='TRS_Editor' id='zoom'>", b"<div id='vsb_content'>")
        if doc:
            att = f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid={900 + k}"
            page = page.replace(b"</body>", f"<p>附件【<a href='{att}'>年报.doc</a>】</p></body>".encode())
            s.add(att, doc, "application/msword")
            s.reports.append((att, year, "doc"))
        s.add(path, page)
        s.reports.append((path, year, "html"))
        note = f"/info/1025/{61600 + k}.htm"
        s.add(note, f"<html><title>{NOTICES[k]}</title><body>{NOTICES[k]}</body></html>")
        lists[k] += [(path, f"{s.body}{year}年政府信息公开工作年度报告"), (note, NOTICES[k])]
    # Static paging counts down: zfxxgknb.htm, then zfxxgknb/2.htm, zfxxgknb/1.htm.
    names = ["/xxgk/zfxxgknb.htm", "/xxgk/zfxxgknb/2.htm", "/xxgk/zfxxgknb/1.htm"]
    for k, name in enumerate(names):
        nxt = f"<a href='{names[k + 1]}'>下页</a>" if k + 1 < len(names) else ""
        s.add(name, listing(lists[k], f"<div class='pb_sys_common'>{nxt}</div>"))
    return s


def gkmlpt_site() -> Site:
    s = Site("www.gkmlpt-sample.gov.cn", "gkmlpt-sample", "某区人民政府", "gkmlpt", "/gkmlpt/index", province="广东")
    pdf = fixture("pdf-unruled-biaokou")
    config = {"SID": "755001", "TREE": [{"id": 1, "name": "政策文件"}, {"id": 27, "name": "政府信息公开年报"}]}
    s.add("/gkmlpt/index", f"<html><head><meta charset='utf-8'></head><body><div id='app'></div><script>"
                           f"window._CONFIG = {{SID: '755001', TREE: {json.dumps(config['TREE'], ensure_ascii=False)}}};"
                           f"</script></body></html>")
    articles = []
    for k, year in enumerate(YEARS):
        pid = 4688990 + k
        path = f"/gkmlpt/content/4/4688/post_{pid}.html"
        s.add(path, report_html(s.body, year))
        s.reports.append((path, year, "html"))
        att = []
        if pdf:
            a = f"/attachment/0/88/{88380 + k}/{pid}.pdf"
            s.add(a, pdf, "application/pdf")
            s.reports.append((a, year, "pdf"))
            att = [{"id": 88380 + k, "name": f"{year}年报.pdf", "url": a}]
        articles.append({"id": pid, "title": f"{s.body}{year}年政府信息公开工作年度报告", "url": path, "attachment": att})
        articles.append({"id": pid + 100, "title": NOTICES[k], "url": f"/gkmlpt/content/4/4688/post_{pid + 100}.html"})
    for page in (1, 2, 3):
        batch = articles[(page - 1) * 2: page * 2]
        s.add(f"/gkmlpt/api/all/27?page={page}&sid=755001",
              json.dumps({"classify": {"post_count": len(articles)}, "articles": batch}, ensure_ascii=False),
              "application/json")
    s.add("/gkmlpt/api/all/27?page=4&sid=755001", json.dumps({"articles": []}), "application/json")
    return s


def jeecms_site() -> Site:
    s = Site("www.jeecms-sample.gov.cn", "jeecms-sample", "某镇人民政府", "jeecms", "/zfxxgknb/index.jhtml",
             level="township", province="内蒙古")
    for k, year in enumerate(YEARS):
        path = f"/zfxxgknb/{1234 + k}.jhtml"
        s.add(path, report_html(s.body, year))
        s.reports.append((path, year, "html"))
        note = f"/zfxxgknb/{1300 + k}.jhtml"
        s.add(note, f"<html><title>{NOTICES[k]}</title><body>{NOTICES[k]}</body></html>")
        name = "/zfxxgknb/index.jhtml" if k == 0 else f"/zfxxgknb/index_{k + 1}.jhtml"
        s.add(name, listing([(path, f"{s.body}{year}年政府信息公开工作年度报告"), (note, NOTICES[k])]))
    s.add("/zfxxgknb/index_4.jhtml", listing([]))
    return s


def generic_site() -> Site:
    # Started from this year's homepage and from last year's two column paths,
    # which moved: one answers 301 to the new column, the other 404.
    s = Site("www.generic-sample.gov.cn", "generic-sample", "某乡人民政府", "generic", "/ /zfxxgknb/ /old/xxgknb/",
             level="township")
    s.add("/", "<html><head><meta charset='utf-8'><title>某乡人民政府</title></head><body><nav>"
               "<a href='/zwgk/'>政务公开</a><a href='/zwgk/xxgknb/'>政府信息公开年报</a>"
               "<a href='/news/'>新闻动态</a></nav></body></html>")
    lists = [[], [], []]
    for k, year in enumerate(YEARS):
        path = f"/zwgk/xxgknb/{year}.html"
        s.add(path, report_html(s.body, year))
        s.reports.append((path, year, "html"))
        lists[k] += [(path, f"{s.body}{year}年政府信息公开工作年度报告"),
                     (f"/news/{k}.html", NOTICES[k])]
        s.add(f"/news/{k}.html", f"<html><title>{NOTICES[k]}</title><body>{NOTICES[k]}</body></html>")
    # Hostile links on the first list page.
    lists[0] += [("/private/2020.html", f"{s.body}2020年政府信息公开工作年度报告（内部）"),
                 ("http://www.gov-cn-mirror.com:__PORT__/2023.html", f"{s.body}2023年政府信息公开工作年度报告（镜像）"),
                 ("/challenge/412.html", f"{s.body}2019年政府信息公开工作年度报告"),
                 ("/challenge/521.html", f"{s.body}2018年政府信息公开工作年度报告"),
                 ("/loop/cookie", f"{s.body}2017年政府信息公开工作年度报告"),
                 ("/loop/a", f"{s.body}2016年政府信息公开工作年度报告"),
                 ("/files/big.pdf", f"{s.body}2015年政府信息公开工作年度报告（扫描件）"),
                 ("http://www.slow-sample.gov.cn:__PORT__/2014.html", f"{s.body}2014年政府信息公开工作年度报告")]
    names = ["/zwgk/xxgknb/", "/zwgk/xxgknb/index_1.html", "/zwgk/xxgknb/index_2.html"]
    for k, name in enumerate(names):
        nxt = f"<a href='{names[k + 1]}'>下一页</a>" if k + 1 < len(names) else "<a href='/calendar?month=2024-01'>下一页</a>"
        s.add(name, listing(lists[k], nxt))
    s.add("/challenge/412.html", "<html><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};</script></html>", status=412)
    s.add("/challenge/521.html", "<script>document.cookie=('_')+('_jsl_clearance_s=1')+';path=/';"
                                 "location.href=location.pathname</script>", status=521)
    s.add("/zfxxgknb/", b"", status=301, headers={"Location": "/zwgk/xxgknb/"})  # moved this year
    s.add("/old/xxgknb/", "<html><body>404 页面不存在</body></html>", status=404)   # last year's path
    return s


def slow_site() -> Site:
    s = Site("www.slow-sample.gov.cn", "slow-sample", "某乡人民政府", "generic", "/2014.html", level="township")
    s.add("/2014.html", report_html("某乡人民政府", 2014))
    return s


def mirror_site(copy_of: bytes) -> Site:
    s = Site("www.gov-cn-mirror.com", "mirror", "镜像", "generic", "/2023.html")
    s.add("/2023.html", copy_of)
    return s


# -- the server ------------------------------------------------------------------------------

class SamplePortal:
    def __init__(self, workdir: Path | None = None, slow_seconds: float = 2.0):
        self.workdir = workdir
        self.sites: dict[str, Site] = {}
        for site in (trs_site("www.trs-sample.gov.cn", "trs-sample", "某县人民政府办公室", six_args=False, gbk=False),
                     trs_site("www.trs6-sample.gov.cn", "trs6-sample", "某市生态环境局", six_args=True, gbk=True),
                     hanweb_site(), vsb_site(), gkmlpt_site(), jeecms_site(), generic_site()):
            self.sites[site.host] = site
        slow = slow_site()
        slow.delay = slow_seconds
        self.sites[slow.host] = slow
        generic = self.sites["www.generic-sample.gov.cn"]
        self.sites["www.gov-cn-mirror.com"] = mirror_site(generic.pages["/zwgk/xxgknb/2023.html"].body)
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "SamplePortal":
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                portal.answer(self, b"")

            def do_POST(self):  # noqa: N802
                size = int(self.headers.get("Content-Length") or 0)
                portal.answer(self, self.rfile.read(size))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self) -> int:
        return self.server.server_port

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    # -- what the crawler needs --------------------------------------------------------------

    def scrapy_settings(self) -> dict:
        return {"DNS_RESOLVER": "crawler.resolver.MappedResolver",
                "TWISTED_DNS_RESOLVER": "crawler.resolver.MappedResolver",
                "NIANBAO_HOST_MAP": {host: "127.0.0.1" for host in self.sites}}

    def registry_csv(self) -> str:
        rows = ["id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,proxy_country,notes"]
        for site in self.sites.values():
            if site.portal in ("mirror", "slow-sample"):
                continue  # reached only through links
            starts = " ".join(self.url(site.host, p) for p in site.start.split())
            hosts = "www.slow-sample.gov.cn" if site.platform == "generic" else ""
            rows.append(f"{site.portal},{site.body},{site.level},{site.province},{site.platform},{starts},,{hosts},,,,"
                        "sample portal")
        return "\n".join(rows) + "\n"

    def expected(self) -> list[dict]:
        return [{"portal": s.portal, "url": self.url(s.host, path), "year": year, "kind": kind}
                for s in self.sites.values() if s.portal not in ("mirror", "slow-sample") for path, year, kind in s.reports]

    # -- mutations for re-crawl tests --------------------------------------------------------

    def change_report(self, portal: str, n: int = 0) -> str:
        site = next(s for s in self.sites.values() if s.portal == portal)
        path = [p for p, _, kind in site.reports if kind == "html"][n]
        site.pages[path].body = site.pages[path].body.replace(b"</body>", "<p>（更正）</p></body>".encode())
        return self.url(site.host, path)

    def delete_report(self, portal: str, n: int = 0) -> str:
        site = next(s for s in self.sites.values() if s.portal == portal)
        path = [p for p, _, kind in site.reports if kind == "html"][n]
        site.pages[path] = Page(b"<html><body>404</body></html>", status=404)
        return self.url(site.host, path)

    # -- answering ---------------------------------------------------------------------------

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        host = (handler.headers.get("Host") or "").split(":")[0]
        site = self.sites.get(host)
        path = handler.path if "://" not in handler.path else urlsplit(handler.path).path
        if site is None:
            return self.send(handler, 404, "text/plain", b"no such site")
        if site.delay:
            time.sleep(site.delay)
        if path == "/robots.txt":
            return self.send(handler, 200, "text/plain", ROBOTS)
        if path.startswith("/module/web/jpage/dataproxy.jsp"):
            return self.dataproxy(handler, site, path)
        if path.startswith("/calendar"):
            month = parse_qs(urlsplit(path).query).get("month", ["2024-01"])[0]
            y, m = (int(x) for x in month.split("-"))
            nxt = f"{y + (m == 12)}-{m % 12 + 1:02d}"
            return self.send(handler, 200, "text/html; charset=utf-8",
                             f"<html><body>{month}<a href='/calendar?month={nxt}'>下一页</a></body></html>".encode())
        if path == "/loop/cookie":  # sets a cookie and sends the client back to itself, forever
            return self.send(handler, 302, "text/html", b"", {"Location": "/loop/cookie", "Set-Cookie": "acw_tc=1; Path=/"})
        if path in ("/loop/a", "/loop/b"):
            return self.send(handler, 302, "text/html", b"", {"Location": "/loop/b" if path == "/loop/a" else "/loop/a"})
        if path == "/files/big.pdf":
            return self.big(handler)
        page = site.pages.get(path)
        if page is None:
            return self.send(handler, 404, "text/html; charset=utf-8", "<html><body>页面不存在</body></html>".encode())
        etag = '"' + hashlib.sha1(page.body).hexdigest()[:16] + '"'
        if page.status == 200 and handler.headers.get("If-None-Match") == etag:
            return self.send(handler, 304, page.ctype, b"", {"ETag": etag})
        body = page.body.replace(b"__PORT__", str(self.port).encode())  # absolute links to sibling hosts
        headers = dict(page.headers)
        if page.status == 200:
            headers["ETag"] = etag
            headers["Last-Modified"] = "Thu, 18 Jan 2024 08:00:00 GMT"
        self.send(handler, page.status, page.ctype, body, headers)

    def dataproxy(self, handler, site: Site, path: str) -> None:
        q = parse_qs(urlsplit(path).query)
        start, end = int(q.get("startrecord", ["1"])[0]), int(q.get("endrecord", ["1"])[0])
        rows = site.dataproxy
        chosen = rows[start - 1: end]
        xml = ("<?xml version='1.0' encoding='UTF-8'?><datastore><totalrecord>" + str(len(rows)) + "</totalrecord>"
               "<recordset>" + "".join(f"<record><![CDATA[{r}]]></record>" for r in chosen) + "</recordset></datastore>")
        self.send(handler, 200, "text/xml; charset=UTF-8", xml.encode())

    def big(self, handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        handler.send_header("Content-Length", str(BIG))
        handler.end_headers()
        chunk = b"%PDF-1.4\n" + b"0" * (1024 * 1024 - 9)
        try:
            for k in range(BIG // len(chunk)):
                handler.wfile.write(chunk if k == 0 else b"0" * len(chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler stopped reading at its size limit

    @staticmethod
    def send(handler, status: int, ctype: str, body: bytes, headers: dict | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        if body:
            handler.wfile.write(body)
