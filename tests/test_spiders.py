"""The platform spiders: their paging parsers and report recognition on markup written
from the research notes (research/portal-structures.md), their callbacks on
single pages, and real crawls of the sample portal (crawler/sampleportal)."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawler.items import ReportItem
from crawler.registry import Portal
from crawler.spiders.base import (ListSpider, PortalSpider, canonical, column_dir, has_report_form, is_attachment,
                                  is_report_title, maybe_report, report_year)
from crawler.spiders.generic import GenericSpider
from crawler.spiders.gkmlpt import GkmlptSpider, categories
from crawler.spiders.hanweb import HanwebSpider, dataproxy_requests, groups, jpage, record_links, records
from crawler.spiders.jeecms import JeecmsSpider, jeecms_pages
from crawler.spiders.trs import TrsSpider, report_parts, trs_pages
from crawler.spiders.vsb import VsbSpider, vsb_canonical, vsb_pages

REPO = Path(__file__).resolve().parents[1]


# -- recognising reports ---------------------------------------------------------------------

@pytest.mark.parametrize("title,year", [
    ("平武县人民政府办公室2023年政府信息公开工作年度报告", 2023),
    ("俵口镇2022年度政府信息公开工作报告", 2022),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", 2019),
    ("XX区2024年政务公开工作年度报告", 2024),
    ("政府信息公开工作年度报告（2023年）", 2023),
    ("某市生态环境局2023年度政府信息公开工作年度报告", 2023),
    ("某县财政局2023年信息公开年报", 2023),
    ("某乡2021年政府信息公开年度报告", 2021),
    ("某镇二〇二二年政府信息公开工作年度报告", 2022),
    ("某县人民政府办公室 2024 年政府信息公开工作年度报告_某县人民政府", 2024),
    ("某街道２０２３年政府信息公开工作年度报告", 2023),            # full-width digits
    ("三亚市海棠区2015年政府信息公开工作情况报告", 2015),           # the pre-2019 wording
])
def test_report_titles_and_their_year(title, year):
    assert report_year(title) == year
    assert is_report_title(title)


@pytest.mark.parametrize("title", [
    "关于春节放假安排的通知",
    "2023年政府信息公开工作要点",
    "2024年政务公开工作要点",
    "关于做好2024年度政府信息公开工作年度报告编制发布工作的通知",   # names the report, is a notice
    "关于报送2023年政府信息公开工作年度报告的通知",
    "图解：某县2023年政府信息公开工作年度报告",
    "某县2023年政府信息公开工作年度报告解读",
    "2024年法治政府建设情况报告",
    "2023年度部门决算公开说明",
    "关于2024年第四季度政府网站检查情况的通报",
    "政府信息公开指南",
    "2023年政府工作报告",
    "1999年政府信息公开工作年度报告",   # before any disclosure rules: not a year a report can have
])
def test_other_titles_are_not_reports(title):
    assert report_year(title) is None
    assert not is_report_title(title)


def test_a_report_title_without_a_year():
    assert is_report_title("政府信息公开工作年报") and report_year("政府信息公开工作年报") is None


@pytest.mark.parametrize("text,ok", [("", True), ("2023年", True), ("2023年度", True), ("某县2023年政府信息公开…", True),
                                     ("关于春节放假安排的通知", False), ("工作动态…", False)])
def test_link_text_that_does_not_rule_a_report_out(text, ok):
    assert maybe_report(text) is ok


def test_report_form_in_the_text():
    text = "某县2023年政府信息公开工作年度报告 二、主动公开政府信息情况 第二十条第（一）项 信息内容 规章"
    assert has_report_form(text)
    assert has_report_form(text.replace("（一）", "(一)"))
    assert not has_report_form("政府信息公开年度报告 栏目 列表")


@pytest.mark.parametrize("url,ok", [
    ("http://a.gov.cn/zfxxgknb/202401/P020240118512345678901.pdf", True),
    ("http://a.gov.cn/nb/202502/P020250210600360721175.xlsx", True),
    ("http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=2f8e3c0b9a7d4e6f8a1b2c3d4e5f6a7b.pdf", True),
    ("http://a.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1234&wbfileid=8765", True),
    ("http://www.gd.gov.cn/attachment/0/88/88389/963149.pdf", True),
    ("http://a.gov.cn/uploadfiles/202401/20240118093012345.wps", True),
    ("http://a.gov.cn/u/cms/www/202401/15123456a.docx", True),
    ("http://a.gov.cn/zfxxgknb/202401/W020240118.jpg", True),
    ("http://a.gov.cn/nb/年报.ZIP", True),
    ("http://a.gov.cn/zfxxgknb/202401/t20240118_12842739.html", False),
    ("http://a.gov.cn/art/2024/1/22/art_1229445040_4107020.html", False),
])
def test_attachment_links(url, ok):
    assert is_attachment(url) is ok


def test_twins_fold_onto_the_page():
    assert canonical("http://a.gov.cn/nb/202401/t20240118_1_wap.html#top") == \
        "http://a.gov.cn/nb/202401/t20240118_1.html"
    assert canonical("http://a.gov.cn/nb/t20260128_4233432_app.shtml") == "http://a.gov.cn/nb/t20260128_4233432.shtml"
    assert canonical("http://a.gov.cn/nb/wap_index.html") == "http://a.gov.cn/nb/wap_index.html"
    assert vsb_canonical("http://a.gov.cn/content.jsp?urltype=news.NewsContentUrl&wbtreeid=1025&wbnewsid=61695") \
        == "http://a.gov.cn/info/1025/61695.htm"


def test_column_directories():
    assert column_dir("http://a.gov.cn/zwgk/zfxxgknb/index.html") == "/zwgk/zfxxgknb/"
    assert column_dir("http://a.gov.cn/zwgk/zfxxgknb/") == "/zwgk/zfxxgknb/"
    assert column_dir("http://a.gov.cn/xxgk/zfxxgknb.htm") == "/xxgk/zfxxgknb/"   # VSB: pages in zfxxgknb/N.htm


# -- TRS createPageHTML ------------------------------------------------------------------------

def test_trs_zero_based_four_arguments():
    html = '<div class="page"><script type="text/javascript">createPageHTML(3, 0, "index", "html");</script></div>'
    assert trs_pages("http://a.gov.cn/zfxxgknb/index.html", html) == [
        "http://a.gov.cn/zfxxgknb/index.html", "http://a.gov.cn/zfxxgknb/index_1.html",
        "http://a.gov.cn/zfxxgknb/index_2.html"]


def test_trs_one_based_six_arguments():
    html = "<div id='page_div'></div><script>createPageHTML('page_div',3,1,'index','shtml',45);</script>"
    assert trs_pages("http://a.gov.cn/nb/index.shtml", html) == [
        "http://a.gov.cn/nb/index.shtml", "http://a.gov.cn/nb/index_2.shtml", "http://a.gov.cn/nb/index_3.shtml"]
    # the same call read on page 2 (index_2.shtml, current 2) gives the same pages
    later = "<script>createPageHTML('page_div',3,2,'index','shtml',45);</script>"
    assert trs_pages("http://a.gov.cn/nb/index_2.shtml", later) == trs_pages("http://a.gov.cn/nb/index.shtml", html)


def test_trs_count_page_variables_with_comments_and_a_bare_directory():
    html = ("<script type='text/javascript'>var currentPage = 0;//所在页从0开始\nvar prevPage = currentPage-1//上一页\n"
            "var nextPage = currentPage+1//下一页\nvar countPage = 2//共多少页\n"
            "createPageHTML(countPage, currentPage, \"index\", \"html\");</script>")
    assert trs_pages("http://a.gov.cn/nb/", html) == ["http://a.gov.cn/nb/index.html",
                                                      "http://a.gov.cn/nb/index_1.html"]


def test_trs_page_one_says_which_convention():
    # A four-argument call whose page 1 says current = 1: this site counts from 1.
    html = 'createPageHTML(3, 1, "index", "htm");'
    assert [u.rsplit("/", 1)[1] for u in trs_pages("http://a.gov.cn/nb/index.htm", html)] == \
        ["index.htm", "index_2.htm", "index_3.htm"]


def test_trs_inline_function_definition_is_not_a_call():
    html = ("<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) { return; }\n"
            "createPageHTML(2, 0, \"index\", \"html\");</script>")
    assert len(trs_pages("http://a.gov.cn/nb/index.html", html)) == 2


def test_trs_single_page_and_split_reports():
    assert trs_pages("http://a.gov.cn/nb/index.html", 'createPageHTML(1, 0, "index", "html");') == \
        ["http://a.gov.cn/nb/index.html"]
    assert trs_pages("http://a.gov.cn/nb/index.html", "<ul><li>no script</li></ul>") == []
    parts = report_parts("http://a.gov.cn/nb/201510/t20151009_67430.shtml",
                         'createPageHTML(3, 0, "t20151009_67430", "shtml");')
    assert parts == ["http://a.gov.cn/nb/201510/t20151009_67430_1.shtml",
                     "http://a.gov.cn/nb/201510/t20151009_67430_2.shtml"]


# -- Hanweb --------------------------------------------------------------------------------------

HANWEB_COLUMN = """<div class='default_pgContainer' id="4567"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=52&path=/&columnid=1229&unitid=4567&webname=某县&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[
<li><a href='/art/2024/1/22/art_1229_4107020.html' title='某县2023年政府信息公开工作年度报告' target='_blank'>某县2023年政府信息公开…</a><span>2024-01-22</span></li>
]]></record>
<record><![CDATA[<li><a href='/art/2024/1/5/art_1229_4100000.html' title='关于春节放假安排的通知'>关于春节放假安排的通知</a></li>]]></record>
</recordset></datastore></script></div>
<script>$(document).ready(function(){ $('#4567').jpage({containerid:'4567', totalRecord:70, perPage:15, groupSize:3,
proxyUrl:'/module/web/jpage/dataproxy.jsp', barPosition:'bottom', ajaxParam:{col:1, appid:1, webid:52, path:'/',
columnid:1229, sourceContentType:1, unitid:'4567', webname:'某县', permissiontype:0}}); });</script>"""


def test_hanweb_island_and_dataproxy_groups():
    assert len(records(HANWEB_COLUMN)) == 2
    assert record_links(HANWEB_COLUMN)[0] == ("/art/2024/1/22/art_1229_4107020.html", "某县2023年政府信息公开工作年度报告")
    assert [u for u, _ in dataproxy_requests(HANWEB_COLUMN)] == [
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
        "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=70&perpage=15"]
    form = dataproxy_requests(HANWEB_COLUMN)[0][1]
    assert form == {"col": "1", "appid": "1", "webid": "52", "path": "/", "columnid": "1229",
                    "sourceContentType": "1", "unitid": "4567", "webname": "某县", "permissiontype": "0"}


def test_hanweb_without_jpage_call_asks_for_one_group_then_reads_totalrecord():
    island_only = HANWEB_COLUMN.split("<script>$(document)")[0]
    setup = jpage(island_only)
    assert setup["total"] is None and setup["form"]["columnid"] == "1229"
    assert groups(setup) == [("startrecord=1&endrecord=45&perpage=15", 3)]
    assert groups({**setup, "total": 100}, 1) == [("startrecord=46&endrecord=90&perpage=15", 3),
                                                   ("startrecord=91&endrecord=100&perpage=15", 1)]


def test_hanweb_a_short_column_needs_no_dataproxy():
    assert dataproxy_requests(HANWEB_COLUMN.replace("totalRecord:70", "totalRecord:2")) == []


# -- VSB, gkmlpt, Jeecms -----------------------------------------------------------------------

def test_vsb_static_pages_count_down():
    hrefs = ["http://a.gov.cn/xxgk/zfxxgknb/4.htm", "http://a.gov.cn/xxgk/zfxxgknb/1.htm",
             "http://a.gov.cn/info/1025/61695.htm"]
    assert vsb_pages("http://a.gov.cn/xxgk/zfxxgknb.htm", hrefs) == [
        f"http://a.gov.cn/xxgk/zfxxgknb/{n}.htm" for n in (4, 3, 2, 1)]


def test_vsb_list_jsp_pages():
    href = "http://a.gov.cn/list.jsp?totalpage=3&PAGENUM=2&urltype=tree.TreeTempUrl&wbtreeid=1025"
    pages = vsb_pages("http://a.gov.cn/list.jsp?urltype=tree.TreeTempUrl&wbtreeid=1025", [href])
    assert [p.split("PAGENUM=")[1][:1] for p in pages] == ["1", "2", "3"]
    component = "http://a.gov.cn/zhaopin.jsp?a165823t=3&a165823p=2&a165823c=10&urltype=tree.TreeTempUrl&wbtreeid=1003"
    pages = vsb_pages("http://a.gov.cn/zhaopin.jsp?urltype=tree.TreeTempUrl&wbtreeid=1003", [component])
    assert [urlsplit(p).query.split("&")[1] for p in pages] == ["a165823p=1", "a165823p=2", "a165823p=3"]


GKMLPT_INDEX = """<div id='app'></div><script>window._CONFIG = {
  SID: '755041',
  TREE: [{id: 2590, name: '政策文件', parent: 0, jump_url: '', post_count: 120},
         {"id": 2729, "name": "政府信息公开年报", "parent": 0, "post_count": 25},
         {name: '政府信息公开工作年度报告', id: 2730, parent: 2729}],
  PLATFORM: 'gkmlpt'};</script>"""


def test_gkmlpt_config():
    assert categories(GKMLPT_INDEX) == ("755041", [2729, 2730])
    assert categories("<html>no config</html>") == (None, [])


def test_jeecms_pages():
    base = "http://a.gov.cn/zfxxgknb"
    hrefs = [f"{base}/index.jhtml", f"{base}/index_2.jhtml", f"{base}/index_4.jhtml", f"{base}/1234.jhtml"]
    assert jeecms_pages(f"{base}/index.jhtml", hrefs, True) == [f"{base}/index_{n}.jhtml" for n in (2, 3, 4)]
    # no pager: the next number while the page lists articles, nothing once it lists none
    assert jeecms_pages(f"{base}/index_2.jhtml", [f"{base}/1234.jhtml"], True) == [f"{base}/index_3.jhtml"]
    assert jeecms_pages(f"{base}/index_3.jhtml", [], False) == []


# -- the spiders' callbacks on single pages -----------------------------------------------------

def portal(platform: str, start: str, reports: tuple = (), hosts: tuple = ()) -> Portal:
    return Portal(id="t", body="某县人民政府", level="county", province="四川", platform=platform,
                  start_urls=(start,), report_urls=reports, hosts=hosts)


def page(url: str, body: str | bytes, role: str = "list", cls=HtmlResponse, encoding: str = "utf-8",
         ctype: str = "text/html; charset=utf-8", **meta) -> TextResponse:
    request = scrapy.Request(url, meta={"nianbao": {"portal": "t", "platform": "x", "role": role, "list_page": None,
                                                    "anchor": None}, "depth": 0, **meta})
    data = body.encode(encoding) if isinstance(body, str) else body
    return cls(url=url, body=data, encoding=encoding, request=request, headers={"Content-Type": ctype})


def requests_of(out) -> list[scrapy.Request]:
    return [r for r in out if isinstance(r, scrapy.Request)]


def items_of(out) -> list[ReportItem]:
    return [i for i in out if isinstance(i, ReportItem)]


TRS_LIST = """<html><head><meta charset="utf-8"><title>政府信息公开年报_某县人民政府</title></head><body>
<div class='location'><a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a> &gt; <a href='/zwgk/zfxxgknb/'>政府信息公开年报</a></div>
<ul class='subnav'><li><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></li><li><a href="/zwgk/zfxxgknb/bmnb/">部门信息公开年报</a></li></ul>
<div class="overview_right"><ul class="xwzx_list">
<li><a href="./202401/t20240118_3541129.html" title="某县人民政府2023年政府信息公开工作年度报告">某县人民政府2023年政府信息公开工作年度报告</a><span class="date">2024-01-18</span></li>
<li><a href="./202401/t20240110_3541000.html" title="关于做好春节期间安全生产工作的通知">关于做好春节期间安全生产工作的通知</a><span class="date">2024-01-10</span></li>
<li><a href="./202301/P020230118512345678901.pdf" title="某县人民政府2022年政府信息公开工作年度报告">某县人民政府2022年政府信息公开工作年度报告</a></li>
<li><a href="http://www.gov-cn-mirror.com/zwgk/t1.html">某县人民政府2021年政府信息公开工作年度报告</a></li>
</ul><div class="page"><script type="text/javascript">createPageHTML(60, 0, "index", "html");</script></div></div>
<ul class='m-list' style='display:none'><li><a href="./202401/t20240118_3541129_wap.html">某县人民政府2023年政府信息公开工作年度报告</a></li></ul>
</body></html>"""


def test_trs_list_page_requests():
    spider = TrsSpider(portal=portal("trs", "http://www.a.gov.cn/zwgk/zfxxgknb/index.html"))
    spider.max_list_pages = 5
    out = requests_of(spider.parse_page(page("http://www.a.gov.cn/zwgk/zfxxgknb/index.html", TRS_LIST, role="seed")))
    roles = {}
    for r in out:
        roles.setdefault(r.meta["nianbao"]["role"], []).append(r.url)
        assert r.meta["nianbao"]["portal"] == "t" and r.meta["nianbao"]["platform"] == "trs"
    assert roles["detail"] == ["http://www.a.gov.cn/zwgk/zfxxgknb/202401/t20240118_3541129.html"]  # twin folded
    assert roles["attachment"] == ["http://www.a.gov.cn/zwgk/zfxxgknb/202301/P020230118512345678901.pdf"]
    # 60 pages announced, 5 allowed per column (page 1 counts): index_1 … index_4
    assert roles["list"] == [f"http://www.a.gov.cn/zwgk/zfxxgknb/index_{k}.html" for k in range(1, 5)]
    assert all(r.meta["depth_reset"] for r in out if r.meta["nianbao"]["role"] == "list")
    assert roles["column"] == ["http://www.a.gov.cn/zwgk/zfxxgknb/bmnb/"]  # its own link is not a new column
    assert not [u for us in roles.values() for u in us if "mirror" in u or "t20240110" in u]
    detail = next(r for r in out if r.meta["nianbao"]["role"] == "detail")
    assert detail.meta["nianbao"]["list_page"] == "http://www.a.gov.cn/zwgk/zfxxgknb/index.html"
    assert detail.meta["nianbao"]["anchor"] == "某县人民政府2023年政府信息公开工作年度报告"
    assert detail.meta["nianbao_twin"].endswith("/202401/t20240118_3541129_wap.html")  # noted, not fetched


TRS_REPORT = """<html><head><meta charset="gb2312"><title>某县人民政府2023年政府信息公开工作年度报告_某县人民政府</title>
<meta name='ArticleTitle' content='某县人民政府2023年政府信息公开工作年度报告'></head><body>
<div class='TRS_Editor'><div class='trs_editor_view'><p>一、总体情况</p><p>第二十条第（一）项</p></div></div>
<div id='id_tblAppendix'><p>附件：</p><p class='insertfileTag'><img src='/images/icon/pdf.gif'>
<a href='./P020240118512345678901.pdf' appendix='true' OLDSRC='/protect/P0202401/P020240118/P020240118512345678901.pdf'
title='年度报告.pdf'>年度报告.pdf</a></p></div>
<script>var appendixList = ['./P020240118999999999999.pdf'];</script>
<a href='http://www.gov-cn-mirror.com/a.pdf'>镜像.pdf</a></body></html>"""


def test_report_page_item_and_attachments():
    spider = TrsSpider(portal=portal("trs", "http://www.a.gov.cn/zwgk/zfxxgknb/index.html"))
    url = "http://www.a.gov.cn/zwgk/zfxxgknb/202401/t20240118_3541129.html"
    out = list(spider.parse_page(page(url, TRS_REPORT, role="detail", encoding="gb18030",
                                      capture={"id": 7, "sha256": "ab"})))
    (item,) = items_of(out)
    assert (item.url, item.year, item.role, item.capture_id, item.sha256) == (url, 2023, "page", 7, "ab")
    assert item.title == "某县人民政府2023年政府信息公开工作年度报告"
    (att,) = requests_of(out)  # the linked file only: not OLDSRC, not the inline script, not the mirror
    assert att.url == "http://www.a.gov.cn/zwgk/zfxxgknb/202401/P020240118512345678901.pdf"
    assert att.meta["nianbao"]["role"] == "attachment" and att.meta["nianbao"]["list_page"] == url
    assert att.meta["report"] == {"title": item.title, "year": 2023}
    pdf = scrapy.http.Response(att.url, body=b"%PDF-1.4 ...",
                               request=att.replace(meta={**att.meta, "capture": {"id": 8}}))
    (file_item,) = items_of(spider.parse_attachment(pdf))
    assert (file_item.role, file_item.year, file_item.list_page, file_item.capture_id) == ("attachment", 2023, url, 8)


def test_blocked_and_error_answers_yield_nothing():
    spider = TrsSpider(portal=portal("trs", "http://www.a.gov.cn/zwgk/zfxxgknb/index.html"))
    url = "http://www.a.gov.cn/zwgk/zfxxgknb/202401/t20240118_3541129.html"
    assert list(spider.parse_page(page(url, TRS_REPORT, capture={"outcome": "blocked"}))) == []
    error = page(url.replace(".html", ".pdf"), "<html><title>文件不存在</title><body>404</body></html>", role="attachment")
    assert list(spider.parse_attachment(error)) == []


def test_a_column_page_that_is_the_report():
    spider = HanwebSpider(portal=portal("hanweb", "http://www.b.gov.cn/col/col90135/index.html"))
    body = ("<html><head><title>政府信息公开年度报告 某市民政局</title><meta name='ColumnName' content='政府信息公开年度报告'>"
            "</head><body><div id='zoom'><p style='text-align:center'><strong>某市民政局2020年政府信息公开工作年度报告"
            "</strong></p><p>二、主动公开政府信息情况</p><table><tr><td>第二十条第（一）项</td></tr></table>"
            "<p>本年新收政府信息公开申请数量</p></div></body></html>")
    (item,) = items_of(spider.parse_page(page("http://www.b.gov.cn/col/col90135/index.html", body, role="seed")))
    assert item.year == 2020 and item.role == "page"


def test_a_list_titled_like_a_report_is_a_list():
    spider = GenericSpider(portal=portal("generic", "http://www.c.gov.cn/"))
    rows = "".join(f"<li><a href='/nb/2023/{k}.html'>某{k}镇2023年政府信息公开工作年度报告</a></li>" for k in range(4))
    body = f"<html><head><title>2023年政府信息公开工作年度报告</title></head><body><ul>{rows}</ul></body></html>"
    out = list(spider.parse_page(page("http://www.c.gov.cn/nb/2023/", body, role="column")))
    assert not items_of(out) and len([r for r in out if r.meta["nianbao"]["role"] == "detail"]) == 4


def test_hanweb_column_and_dataproxy_answer():
    spider = HanwebSpider(portal=portal("hanweb", "http://www.b.gov.cn/col/col1229/index.html"))
    out = requests_of(spider.parse_page(page("http://www.b.gov.cn/col/col1229/index.html",
                                             f"<html><body>{HANWEB_COLUMN}</body></html>", role="seed")))
    details = [r.url for r in out if r.meta["nianbao"]["role"] == "detail"]
    assert details == ["http://www.b.gov.cn/art/2024/1/22/art_1229_4107020.html"]   # the notice is skipped
    posts = [r for r in out if r.method == "POST"]
    assert [r.url.split("?")[1] for r in posts] == ["startrecord=1&endrecord=45&perpage=15",
                                                   "startrecord=46&endrecord=70&perpage=15"]
    assert b"columnid=1229" in posts[0].body and posts[0].headers["X-Requested-With"] == b"XMLHttpRequest"
    answer = ("<?xml version='1.0' encoding='UTF-8'?><datastore><recordset><record><![CDATA[<li><a href='/art/2023/1/5/"
              "art_1229_3900000.html' title='某县2022年政府信息公开工作年度报告'>某县2022年…</a></li>]]></record>"
              "</recordset><totalrecord>70</totalrecord></datastore>")
    resp = page(posts[0].url, answer, cls=XmlResponse, ctype="text/xml;charset=UTF-8", column=posts[0].meta["column"],
                jpage=None)
    (detail,) = requests_of(spider.parse_dataproxy(resp))
    assert detail.url == "http://www.b.gov.cn/art/2023/1/5/art_1229_3900000.html"
    assert detail.meta["nianbao"]["list_page"] == posts[0].url


def test_gkmlpt_catalogue_and_api_pages():
    spider = GkmlptSpider(portal=portal("gkmlpt", "http://www.d.gov.cn/gkmlpt/index"))
    out = requests_of(spider.parse_page(page("http://www.d.gov.cn/gkmlpt/index", GKMLPT_INDEX, role="seed")))
    assert [r.url for r in out] == ["http://www.d.gov.cn/gkmlpt/api/all/2729?page=1&sid=755041",
                                    "http://www.d.gov.cn/gkmlpt/api/all/2730?page=1&sid=755041"]
    data = {"classify": {"id": 2729, "post_count": 5}, "articles": [
        {"id": 4688997, "title": "某区2023年政府信息公开工作年度报告", "url": "http://www.d.gov.cn/gkmlpt/content/4/4688/post_4688997.html",
         "attachment": [{"id": 88389, "name": "年报.pdf", "url": "http://www.d.gov.cn/attachment/0/88/88389/4688997.pdf"}]},
        {"id": 4688990, "title": "2024年政务公开工作要点", "url": "http://www.d.gov.cn/gkmlpt/content/4/4688/post_4688990.html"}]}
    api = page(out[0].url, json.dumps(data, ensure_ascii=False), cls=TextResponse, ctype="application/json",
               column=out[0].meta["column"], gkmlpt=out[0].meta["gkmlpt"])
    got = requests_of(spider.parse_api(api))
    assert [(r.meta["nianbao"]["role"], r.url.rsplit("/", 1)[1]) for r in got] == [
        ("detail", "post_4688997.html"), ("attachment", "4688997.pdf"),
        ("list", "2729?page=2&sid=755041"), ("list", "2729?page=3&sid=755041")]
    assert got[1].meta["nianbao"]["list_page"] == data["articles"][0]["url"]


def test_generic_homepage_finds_the_column_or_its_hub():
    spider = GenericSpider(portal=portal("generic", "http://www.e.gov.cn/", hosts=("www.zfxxgk.e.gov.cn",)))
    home = ("<html><body><ul><li><a href='/'>首页</a></li><li><a href='/zwgk/'>政务公开</a></li>"
            "<li><a href='/zwgk/xxgknb/'>政府信息公开年报</a></li><li><a href='/news/'>新闻动态</a></li>"
            "<li><a href='/bsfw/'>办事服务</a></li><li><a href='http://www.zfxxgk.e.gov.cn/ndbg/'>年度报告</a></li>"
            "<li><a href='http://casino.example.com/zfxxgknb/'>政府信息公开年报</a></li>"
            "<li><a href='http://www.gd.gov.cn/zfxxgknb/'>省政府信息公开年报</a></li></ul></body></html>")
    out = requests_of(spider.parse_page(page("http://www.e.gov.cn/", home, role="seed")))
    assert [(r.url, r.meta["nianbao"]["role"]) for r in out] == [
        ("http://www.e.gov.cn/zwgk/xxgknb/", "column"), ("http://www.zfxxgk.e.gov.cn/ndbg/", "column")]
    # (another government's column, even on *.gov.cn, is not this portal's: navigation stays on its hosts)
    # no 年报 link on the homepage: its 政府信息公开 hub, one hop
    spider = GenericSpider(portal=portal("generic", "http://www.f.gov.cn/"))
    home = "<html><body><a href='/zfxxgk/'>政府信息公开</a><a href='/news/'>新闻动态</a></body></html>"
    (hub,) = requests_of(spider.parse_page(page("http://www.f.gov.cn/", home, role="seed")))
    assert hub.url == "http://www.f.gov.cn/zfxxgk/" and hub.meta["nianbao"]["role"] == "column"
    hub_page = "<html><body><a href='/zfxxgk/fdzdgknr/'>法定主动公开内容</a><a href='/zfxxgk/jg/'>政府信息公开</a></body></html>"
    assert requests_of(spider.parse_page(page(hub.url, hub_page, role="column"))) == []  # no hub of a hub


def test_generic_next_links_stay_in_the_column():
    spider = GenericSpider(portal=portal("generic", "http://www.e.gov.cn/"))
    body = ("<html><body><ul><li><a href='/zwgk/xxgknb/202401/3337.html'>某乡2023年政府信息公开工作年度报告</a></li></ul>"
            "<a href='/calendar?month=2024-01'>下一页</a></body></html>")
    resp = page("http://www.e.gov.cn/zwgk/xxgknb/index_2.html", body, column="http://www.e.gov.cn/zwgk/xxgknb/")
    assert [r.meta["nianbao"]["role"] for r in requests_of(spider.parse_page(resp))] == ["detail"]
    body = body.replace("/calendar?month=2024-01", "index_3.html")
    assert [r.url for r in requests_of(spider.parse_page(resp.replace(body=body.encode())))][-1] == \
        "http://www.e.gov.cn/zwgk/xxgknb/index_3.html"


def test_vsb_static_column_page():
    spider = VsbSpider(portal=portal("vsb", "http://www.g.gov.cn/xxgk/zfxxgknb.htm"))
    body = ("<html><body><ul><li><a href='../info/1025/61695.htm' title='某县2023年政府信息公开工作年度报告'>某县2023年…</a></li>"
            "<li><a href='../content.jsp?urltype=news.NewsContentUrl&wbtreeid=1025&wbnewsid=61690'>2022年</a></li></ul>"
            "<td class='pb_sys_common'><span class='p_next p_fun'><a href='zfxxgknb/3.htm'>下页</a></span>"
            "<span class='p_last p_fun'><a href='zfxxgknb/1.htm'>尾页</a></span></td></body></html>")
    out = requests_of(spider.parse_page(page("http://www.g.gov.cn/xxgk/zfxxgknb.htm", body, role="seed")))
    assert [(r.meta["nianbao"]["role"], r.url) for r in out] == [
        ("detail", "http://www.g.gov.cn/info/1025/61695.htm"), ("detail", "http://www.g.gov.cn/info/1025/61690.htm"),
        ("list", "http://www.g.gov.cn/xxgk/zfxxgknb/3.htm"), ("list", "http://www.g.gov.cn/xxgk/zfxxgknb/2.htm"),
        ("list", "http://www.g.gov.cn/xxgk/zfxxgknb/1.htm")]


def test_jeecms_and_known_report_urls():
    spider = JeecmsSpider(portal=portal("jeecms", "http://guyang.gov.cn/jdbsc/index.jhtml",
                                        reports=("http://guyang.gov.cn/jdbsc/24971296.jhtml",)))
    starts = list(spider.start_requests())
    assert [(r.url, r.meta["nianbao"]["role"]) for r in starts] == [
        ("http://guyang.gov.cn/jdbsc/index.jhtml", "seed"), ("http://guyang.gov.cn/jdbsc/24971296.jhtml", "detail")]


def test_spiders_need_a_portal():
    with pytest.raises(ValueError):
        TrsSpider()


def test_base_classes_guard_against_traps():
    assert PortalSpider.custom_settings["DEPTH_LIMIT"] <= 10
    assert ListSpider.max_list_pages == 50
    for cls in (TrsSpider, HanwebSpider, VsbSpider, GkmlptSpider, JeecmsSpider, GenericSpider):
        assert issubclass(cls, ListSpider)
        assert cls.custom_settings["DEPTH_LIMIT"] == PortalSpider.custom_settings["DEPTH_LIMIT"]


# -- real crawls of the sample portal ------------------------------------------------------------

FAST = {  # this machine only: no politeness delays, short timeouts (never in a real crawl)
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "NIANBAO_RETRY_BACKOFF": 0.05, "DOWNLOAD_TIMEOUT": 5,
    "LOG_LEVEL": "WARNING", "NIANBAO_CONTACT": "nianbao-tests@example.invalid", "DOWNLOAD_MAXSIZE": 5_000_000,
    "NIANBAO_SPIDERS": {},
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Every sample site crawled once by its platform's spider, through crawler.run in a subprocess."""
    sampleportal = pytest.importorskip("crawler.sampleportal")
    work = tmp_path_factory.mktemp("spiders")
    with sampleportal.SamplePortal(work / "portal", slow_seconds=0.2, big_bytes=6_000_000) as sp:
        registry = work / "portals.csv"
        registry.write_text(sp.registry_csv(), encoding="utf-8")
        cmd = [sys.executable, "-m", "crawler.run", "--registry", str(registry), "--data", str(work / "data")]
        for k, v in {**FAST, **sp.scrapy_settings()}.items():
            cmd += ["-s", f"{k}={json.dumps(v)}"]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-4000:]
        db = sqlite3.connect(work / "data" / "archive.db")
        db.row_factory = sqlite3.Row
        found = [dict(r) for r in db.execute("select portal, url, year, role, title from found_reports")]
        captures = [dict(r) for r in db.execute("select portal, role, url, outcome, status from captures")]
        notices = {sp.url(s.host, d.path) for s in sp.sites.values() for d in s.docs if not d.is_report and d.path}
        hosts = {s.id: s.host for s in sp.sites.values()}
        yield {"sp": sp, "expected": sp.expected(), "found": found, "captures": captures, "notices": notices,
               "hosts": hosts, "portals": [p.id for p in sp.portals()]}


PLATFORM_SITES = ["trs-sample", "trs-gbk-sample", "hanweb-sample", "vsb-sample", "gkmlpt-sample", "jeecms-sample",
                  "generic-sample"]


@pytest.mark.parametrize("site", PLATFORM_SITES)
def test_sample_site_reports_are_exactly_found(crawled, site):
    if site not in crawled["portals"]:
        pytest.skip(f"the sample portal has no {site}")
    want = {(e["url"], e["year"], "page" if e["kind"] == "html" else "attachment")
            for e in crawled["expected"] if e["portal"] == site}
    got = {(f["url"], f["year"], f["role"]) for f in crawled["found"] if f["portal"] == site}
    assert want, f"{site} publishes no report"
    assert want - got == set(), "reports not found"
    extra = got - want
    # generic-sample links a report kept on another (allowed) host, the slow one: a report too.
    assert {urlsplit(u).hostname for u, _, _ in extra} <= {"www.slow-sample.gov.cn"}, extra
    assert all(is_report_title(f["title"] or "") for f in crawled["found"] if f["portal"] == site)


@pytest.mark.parametrize("site", PLATFORM_SITES)
def test_sample_site_files_fetched_notices_and_twins_not(crawled, site):
    if site not in crawled["portals"]:
        pytest.skip(f"the sample portal has no {site}")
    mine = [c for c in crawled["captures"] if c["portal"] == site]
    fetched = {c["url"]: c for c in mine}
    for e in crawled["expected"]:
        if e["portal"] == site:
            assert fetched.get(e["url"], {}).get("outcome") == "new", e["url"]
    assert not [c["url"] for c in mine if "_wap." in c["url"] or "_app." in c["url"]], "a mobile twin was fetched"
    assert not [c["url"] for c in mine if c["url"] in crawled["notices"]], "a notice was fetched"
    # every capture is of a known role, and on the portal's host (or the slow host it links)
    assert {c["role"] for c in mine} <= {"seed", "column", "list", "detail", "attachment", "robots"}
    assert {urlsplit(c["url"]).hostname for c in mine} <= {crawled["hosts"][site], "www.slow-sample.gov.cn"}


def test_sample_generic_site_traps(crawled):
    if "generic-sample" not in crawled["portals"]:
        pytest.skip("the sample portal has no generic-sample")
    mine = [c for c in crawled["captures"] if c["portal"] == "generic-sample"]
    urls = {urlsplit(c["url"]).path: c for c in mine}
    assert "/calendar" not in urls, "followed the endless calendar"
    assert not [c for c in mine if "mirror" in c["url"]], "requested the spam mirror"
    assert urls["/private/2020.html"]["outcome"] == "robots-denied"
    assert urls["/challenge/412.html"]["outcome"] == "blocked"
    # from the homepage only the 年报 column: no 新闻 / 办事 / 互动 sections
    assert not {"/news/", "/bsfw/", "/hdjl/"} & set(urls)


def test_settings_reach_the_spider():
    """NIANBAO_MAX_LIST_PAGES caps paging; DEPTH_LIMIT comes from the spider; refused links are counted."""
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(TrsSpider, {"NIANBAO_MAX_LIST_PAGES": 3})
    spider = TrsSpider.from_crawler(crawler, portal=portal("trs", "http://www.a.gov.cn/zwgk/zfxxgknb/index.html"))
    assert crawler.settings.getint("DEPTH_LIMIT") == PortalSpider.custom_settings["DEPTH_LIMIT"]
    out = requests_of(spider.parse_page(page("http://www.a.gov.cn/zwgk/zfxxgknb/index.html", TRS_LIST, role="seed")))
    assert [r.url.rsplit("/", 1)[1] for r in out if r.meta["nianbao"]["role"] == "list"] == ["index_1.html",
                                                                                              "index_2.html"]
    assert crawler.stats.get_value("nianbao/offsite_refused") == 1        # the mirror's link
    assert crawler.stats.get_value("nianbao/twins_folded") == 1           # the _wap link
    assert crawler.stats.get_value("nianbao/list_pages_capped") >= 1


def test_a_report_kept_on_the_parent_governments_site_is_followed():
    spider = GenericSpider(portal=portal("generic", "http://www.hp.gov.cn/"))
    body = ("<html><body><ul><li><a href='https://www.gz.gov.cn/zfxxgknb/gq/content/post_8780034.html'>"
            "广州市黄埔区人民政府2022年政府信息公开工作年度报告</a></li>"
            "<li><a href='http://www.hl2222.com/zfxxgknb/gq/content/post_8780034.html'>"
            "广州市黄埔区人民政府2022年政府信息公开工作年度报告</a></li></ul></body></html>")
    out = requests_of(spider.parse_page(page("http://www.hp.gov.cn/xxgk/zfxxgknb/", body, role="seed")))
    assert [r.url for r in out] == ["https://www.gz.gov.cn/zfxxgknb/gq/content/post_8780034.html"]
