"""The synonym dictionary and the cell reader, on the variants real publishers print."""
from __future__ import annotations

import pytest

from parsers import labels as L
from parsers.encoding import decode
from parsers.values import read


@pytest.mark.parametrize("printed,key", [
    ("（一）予以公开", "granted"),
    ("(二) 部分公开(区分处理的, 只计这一情形, 不计其他情形)", "partially_granted"),
    ("1、属于国家秘密", "denied_state_secret"),
    ("１．属于国家秘密", "denied_state_secret"),            # full-width digit and dot
    ("3.危及\"三安全一稳定\"", "denied_security_stability"),
    ("本机关不掌握相关政府信息", "unable_not_held"),
    ("本机关不掌相关政府信息", "unable_not_held"),            # a dropped character
    ("没有现成信息需要另行制做", "unable_needs_creation"),    # a wrong character
    ("（六）其他处理 1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other_no_correction"),
    ("2、申请人逾期未按收费通知要求缴纳费用", "other_unpaid_fee"),
    ("3、其他", "other_reasons"),
    ("（六）其他处理", "other_reasons"),                     # the 2019 form's single row
    ("（七）总计", "total_processed"),
    ("（七）合计", "total_processed"),                       # 合计 for 总计
    ("三、本年度办理结果（七）总计", "total_processed"),
    ("四、结转下年度继续办理", "carried_forward"),
    ("一、本年新收政府信息公开申请数量", "new_received"),
    ("二、上年结转政府信息公开申请数量", "carried_over"),
    ("5.要求行政机关确认或重新出\n具已获取信息", "not_processed_confirmation"),  # broken over lines
    ("本\n年\n度\n办\n理\n结\n果\n（五）不予处理\n1.信访举报投诉类申请", "not_processed_petition"),  # vertical group label
])
def test_table3_labels(printed, key):
    assert L.match_table3(L.norm(printed))[0] == key


@pytest.mark.parametrize("printed,key", [
    ("规章", "rules"), ("行政规范性文件", "normative_docs"), ("规范性文件", "normative_docs"),  # 行政 dropped
    ("行政许可", "licensing"), ("许可", "licensing"), ("行政处罚", "penalty"), ("行政强制", "coercion"),
    ("行政事业性收费", "fees"), ("事业性收费", "fees"), ("政府集中采购", "procurement"),
    ("其他对外管理服务事项", "other_admin_services"),
])
def test_table2_labels(printed, key):
    assert L.match_table2(L.norm(printed))[0] == key


@pytest.mark.parametrize("prose", [
    "2022年全镇政务信息网主动公开政府信息共计24条，着力推动各领域全过程信息公开",
    "第二十条第（一）项",
    "信息内容",
])
def test_sentences_and_headers_are_not_rows(prose):
    assert L.match_table2(L.norm(prose)) is None


@pytest.mark.parametrize("raw,kind,value", [
    ("12", "number", 12), ("１２", "number", 12), ("1,234", "number", 1234), ("1 234", "number", 1234),
    ("96171.6", "number", 96171.6), ("0.00", "number", 0), ("-3", "number", -3), ("251000元", "number", 251000),
    ("", "blank", 0), ("\u00a0", "blank", 0), ("/", "dash", 0), ("—", "dash", 0), ("-", "dash", 0),
    ("无", "dash", 0), ("不适用", "text", None), ("见附件", "text", None),
])
def test_cell_values(raw, kind, value):
    v = read(raw)
    assert (v.kind, v.value) == (kind, value)


def test_encoding_header_beats_meta_and_gbk_reads_as_gb18030():
    page = "<meta charset='utf-8'><p>淮安市政府信息公开</p>".encode("gbk")
    d = decode(page, "text/html; charset=GBK")
    assert d.chosen == "gb18030" and "淮安市" in d.text


def test_encoding_meta_gb2312_page_with_gbk_only_characters():
    page = "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'><p>俵口镇 镕</p>".encode("gb18030")
    d = decode(page)
    assert d.chosen == "gb18030" and "俵口镇 镕" in d.text


def test_encoding_undeclared_gbk_is_detected():
    d = decode("平武县人民政府办公室2023年政府信息公开工作年度报告。全年收到申请7件。".encode("gbk") * 3)
    assert d.chosen == "gb18030" and d.text.startswith("平武县")


def test_encoding_utf8_bom():
    d = decode("\ufeff年度报告".encode("utf-8"))
    assert d.text == "年度报告"


@pytest.mark.parametrize("title,agency,year", [
    ("平武县人民政府办公室2023年政府信息公开工作年度报告", "平武县人民政府办公室", 2023),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅", 2019),
    ("关于原州区开城镇2022年度政府信息公开工作年度报告", "原州区开城镇", 2022),
    ("《淮安市人民政府2024年政府信息公开工作年度报告》", "淮安市人民政府", 2024),
    ("政府信息公开工作年度报告（2023年）", None, 2023),
])
def test_agency_and_year_from_titles(title, agency, year):
    from parsers import meta

    assert meta.agency_of(title) == agency
    assert meta.year_of(title, "", None) == year


@pytest.mark.parametrize("text,date", [
    ("发布日期：2020-01-31", "2020-01-31"), ("发布时间: 2012-04-18 00:00", "2012-04-18"),
    ("平武县人民政府办公室\n2024年1月22日", "2024-01-22"), ("二○一二年二月二十日", "2012-02-20"),
])
def test_publication_dates(text, date):
    from parsers import meta
    from parsers.model import Block, Document

    doc = Document("text", [Block(line) for line in text.split("\n")])
    assert meta.published_of(doc, text) == date
