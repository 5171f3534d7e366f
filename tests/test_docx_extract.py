"""DOCX -> Document: merged and nested grids, broken labels, text boxes,
embedded HTML, sources, and refusal of zip bombs and damaged files."""
from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest

from parsers.extract import docx as docx_extract
from parsers.extract import extract as extract_any
from parsers.model import Block, ExtractError, Table

from .conftest import FIXTURES

MERGED = FIXTURES / "parse" / "docx-merged-pingwu" / "input.docx"
NESTED = FIXTURES / "parse" / "docx-nested-pingan" / "input.docx"

NAMESPACES = " ".join(f'xmlns:{k}="{v}"' for k, v in {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
}.items())


def tables(doc) -> list[Table]:
    return [t for t in doc.items if isinstance(t, Table)]


def same_cell(t: Table, positions) -> bool:
    first = t.rows[positions[0][0]][positions[0][1]]
    return all(t.rows[r][c] is first for r, c in positions)


def make_docx(body: str, parts: dict[str, str] | None = None) -> bytes:
    """A minimal DOCX around a w:body's XML, with optional extra package parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                                        f"<w:document {NAMESPACES}><w:body>{body}</w:body></w:document>")
        for name, data in (parts or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def tc(content: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{content or p('')}</w:tc>"


def tbl(*rows: str) -> str:
    return "<w:tbl>" + "".join(f"<w:tr>{row}</w:tr>" for row in rows) + "</w:tbl>"


# -- the fixtures' grids ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pingwu():
    return docx_extract.extract(MERGED.read_bytes())


@pytest.fixture(scope="module")
def pingan():
    return docx_extract.extract(NESTED.read_bytes())


def test_body_in_order_with_title_first(pingwu):
    first = pingwu.items[0]
    assert isinstance(first, Block) and first.text == "平武县人民政府办公室2023年政府信息公开工作年度报告"
    assert first.source == "docx:p1"
    kinds = ["T" if isinstance(i, Table) else "B" for i in pingwu.items]
    assert kinds.count("T") == 3 and kinds[0] == "B"
    assert [t.source for t in tables(pingwu)] == ["docx:t1", "docx:t2", "docx:t3"]


def test_table3_merged_cells_are_one_object_across_their_span(pingwu):
    t3 = tables(pingwu)[1]
    assert len(t3.rows) == 28 and all(len(row) == 10 for row in t3.rows)
    assert same_cell(t3, [(r, c) for r in range(3) for c in range(3)])       # corner: 3 rows x 3 columns
    assert t3.rows[0][3].text == "申请人情况" and same_cell(t3, [(0, c) for c in range(3, 10)])
    assert t3.rows[1][4].text == "法人或其他组织" and same_cell(t3, [(1, c) for c in range(4, 9)])
    assert t3.rows[1][3].text == "自然人" and same_cell(t3, [(1, 3), (2, 3)])
    group = t3.rows[5][0]
    assert group.text == "三、本年度办理结果"  # one character per paragraph, read whole
    assert same_cell(t3, [(r, 0) for r in range(5, 27)])                      # down 22 rows
    assert t3.rows[4][0] is not group and t3.rows[27][0] is not group
    denied = t3.rows[7][1]
    assert denied.text == "（三）不予公开" and same_cell(t3, [(r, 1) for r in range(7, 15)])  # down 8 rows
    assert t3.rows[15][1] is not denied


def test_labels_broken_over_paragraphs_read_whole(pingwu):
    t3 = tables(pingwu)[1]
    assert [c.text for c in t3.rows[2][4:9]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    t4 = tables(pingwu)[2]
    assert [c.text for c in t4.rows[2][:5]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_label_broken_by_a_soft_line_break_reads_whole(pingan):
    inner = tables(pingan)[5]
    assert inner.rows[1][4].text == "法人或其他组织"


def test_table4_two_level_header(pingwu):
    t4 = tables(pingwu)[2]
    assert same_cell(t4, [(0, c) for c in range(5)]) and t4.rows[0][0].text == "行政复议"
    assert same_cell(t4, [(0, c) for c in range(5, 15)]) and t4.rows[0][5].text == "行政诉讼"
    assert same_cell(t4, [(1, c) for c in range(5, 10)]) and t4.rows[1][5].text == "未经复议直接起诉"
    assert same_cell(t4, [(1, 0), (2, 0)])  # 结果维持 down the two header rows under 行政复议
    assert t4.rows[2][5] is not t4.rows[2][0]


def test_cell_sources(pingwu):
    t3 = tables(pingwu)[1]
    # Row 4 (一、本年新收): w:tc 1 is the label across three columns, 2 the first figure.
    assert t3.rows[3][3].source == "docx:t2/r4/c2" and t3.rows[3][3].text == "7"
    # Row 7 (（二）部分公开): w:tc 1 continues the merged 三、 label, 2 is the label, 3 the first figure.
    assert t3.rows[6][3].source == "docx:t2/r7/c3" and t3.rows[6][3].text == "2"
    assert t3.rows[6][1].source == "docx:t2/r7/c2"
    # A vertically merged cell keeps the source of its first (restart) row.
    assert t3.rows[20][0].source == "docx:t2/r6/c1"


def test_nested_table_becomes_its_own_table_after_its_holder(pingan):
    found = tables(pingan)
    layout, inner = found[4], found[5]
    assert pingan.items.index(inner) == pingan.items.index(layout) + 1
    assert layout.rows[0][0].text == "（表三）注：空白表示零。"  # the inner table's text is not in the cell
    assert inner.source == "docx:t5/r1/c1/t1"
    assert inner.rows[3][3].source == "docx:t5/r1/c1/t1/r4/c2"
    assert inner.rows[3][0].text == "一、本年新收政府信息公开申请数量"
    assert found[6].source == "docx:t6"  # the next top-level table keeps its own number


def test_blank_cells_stay_blank(pingan):
    inner = tables(pingan)[5]
    assert [c.text for c in inner.rows[3][3:]] == ["3", "", "", "", "", "", "3"]


def test_table2_as_four_small_tables(pingan):
    found = tables(pingan)[:4]
    assert [t.rows[0][0].text for t in found] == [
        "第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
    assert found[0].rows[3][0].text == "规范性文件"


# -- features built in XML ----------------------------------------------------------------------------

TEXT_BOX = (
    "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic><a:graphicData>"
    "<wps:wsp><wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp>"
    "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    "<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape>"
    "</w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)


def test_text_box_read_once_after_its_paragraph():
    body = f"<w:p><w:r><w:t>正文</w:t></w:r>{TEXT_BOX.format(inner=p('框内文字'))}</w:p>" + p("下一段")
    doc = docx_extract.extract(make_docx(body))
    assert [(b.text, b.source) for b in doc.items] == [
        ("正文", "docx:p1"), ("框内文字", "docx:p1/x1/p1"), ("下一段", "docx:p2")]


def test_deeper_nesting_is_numbered_per_holder():
    deepest = tbl(tc(p("最内")))
    first = tbl(tc(p("内一") + deepest))
    second = tbl(tc(p("内二")))
    body = tbl(tc(p("外") + first + second)) + tbl(tc(p("第二表")))
    doc = docx_extract.extract(make_docx(body))
    assert [(t.source, t.rows[0][0].text) for t in tables(doc)] == [
        ("docx:t1", "外"),
        ("docx:t1/r1/c1/t1", "内一"),
        ("docx:t1/r1/c1/t1/r1/c1/t1", "最内"),
        ("docx:t1/r1/c1/t2", "内二"),
        ("docx:t2", "第二表"),
    ]


def test_grid_before_hmerge_content_controls_and_runaway_spans():
    rows = (
        tc(p("甲")) + tc(p("乙"), '<w:hMerge w:val="restart"/>') + tc("", "<w:hMerge/>"),
        '<w:trPr><w:gridBefore w:val="1"/></w:trPr>' + f"<w:sdt><w:sdtContent>{tc(p('丙'))}</w:sdtContent></w:sdt>"
        + tc(p("丁")),
        tc(p("宽"), '<w:gridSpan w:val="100000"/>'),
    )
    t = tables(docx_extract.extract(make_docx(tbl(*rows))))[0]
    assert [c.text for c in t.rows[0]] == ["甲", "乙", "乙"] and t.rows[0][1] is t.rows[0][2]
    assert [c.text for c in t.rows[1]] == ["", "丙", "丁"]  # gridBefore: an empty position, then the cells
    assert len(t.rows[2]) == docx_extract.MAX_SPAN


def test_deleted_text_and_field_codes_are_not_read():
    body = ("<w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>删除</w:delText></w:r></w:del>"
            "<w:r><w:instrText> PAGE </w:instrText></w:r><w:ins><w:r><w:t>插入</w:t></w:r></w:ins></w:p>")
    assert docx_extract.extract(make_docx(body)).items[0].text == "保留插入"


def test_soft_line_breaks_split_body_blocks_but_join_in_cells():
    line = "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
    doc = docx_extract.extract(make_docx(line + tbl(tc(line))))
    assert [b.text for b in doc.items if isinstance(b, Block)] == ["第一行", "第二行"]
    assert tables(doc)[0].rows[0][0].text == "第一行第二行"


def test_embedded_html_chunk_is_read():
    html = "<html><body><p>嵌入的正文</p><table><tr><td>规章</td><td>3</td></tr></table></body></html>"
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rIdChunk" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/aFChunk" Target="chunk.htm"/></Relationships>')
    body = p("前") + '<w:altChunk r:id="rIdChunk"/>' + p("后")
    doc = docx_extract.extract(make_docx(body, {"word/_rels/document.xml.rels": rels, "word/chunk.htm": html}))
    assert doc.items[0].text == "前" and doc.items[-1].text == "后"
    assert [c.text for c in tables(doc)[0].rows[0]] == ["规章", "3"]
    assert any("altChunk" in n for n in doc.notes)


def test_title_from_the_file_properties():
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>某县2023年政府信息公开工作年度报告</dc:title>'
            "</cp:coreProperties>")
    doc = docx_extract.extract(make_docx(p("正文"), {"docProps/core.xml": core}))
    assert doc.title == "某县2023年政府信息公开工作年度报告"


# -- hostile and damaged files ------------------------------------------------------------------------

def deflated_zeros(megabytes: int) -> bytes:
    """A raw deflate stream of `megabytes` MB of zeros, built from one compressed
    megabyte repeated: a full flush makes each repeat self-contained, so a 1 GB
    bomb costs milliseconds and about 1 MB to build."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = z.compress(bytes(1 << 20)) + z.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block


def raw_zip(name: str, stream: bytes, size: int, crc: int = 0) -> bytes:
    """A one-member ZIP written by hand, stating `size` as the member's size.
    (A bomb's CRC is never reached: it is refused before inflating, or its
    stated size is wrong anyway.)"""
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(stream), size, len(encoded), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(stream), size,
                          len(encoded), 0, 0, 0, 0, 0, 0)
    body = local + encoded + stream
    directory = central + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


def member(name: str, xml: bytes) -> bytes:
    """A one-member ZIP holding `xml`, honestly stated."""
    return raw_zip(name, zlib.compress(xml, 9)[2:-4], len(xml), zlib.crc32(xml))  # [2:-4]: raw deflate


def refuse_quickly(data: bytes, match: str) -> None:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ExtractError, match=match):
            docx_extract.extract(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < 40 * 1024 * 1024, f"peak {peak // (1024 * 1024)} MB"


def test_zip_bomb_stating_its_size_is_refused_before_inflating():
    refuse_quickly(raw_zip("word/document.xml", deflated_zeros(1024), 1024 << 20), "zip bomb")  # 1 GB in 1 MB


def test_zip_bomb_with_an_extreme_ratio_is_refused():
    refuse_quickly(raw_zip("word/document.xml", deflated_zeros(20), 20 << 20), "zip bomb")  # under 50 MB, 1000:1


def test_zip_bomb_understating_its_size_stops_at_the_stated_size():
    # The directory claims 8 MB (an innocent ratio); inflating stops there and the CRC gives it away.
    refuse_quickly(raw_zip("word/document.xml", deflated_zeros(1024), 8 << 20), "damaged DOCX")


def test_zip_bomb_through_the_dispatcher():
    with pytest.raises(ExtractError, match="zip bomb"):
        extract_any(raw_zip("word/document.xml", deflated_zeros(1024), 1024 << 20))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "no-document", "bad-xml", "not-word"])
def test_damaged_docx(damage):
    good = MERGED.read_bytes()
    data = {
        "truncated": good[: len(good) // 2],
        "garbage": b"PK\x03\x04" + bytes(range(256)) * 4,
        "no-document": member("word/other.xml", b"<x/>"),
        "bad-xml": member("word/document.xml", b"<w:document><w:body>"),
        "not-word": member("word/document.xml", b"<html><body/></html>"),
    }[damage]
    with pytest.raises(ExtractError, match="DOCX"):
        docx_extract.extract(data)


def test_honest_hand_built_zip_is_read():
    """The hand-built ZIP is sound: the refusals above are not format errors."""
    xml = f"<w:document {NAMESPACES}><w:body>{p('正文')}</w:body></w:document>".encode()
    assert docx_extract.extract(member("word/document.xml", xml)).items[0].text == "正文"
