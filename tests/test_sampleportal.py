"""The sample portal (crawler/sampleportal): each imitation site answers as its CMS
family does, the hostile cases answer as they should, conditional GET and the
re-crawl mutations work, and Scrapy reaches the imitation host names through
crawler/resolver.py. Everything on 127.0.0.1."""
from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from crawler import registry
from crawler.sampleportal import SamplePortal

REPO = Path(__file__).resolve().parents[1]
TRS, TRS_GBK = "www.trs-sample.gov.cn", "www.trs-gbk-sample.gov.cn"
HANWEB, VSB, GKMLPT = "www.hanweb-sample.gov.cn", "www.vsb-sample.gov.cn", "www.gkmlpt-sample.gov.cn"
JEECMS, GENERIC = "www.jeecms-sample.gov.cn", "www.generic-sample.gov.cn"
MIRROR, SLOW = "www.gov-cn-mirror.com", "www.slow-sample.gov.cn"
MAGIC = {"pdf": b"%PDF", "docx": b"PK\x03\x04", "doc": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0"}
HANWEB_FORM = {"col": "1", "appid": "1", "webid": "52", "path": "/", "columnid": "123", "sourceContentType": "1",
               "unitid": "4567", "webname": "某市民政局", "permissiontype": "0"}


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with SamplePortal(tmp_path_factory.mktemp("portal"), slow_seconds=0.3) as p:
        yield p


def fetch(portal, host, path, method="GET", body=None, headers=None, limit=None):
    """(status, headers with lower-case names, body): to 127.0.0.1 with the site's Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=20)
    conn.request(method, path, body=body, headers={"Host": f"{host}:{portal.port}", **(headers or {})})
    resp = conn.getresponse()
    data = resp.read(limit) if limit else resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def path_of(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.hostname, parts.path + (f"?{parts.query}" if parts.query else "")


def hrefs(page: bytes, encoding: str = "utf-8") -> list[str]:
    return re.findall(r"href=['\"]([^'\"]+)['\"]", page.decode(encoding).replace("&amp;", "&"))


# -- TRS ------------------------------------------------------------------------------------------

def test_trs_pages_exist_only_as_create_page_html(portal):
    status, _, first = fetch(portal, TRS, "/zwgk/zfxxgknb/index.html")
    assert status == 200 and 'createPageHTML(3, 0, "index", "html")' in first.decode()
    assert "下一页" not in first.decode()  # paging is drawn by the script only
    assert fetch(portal, TRS, "/zwgk/zfxxgknb/")[2] == first  # the bare directory is page 1
    for k in (1, 2):
        status, _, page = fetch(portal, TRS, f"/zwgk/zfxxgknb/index_{k}.html")
        assert status == 200 and f'createPageHTML(3, {k}, "index", "html")' in page.decode()
    status, _, stub = fetch(portal, TRS, "/zwgk/zfxxgknb/index_3.html")  # one past the end: a dead stub
    assert status == 200 and len(stub) < 400 and "<li>" not in stub.decode()

    status, _, dept = fetch(portal, TRS, "/zwgk/zfxxgknb/bmnb/index.shtml")
    text = dept.decode()
    assert status == 200 and "var countPage = 3" in text and "var currentPage = 0" in text
    assert "createPageHTML(countPage, currentPage" in text
    assert fetch(portal, TRS, "/zwgk/zfxxgknb/bmnb/index_2.shtml")[0] == 200
    assert fetch(portal, TRS, "/zwgk/zfxxgknb/bmnb/index_3.shtml")[0] == 404

    status, _, gbk = fetch(portal, TRS_GBK, "/xxgk/zfxxgknb_73584/index.shtml")  # six arguments, 1-based
    assert status == 200 and "createPageHTML('page_div',3,1,'index','shtml',14)" in gbk.decode("gb18030")
    assert [fetch(portal, TRS_GBK, f"/xxgk/zfxxgknb_73584/index_{n}.shtml")[0] for n in (1, 2, 3)] == [404, 200, 200]


def test_trs_twins_and_attachments(portal):
    _, _, page = fetch(portal, TRS, "/zwgk/zfxxgknb/index.html")
    twins = [h for h in hrefs(page) if h.endswith("_wap.html")]
    assert twins and all(fetch(portal, TRS, "/zwgk/zfxxgknb/" + h[2:])[0] == 200 for h in twins)
    _, _, dept = fetch(portal, TRS, "/zwgk/zfxxgknb/bmnb/index.shtml")
    apps = [h for h in hrefs(dept) if h.endswith("_app.shtml")]
    assert apps and fetch(portal, TRS, "/zwgk/zfxxgknb/bmnb/" + apps[0][2:])[0] == 200

    report = next(e for e in portal.expected() if e["portal"] == "trs-sample" and e["kind"] == "html")
    host, path = path_of(report["url"])
    _, _, detail = fetch(portal, host, path)
    text = detail.decode()
    assert "appendix='true'" in text and "OLDSRC='/protect/" in text and "TRS_Editor" in text
    att = re.search(r"href='\./(P0\d{20}\.pdf)'", text).group(1)
    status, headers, pdf = fetch(portal, host, path.rsplit("/", 1)[0] + "/" + att)
    assert status == 200 and pdf.startswith(b"%PDF") and headers["content-type"] == "application/pdf"


def test_gbk_site_is_gb18030_bytes_declared_gb2312(portal):
    report = next(e for e in portal.expected() if e["portal"] == "trs-gbk-sample" and e["kind"] == "html")
    status, headers, page = fetch(portal, *path_of(report["url"]))
    assert status == 200 and headers["content-type"] == "text/html"  # only the meta tag declares it
    text = page.decode("gb18030")
    assert "charset=gb2312" in text and report["title"] in text and "王堃" in text
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        page.decode("gb2312")  # 堃 is GBK, not GB2312: a strict gb2312 decoder fails


# -- Hanweb -----------------------------------------------------------------------------------------

def dataproxy(portal, query: dict, form: dict | None, method="POST"):
    path = "/module/web/jpage/dataproxy.jsp?" + urlencode(query)
    if method == "GET":
        return fetch(portal, HANWEB, path + "&" + urlencode(form or {}))
    return fetch(portal, HANWEB, path, "POST", urlencode(form or {}).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                  "X-Requested-With": "XMLHttpRequest", "Referer": portal.url(HANWEB, "/col/col123/index.html")})


def records(xml: str) -> list[str]:
    return re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", xml, re.S)


def test_hanweb_island_and_dataproxy_groups(portal):
    _, _, column = fetch(portal, HANWEB, "/col/col123/index.html")
    text = column.decode()
    first = records(re.search(r'<script type="text/xml">(.*?)</script>', text, re.S).group(1))
    assert len(first) == 5 and "totalRecord:28" in text and "perPage:5" in text and "groupSize:3" in text
    assert "columnid:123" in text and "unitid:'4567'" in text

    status, headers, group = dataproxy(portal, {"startrecord": 6, "endrecord": 20, "perpage": 5}, HANWEB_FORM)
    xml = group.decode()
    assert status == 200 and headers["content-type"].startswith("text/xml")
    second = records(xml)
    assert len(second) == 15 and "<totalrecord>28</totalrecord>" in xml and "<nextgroup>" in xml
    _, _, last = dataproxy(portal, {"startrecord": 21, "endrecord": 35, "perpage": 5}, HANWEB_FORM)
    third = records(last.decode())
    assert len(third) == 8 and "<nextgroup>" not in last.decode()
    _, _, by_get = dataproxy(portal, {"startrecord": 21, "endrecord": 35, "perpage": 5}, HANWEB_FORM, "GET")
    assert by_get == last
    _, _, anonymous = dataproxy(portal, {"startrecord": 6, "endrecord": 20, "perpage": 5},
                                {k: v for k, v in HANWEB_FORM.items() if k != "columnid"})
    assert "<record>" not in anonymous.decode() and "<totalrecord>0</totalrecord>" in anonymous.decode()

    listed = {re.search(r"href='([^']+)'", r).group(1) for r in first + second + third}
    assert len(listed) == 28 and all(re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_123_\d+\.html", u) for u in listed)
    reports = {path_of(e["url"])[1] for e in portal.expected() if e["portal"] == "hanweb-sample"}
    assert {u for u in reports if u.startswith("/art/")} <= listed


def test_hanweb_details_report_column_and_xxgk_module(portal):
    expected = [e for e in portal.expected() if e["portal"] == "hanweb-sample"]
    down = next(e for e in expected if "downfile.jsp" in e["url"])
    status, headers, data = fetch(portal, *path_of(down["url"]))
    assert status == 200 and "attachment" in headers["content-disposition"] and data.startswith(MAGIC[down["kind"]])
    assert re.search(r"filename=[0-9a-f]{32}\.(pdf|docx)$", down["url"])
    _, _, column_report = fetch(portal, HANWEB, "/col/col90135/index.html")
    text = column_report.decode()
    assert "第二十条" in text and "<title>政府信息公开年度报告" in text and "ArticleTitle" not in text
    for e in expected:
        if "xxgkAnnualReport.jsp" in e["url"]:
            status, _, page = fetch(portal, *path_of(e["url"]))
            assert status == 200 and e["title"] in page.decode() and "id='zoom'" in page.decode()
    assert fetch(portal, HANWEB, "/module/xxgk/xxgkAnnualReport.jsp?area=12320100466012345X&fbtime=2019")[0] == 404


# -- VSB, gkmlpt, Jeecms, generic ------------------------------------------------------------------------

def test_vsb_static_and_dynamic_lists(portal):
    assert [fetch(portal, VSB, p)[0] for p in ("/xxgk/zfxxgknb.htm", "/xxgk/zfxxgknb/2.htm", "/xxgk/zfxxgknb/1.htm",
                                                "/xxgk/zfxxgknb/3.htm")] == [200, 200, 200, 404]
    _, _, first = fetch(portal, VSB, "/xxgk/zfxxgknb.htm")
    assert "zfxxgknb/2.htm" in hrefs(first) and "zfxxgknb/1.htm" in hrefs(first)  # 下页, 尾页 count down
    _, _, dyn = fetch(portal, VSB, "/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1026")
    assert "?totalpage=3&PAGENUM=2&urltype=tree.TreeTempUrl&wbtreeid=1026" in hrefs(dyn)
    page2_path = "/list.jsp?totalpage=3&PAGENUM=2&urltype=tree.TreeTempUrl&wbtreeid=1026"
    status, headers, page2 = fetch(portal, VSB, page2_path)
    assert status == 200 and page2 != dyn and "etag" not in headers  # a JSP: no validators
    report = next(e for e in portal.expected() if e["portal"] == "vsb-sample" and e["kind"] == "html")
    _, _, detail = fetch(portal, *path_of(report["url"]))
    assert "id='vsb_content'" in detail.decode() and "v_news_content" in detail.decode()
    att = next(h for h in hrefs(detail) if "download.jsp" in h)
    assert "urltype=news.DownloadAttachUrl" in att and "wbfileid=" in att
    status, headers, data = fetch(portal, VSB, att)
    assert status == 200 and data.startswith(MAGIC["doc"]) and "attachment" in headers["content-disposition"]


def test_gkmlpt_config_and_json_pages(portal):
    _, _, index = fetch(portal, GKMLPT, "/gkmlpt/index")
    text = index.decode()
    sid = re.search(r"SID:\s*'(\d+)'", text).group(1)
    tree = json.loads(re.search(r"TREE:\s*(\[.*?\]),\n", text).group(1))
    cat = next(c["id"] for c in tree if "年报" in c["name"])
    pages = [json.loads(fetch(portal, GKMLPT, f"/gkmlpt/api/all/{cat}?page={n}&sid={sid}")[2]) for n in range(5)]
    assert [len(p["articles"]) for p in pages] == [10, 10, 10, 5, 0]
    assert pages[0] == pages[1] and pages[1]["total"] == 25 and pages[1]["page_count"] == 3
    assert pages[1]["classify"]["post_count"] == 25
    art = next(a for p in pages for a in p["articles"] if a["attachment"])
    assert {"id", "title", "url", "date", "display_publish_time", "publisher"} <= set(art)
    assert re.search(r"/gkmlpt/content/\d+/\d+/post_\d+\.html$", art["url"])
    assert fetch(portal, *path_of(art["url"]))[0] == 200
    status, _, data = fetch(portal, *path_of(art["attachment"][0]["url"]))
    assert status == 200 and re.search(r"/attachment/\d+/\d+/\d+/\d+\.\w+$", art["attachment"][0]["url"])
    assert len(data) == art["attachment"][0]["size"]
    assert json.loads(fetch(portal, GKMLPT, f"/gkmlpt/api/all/{cat}?page=1&sid=1")[2])["articles"] == []


def test_jeecms_and_generic_lists(portal):
    lists = ("/zfxxgknb/index.jhtml", "/zfxxgknb/index_2.jhtml", "/zfxxgknb/index_3.jhtml", "/zfxxgknb/index_4.jhtml")
    assert [fetch(portal, JEECMS, p)[0] for p in lists] == [200, 200, 200, 404]
    _, _, home = fetch(portal, GENERIC, "/")
    assert re.search(r"href='/zwgk/xxgknb/'>政府信息公开年报<", home.decode())
    seen, path = [], "/zwgk/xxgknb/"
    while path and not path.startswith("/calendar") and len(seen) < 5:
        status, _, page = fetch(portal, GENERIC, path)
        assert status == 200
        seen.append(path)
        nxt = re.search(r"href='([^']+)'>下一页<", page.decode())
        path = nxt.group(1) if nxt else None
    assert seen == ["/zwgk/xxgknb/", "/zwgk/xxgknb/index_1.html", "/zwgk/xxgknb/index_2.html"]
    assert path == "/calendar?month=2024-01"  # the last page's 下一页 leads into the calendar trap
    kinds = {e["kind"] for e in portal.expected() if e["portal"] == "generic-sample"}
    assert {"html", "docx", "wps", "doc"} <= kinds


def test_moved_column_paths(portal):
    status, headers, _ = fetch(portal, GENERIC, "/xxgk/zfxxgknb/")
    assert status == 301 and headers["location"] == portal.url(GENERIC, "/zwgk/xxgknb/")
    assert fetch(portal, GENERIC, "/zwgk/xxgknb/2023n/")[0] == 404
    starts = {p.id: p.start_urls for p in registry.parse(portal.registry_csv()).portals}
    assert portal.url(GENERIC, "/xxgk/zfxxgknb/") in starts["generic-sample"]


# -- hostile cases ---------------------------------------------------------------------------------------

def test_hostile_answers(portal):
    status, _, body = fetch(portal, GENERIC, "/challenge/412.html")
    assert status == 412 and "$_ts=window['$_ts']" in body.decode()
    status, headers, body = fetch(portal, GENERIC, "/challenge/521.html")
    assert status == 521 and body.startswith(b"<script>document.cookie=") and "__jsluid_s" in headers["set-cookie"]
    for cookie in (None, "CT6T=312900"):  # a loop whether or not the cookie comes back
        status, headers, _ = fetch(portal, GENERIC, "/loop/cookie", headers={"Cookie": cookie} if cookie else {})
        assert status == 302 and headers["location"] == "/loop/cookie" and "set-cookie" in headers
    assert fetch(portal, GENERIC, "/loop/a")[1]["location"] == "/loop/b"
    assert fetch(portal, GENERIC, "/loop/b")[1]["location"] == "/loop/a"
    _, _, cal = fetch(portal, GENERIC, "/calendar?month=2099-12")
    assert "/calendar?month=2100-01" in hrefs(cal)

    status, headers, _ = fetch(portal, GENERIC, "/files/big.pdf", "HEAD")
    assert status == 200 and int(headers["content-length"]) == 50 * 1024 * 1024
    status, _, head = fetch(portal, GENERIC, "/files/big.pdf", limit=4096)  # streamed; we hang up early
    assert status == 200 and head.startswith(b"%PDF")
    assert fetch(portal, GENERIC, "/robots.txt")[0] == 200  # the server survived the hang-up

    t = time.monotonic()
    status, _, _ = fetch(portal, SLOW, "/xxgk/2014nb.html")
    assert status == 200 and time.monotonic() - t >= 0.3

    _, _, listing = fetch(portal, GENERIC, "/zwgk/xxgknb/")
    mirror_link = next(h for h in hrefs(listing) if MIRROR in h)
    status, _, copy = fetch(portal, *path_of(mirror_link))
    _, _, original = fetch(portal, GENERIC, path_of(mirror_link)[1])
    assert status == 200 and "澳门新葡京" in copy.decode() and "第二十条" in copy.decode()
    assert path_of(mirror_link)[1] in {path_of(e["url"])[1] for e in portal.expected()}  # same path as the original
    assert "gov-cn-mirror" not in {p.id for p in registry.parse(portal.registry_csv()).portals}
    assert original != copy


def test_robots_txt_on_every_host(portal):
    for host in portal.hosts():
        status, headers, body = fetch(portal, host, "/robots.txt")
        assert status == 200 and headers["content-type"].startswith("text/plain")
        assert body.decode().splitlines() == ["User-agent: *", "Disallow: /private/"]
    _, _, listing = fetch(portal, GENERIC, "/zwgk/xxgknb/")
    assert "/private/2020.html" in hrefs(listing) and fetch(portal, GENERIC, "/private/2020.html")[0] == 200


# -- everything expected is served; the registry -----------------------------------------------------------

def test_expected_reports_are_served_as_their_kind(portal):
    expected = portal.expected()
    assert {e["portal"] for e in expected} == {"trs-sample", "trs-gbk-sample", "hanweb-sample", "vsb-sample",
                                               "gkmlpt-sample", "jeecms-sample", "generic-sample"}
    assert len({e["url"] for e in expected}) == len(expected)
    for e in expected:
        status, _, data = fetch(portal, *path_of(e["url"]))
        assert status == 200, e
        if e["kind"] == "html":
            text = data.decode("gb18030" if e["portal"] == "trs-gbk-sample" else "utf-8")
            assert e["title"] in text and str(e["year"]) in e["title"]
        else:
            assert data.startswith(MAGIC[e["kind"]]), e
    assert not [e for e in expected if re.search(r"_(wap|app)\.s?html$", e["url"])]  # canonical URLs only


def test_registry_rows(portal):
    reg = registry.parse(portal.registry_csv())
    assert not reg.problems
    assert {p.platform for p in reg.portals} == set(registry.PLATFORMS)
    for p in reg.portals:
        for url in p.start_urls + p.report_urls:
            status = fetch(portal, *path_of(url))[0]
            assert status == 200 or (p.id == "generic-sample" and status in (301, 404)), url
    hanweb = next(p for p in reg.portals if p.id == "hanweb-sample")
    assert any("xxgkAnnualReport.jsp" in u for u in hanweb.report_urls)
    generic = next(p for p in reg.portals if p.id == "generic-sample")
    assert SLOW in generic.hosts


# -- conditional GET and mutations ----------------------------------------------------------------------

def test_conditional_get_and_mutations(tmp_path):
    with SamplePortal(tmp_path, sites=["trs-sample", "vsb"]) as p:
        assert set(p.hosts()) == {TRS, VSB}
        page = next(e for e in p.expected() if e["portal"] == "trs-sample" and e["kind"] == "html")
        host, path = path_of(page["url"])
        status, headers, body = fetch(p, host, path)
        etag, modified = headers["etag"], headers["last-modified"]
        assert status == 200 and etag and modified
        assert fetch(p, host, path, headers={"If-None-Match": etag})[0] == 304
        assert fetch(p, host, path, headers={"If-Modified-Since": modified})[0] == 304
        assert fetch(p, host, path, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
        assert fetch(p, host, path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200

        assert p.change_report("trs-sample", 0) == page["url"]
        status, headers, changed = fetch(p, host, path, headers={"If-None-Match": etag})
        assert status == 200 and changed != body and headers["etag"] != etag and "更正说明" in changed.decode()
        assert fetch(p, host, path, headers={"If-None-Match": headers["etag"]})[0] == 304

        pdf = next(k for k, e in enumerate(p.expected()) if e["portal"] == "trs-sample" and e["kind"] == "pdf")
        pdf_url = p.expected()[pdf]["url"]
        before = fetch(p, *path_of(pdf_url))[2]
        p.change_report("trs-sample", pdf)
        after = fetch(p, *path_of(pdf_url))[2]
        assert after != before and after.startswith(b"%PDF")

        gone = p.delete_report("vsb-sample", 0)
        status, headers, _ = fetch(p, *path_of(gone))
        assert status == 404 and "etag" not in headers
        assert fetch(p, *path_of(p.delete_report("vsb-sample", 1, status=410)))[0] == 410
        p.reset()
        assert fetch(p, *path_of(gone))[0] == 200 and fetch(p, host, path)[2] == body


# -- generated sites -----------------------------------------------------------------------------------------

def test_generated_sites_scale(tmp_path):
    t = time.monotonic()
    with SamplePortal(tmp_path, sites=6, reports_per_site=500) as p:
        assert time.monotonic() - t < 10
        reg = registry.parse(p.registry_csv())
        assert not reg.problems and len(reg.portals) == 6
        assert {x.platform for x in reg.portals} == set(registry.PLATFORMS)
        expected = p.expected()
        for portal in reg.portals:
            mine = [e for e in expected if e["portal"] == portal.id]
            assert len({e["title"] for e in mine}) == 500  # 500 reports, some with a file as well
            for url in portal.start_urls:
                assert fetch(p, *path_of(url))[0] == 200
            for e in (mine[0], mine[-1]):
                assert fetch(p, *path_of(e["url"]))[0] == 200, e
        files = [e for e in expected if e["kind"] == "pdf"][:2]
        a, b = (fetch(p, *path_of(e["url"]))[2] for e in files)
        assert a.startswith(b"%PDF") and b.startswith(b"%PDF") and a != b  # files of their own
        _, _, last = fetch(p, "www.jeecms004-sample.gov.cn", "/zfxxgknb/index_34.jhtml")
        assert "当前 34/34 页" in last.decode()


# -- Scrapy through crawler/resolver.py ----------------------------------------------------------------------

CRAWL = textwrap.dedent("""
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    settings, urls, out = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
    seen = {}

    class Probe(scrapy.Spider):
        name = "probe"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, callback=self.got, errback=self.failed, dont_filter=True)

        def start_requests(self):  # Scrapy < 2.13
            for url in urls:
                yield scrapy.Request(url, callback=self.got, errback=self.failed, dont_filter=True)

        def got(self, response):
            seen[response.url] = [response.status, response.text[:20000]]

        def failed(self, failure):
            resp = getattr(failure.value, "response", None)
            seen[failure.request.url] = [resp.status if resp is not None else repr(failure.value), ""]

    process = CrawlerProcess(dict(settings, LOG_LEVEL="ERROR", TELNETCONSOLE_ENABLED=False, ROBOTSTXT_OBEY=False,
                                  HTTPERROR_ALLOW_ALL=True, RETRY_ENABLED=False))
    process.crawl(Probe)
    process.start()
    open(out, "w").write(json.dumps(seen))
""")


@pytest.mark.parametrize("resolver", ["MappedHostnameResolver", "MappedResolver"])
def test_scrapy_reaches_the_sample_hosts_through_the_resolver(tmp_path, resolver):
    with SamplePortal(tmp_path, sites=["trs-sample", "gkmlpt-sample"]) as p:
        settings = p.scrapy_settings()
        setting = next(k for k in settings if k.endswith("DNS_RESOLVER"))
        settings[setting] = f"crawler.resolver.{resolver}"
        urls = [p.url(TRS, "/zwgk/zfxxgknb/index.html"), p.url(GKMLPT, "/gkmlpt/index"),
                f"http://localhost:{p.port}/robots.txt"]  # not in the map: resolved as usual
        out = tmp_path / "seen.json"
        run = subprocess.run([sys.executable, "-c", CRAWL, json.dumps(settings), json.dumps(urls), str(out)],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "DeprecationWarning" not in run.stderr, run.stderr[-3000:]
        seen = json.loads(out.read_text())
        assert seen[urls[0]][0] == 200 and "createPageHTML(3, 0" in seen[urls[0]][1]
        assert seen[urls[1]][0] == 200 and "_CONFIG" in seen[urls[1]][1]
        assert seen[urls[2]][0] == 404  # reached the server by the ordinary name: "no such site"
        assert {h for _, h, _, _ in p.requests} >= {TRS, GKMLPT, "localhost"}
