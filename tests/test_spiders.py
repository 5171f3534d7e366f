"""Paging and recognition rules of the platform spiders, on markup as the research notes describe it."""
from __future__ import annotations

import pytest

from crawler.spiders.base import canonical, report_year
from crawler.spiders.gkmlpt import categories
from crawler.spiders.hanweb import dataproxy_requests, records
from crawler.spiders.trs import trs_pages
from crawler.spiders.vsb import vsb_pages


@pytest.mark.parametrize("title,year", [
    ("平武县人民政府办公室2023年政府信息公开工作年度报告", 2023),
    ("俵口镇2022年度政府信息公开工作报告", 2022),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", 2019),
    ("XX区2024年政务公开工作年度报告", 2024),
    ("政府信息公开工作年度报告（2023年）", 2023),
    ("关于春节放假安排的通知", None),
    ("2023年政府信息公开工作要点", None),
])
def test_report_titles(title, year):
    assert report_year(title) == year


def test_twins_fold_onto_the_page():
    assert canonical("http://a.gov.cn/nb/202401/t20240118_1_wap.html#top") == "http://a.gov.cn/nb/202401/t20240118_1.html"
    assert canonical("http://a.gov.cn/nb/t20260128_4233432_app.shtml") == "http://a.gov.cn/nb/t20260128_4233432.shtml"


def test_trs_zero_based_four_arguments():
    pages = trs_pages("http://a.gov.cn/zfxxgknb/index.html", 'createPageHTML(3, 0, "index", "html");')
    assert pages == ["http://a.gov.cn/zfxxgknb/index.html", "http://a.gov.cn/zfxxgknb/index_1.html",
                     "http://a.gov.cn/zfxxgknb/index_2.html"]


def test_trs_one_based_six_arguments():
    pages = trs_pages("http://a.gov.cn/nb/index.shtml", "createPageHTML('page_div',3,1,'index','shtml',45);")
    assert pages == ["http://a.gov.cn/nb/index.shtml", "http://a.gov.cn/nb/index_2.shtml",
                     "http://a.gov.cn/nb/index_3.shtml"]


def test_trs_count_page_variable_and_bare_directory():
    pages = trs_pages("http://a.gov.cn/nb/", "var countPage = 2; var currentPage = 0;")
    assert pages == ["http://a.gov.cn/nb/index.html", "http://a.gov.cn/nb/index_1.html"]


HANWEB_COLUMN = """<div id="4567"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1">]]></nextgroup>
<recordset><record><![CDATA[<li><a href='/art/2024/1/22/art_1229_4107020.html' title='某县2023年政府信息公开工作年度报告'>某县2023年…</a><span>2024-01-22</span></li>]]></record>
<record><![CDATA[<li><a href='/art/2024/1/5/art_1229_4100000.html' title='通知'>通知</a></li>]]></record></recordset></datastore></script></div>
<script>$('#4567').jpage({dataStore:dataStore, totalRecord:70, perPage:15, groupSize:3, proxyUrl:'/module/web/jpage/dataproxy.jsp',
ajaxParam:{col:'1', appid:'1', webid:'52', path:'/', columnid:'1229', sourceContentType:'1', unitid:'4567', webname:'某县', permissiontype:'0'}});</script>"""


def test_hanweb_island_and_dataproxy_groups():
    rows = records(HANWEB_COLUMN)
    assert len(rows) == 2 and "art_1229_4107020" in rows[0]
    groups = dataproxy_requests(HANWEB_COLUMN)
    assert [u for u, _ in groups] == ["/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15",
                                      "/module/web/jpage/dataproxy.jsp?startrecord=61&endrecord=70&perpage=15"]
    form = groups[0][1]
    assert form["columnid"] == "1229" and form["unitid"] == "4567" and form["webid"] == "52"


def test_vsb_list_jsp_pages():
    href = "http://a.gov.cn/list.jsp?totalpage=3&PAGENUM=2&urltype=tree.TreeTempUrl&wbtreeid=1025"
    pages = vsb_pages("http://a.gov.cn/list.jsp", [href])
    assert [p.split("PAGENUM=")[1][:1] for p in pages] == ["1", "2", "3"]


def test_gkmlpt_config():
    html = """<script>window._CONFIG = {SID: '755001', TREE: [{"id": 1, "name": "政策文件"},
    {"id": 27, "name": "政府信息公开年报"}], DETAIL: null};</script>"""
    assert categories(html) == ("755001", [27])
