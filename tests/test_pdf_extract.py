"""The text-layer PDF extractor (parsers/extract/pdf.py), checked on the Document it builds:
tables rebuilt from ruling lines, merged cells, tables joined across page breaks,
the gap fallback for unruled tables, sources, and refusal of files it cannot read.

The real 淮安市 2024 report is read in place from the dev corpus; other PDFs are
the fixtures made by tests/fixtures/make_pdf.py or drawn here with reportlab.
"""
from __future__ import annotations

import io
import re
import sys
import time

import pytest
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

import parsers.extract
from parsers.extract import pdf
from parsers.model import Block, Cell, ExtractError, Table

from .conftest import DEV_CORPUS, FIXTURES, load_json

HUAIAN = DEV_CORPUS / "docs" / "huaian-2024.pdf"
HUAIAN_TRUTH = DEV_CORPUS / "truth" / "huaian-2024.json"
RULED = FIXTURES / "parse" / "pdf-ruled-pagebreak-pingwu" / "input.pdf"
UNRULED = FIXTURES / "parse" / "pdf-unruled-biaokou" / "input.pdf"
ROTATED = FIXTURES / "parse" / "pdf-rotated-landscape-pingwu" / "input.pdf"
SOURCE = re.compile(r"^pdf:p\d+:\d+\.\d,\d+\.\d,\d+\.\d,\d+\.\d$")
FIGURE = re.compile(r"^-?\d+(\.\d+)?$")
FONT = "STSong-Light"
PROSE = "本机关2023年政府信息公开工作年度报告正文，这一行让文字层多于二十个汉字。"

needs_huaian = pytest.mark.skipif(not HUAIAN.is_file(), reason="dev corpus not present")


# --- helpers ------------------------------------------------------------------------------

def unique(row: list[Cell]) -> list[Cell]:
    out: list[Cell] = []
    for c in row:
        if not any(c is o for o in out):
            out.append(c)
    return out


def texts(row: list[Cell]) -> list[str]:
    return [c.text for c in unique(row)]


def figures(row: list[Cell]) -> list[float]:
    return [float(t) for t in texts(row) if FIGURE.match(t)]


def labels(row: list[Cell]) -> list[str]:
    return [t for t in texts(row) if t and not FIGURE.match(t)]


def table_with(doc, fragment: str) -> Table:
    found = [t for t in doc.tables if any(fragment in c.text for r in t.rows for c in r)]
    assert len(found) == 1, f"{len(found)} tables hold {fragment!r}"
    return found[0]


def row_labelled(table: Table, label: str) -> list[Cell]:
    found = [r for r in table.rows if labels(r) and labels(r)[-1] == label]
    assert len(found) == 1, f"{len(found)} rows labelled {label!r}"
    return found[0]


def pages_of(cells) -> set[int]:
    return {int(c.source.split(":")[1][1:]) for c in cells}


def blocks(doc) -> list[Block]:
    return [i for i in doc.items if isinstance(i, Block)]


def new_canvas(buf: io.BytesIO, **kw) -> canvas.Canvas:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, **kw)
    c.setFont(FONT, 10)
    return c


def ruled_rows(c: canvas.Canvas, top: float, rows: list[list[str]], widths=(200, 80, 80), height=20.0) -> float:
    """Draw rows as a ruled grid from `top` (reportlab's bottom-up y) down; return the bottom."""
    xs = [60.0]
    for w in widths:
        xs.append(xs[-1] + w)
    y = top
    c.setLineWidth(0.5)
    for row in rows:
        for k, text in enumerate(row):
            c.rect(xs[k], y - height, xs[k + 1] - xs[k], height)
            c.drawCentredString((xs[k] + xs[k + 1]) / 2, y - height / 2 - 3, text)
        y -= height
    return y


def saved(c: canvas.Canvas, buf: io.BytesIO) -> bytes:
    c.showPage()
    c.save()
    return buf.getvalue()


# --- the real 淮安市 2024 report ------------------------------------------------------------

@pytest.fixture(scope="module")
def huaian():
    return pdf.extract(HUAIAN.read_bytes())


@pytest.fixture(scope="module")
def huaian_truth():
    return load_json(HUAIAN_TRUTH)


@needs_huaian
def test_huaian_table3_is_one_table_of_whole_rows(huaian, huaian_truth):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    body = [r for r in t3.rows if len(figures(r)) == 7]
    want = huaian_truth["table3"]
    assert len(body) == len(want) == 25  # every form row once, none split in two
    for row, (key, values) in zip(body, want.items()):
        assert figures(row) == [float(v) for v in values.values()], key
    # [group labels..., row label, 7 figures]: how many labels each row carries
    assert [len(labels(r)) for r in body] == [1, 1, 2, 2] + [3] * 19 + [2, 1]
    # the table crosses pages 4 and 5 and comes out as one Table
    assert pages_of(c for r in t3.rows for c in r) == {4, 5}
    assert labels(body[-1]) == ["四、结转下年度继续办理"]


@needs_huaian
def test_huaian_group_label_cut_by_the_page_break_is_one_cell(huaian):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    group = [r for r in t3.rows if "（四）无法提供" in texts(r)]
    assert len(group) == 3  # '（四）无' on p.4, '法提供' on p.5: one label for its three rows
    cell = next(c for c in group[0] if c.text == "（四）无法提供")
    assert all(any(c is cell for c in r) for r in group)
    assert [labels(r)[-1] for r in group] == ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
                                             "3.补正后申请内容仍不明确"]
    # the outer group label runs from （一）予以公开 on p.4 to （七）总计 on p.5
    outer = [r for r in t3.rows if "三、本年度办理结果" in texts(r)]
    assert len(outer) == 22
    first = next(c for c in outer[0] if c.text == "三、本年度办理结果")
    assert all(any(c is first for c in r) for r in outer)
    assert "（七）总计" in texts(outer[-1])


@needs_huaian
def test_huaian_table2_and_table4(huaian, huaian_truth):
    t2 = table_with(huaian, "行政规范性文件")
    assert texts(row_labelled(t2, "规章")) == ["规章", "1", "0", "11"]
    assert texts(row_labelled(t2, "行政规范性文件")) == ["行政规范性文件", "8", "26", "66"]
    assert texts(row_labelled(t2, "行政许可")) == ["行政许可", "447228"]  # one number, not 447 228
    assert texts(row_labelled(t2, "行政处罚")) == ["行政处罚", "3985758"]
    assert texts(row_labelled(t2, "行政事业性收费")) == ["行政事业性收费", "96171.6"]
    # table 2 runs from p.3 to p.4, its second part with fewer inner column edges
    assert pages_of(c for r in t2.rows for c in r) == {3, 4}

    t4 = table_with(huaian, "未经复议直接起诉")
    numbers = [r for r in t4.rows if figures(r)]
    assert len(numbers) == 1
    want = [float(v) for block in huaian_truth["table4"].values() for v in block.values()]
    assert figures(numbers[0]) == want
    assert len(huaian.tables) == 3


@needs_huaian
def test_huaian_blocks_are_lines_in_reading_order(huaian):
    items = huaian.items
    assert isinstance(items[0], Block) and items[0].text == "淮安市人民政府"
    assert items[1].text == "2024年政府信息公开工作年度报告"
    for heading, fragment in (("三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量"),
                              ("四、政府信息公开行政复议、行政诉讼情况", "未经复议直接起诉")):
        k = next(i for i, it in enumerate(items) if isinstance(it, Block) and it.text == heading)
        assert items[k + 1] is table_with(huaian, fragment)
    for b in blocks(huaian):
        assert SOURCE.match(b.source), b.source
        assert "\n" not in b.text and b.text == b.text.strip()
    assert any("hazwgkc@163.com" in b.text for b in blocks(huaian))  # a Latin run keeps together
    assert huaian.title == "政府信息公开工作年度报告"


@needs_huaian
def test_huaian_sources_are_top_down_boxes(huaian):
    t3 = table_with(huaian, "一、本年新收政府信息公开申请数量")
    for row in t3.rows:
        for c in row:
            assert SOURCE.match(c.source), c.source
    x0, top, x1, bottom = map(float, t3.source.split(":")[2].split(","))
    assert x0 < x1 and top < bottom
    heading = next(b for b in blocks(huaian) if b.text == "三、收到和处理政府信息公开申请情况")
    assert heading.source.startswith("pdf:p4:")
    assert float(heading.source.split(",")[3]) <= top + 1  # the heading stands above the table


@needs_huaian
def test_huaian_is_fast():
    data = HUAIAN.read_bytes()
    pdf.extract(data)
    start = time.perf_counter()
    for _ in range(3):
        pdf.extract(data)
    per_doc = (time.perf_counter() - start) / 3
    assert per_doc < 0.5, f"{per_doc:.3f} s per report"  # ~0.07 s on one idle core; slack for busy machines


@needs_huaian
def test_truncated_pdf_does_not_crash():
    data = HUAIAN.read_bytes()
    for cut in (len(data) // 2, len(data) // 5):
        try:
            doc = pdf.extract(data[:cut])
        except ExtractError as e:
            assert "unreadable PDF" in str(e)
        else:
            assert doc.kind == "pdf"


# --- the generated fixtures ---------------------------------------------------------------

@pytest.fixture(scope="module")
def ruled():
    return pdf.extract(RULED.read_bytes())


def test_merged_header_cells_are_one_object(ruled):
    t3 = table_with(ruled, "一、本年新收政府信息公开申请数量")
    head = t3.rows[:3]
    applicant = head[0][3]
    assert applicant.text == "申请人情况"
    assert all(c is applicant for c in head[0][3:10])  # spans the seven applicant columns
    note = head[0][0]
    assert note.text.startswith("（本列数据的勾稽关系为")
    assert all(r[k] is note for r in head for k in range(3))  # three rows by three columns
    assert head[1][3] is head[2][3] and head[1][3].text == "自然人"
    assert texts(head[2])[2:7] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    t4 = table_with(ruled, "未经复议直接起诉")
    assert all(c is t4.rows[0][0] for c in t4.rows[0][:5]) and t4.rows[0][0].text == "行政复议"
    assert all(c is t4.rows[0][5] for c in t4.rows[0][5:]) and t4.rows[0][5].text == "行政诉讼"


def test_fixture_table3_joined_across_the_page_break(ruled):
    t3 = table_with(ruled, "一、本年新收政府信息公开申请数量")
    assert pages_of(c for r in t3.rows for c in r) == {1, 2}
    assert len(ruled.tables) == 3
    body = [r for r in t3.rows if len(figures(r)) == 7]
    assert len(body) == 25
    # the vertical label, one character per line and cut by the break, is one cell
    outer = [r for r in body if "三、本年度办理结果" in texts(r)]
    assert len(outer) == 22
    assert len({id(c) for r in outer for c in r if c.text == "三、本年度办理结果"}) == 1
    denied = [r for r in body if "（三）不予公开" in texts(r)]
    assert len(denied) == 8 and len({id(r[1]) for r in denied}) == 1
    assert pages_of(r[2] for r in denied) == {1, 2}
    # the page number between the two parts is gone
    assert not any(re.fullmatch(r"- \d+ -", b.text) for b in blocks(ruled))


def test_unruled_table_lines_separate_cells_with_tabs():
    doc = pdf.extract(UNRULED.read_bytes())
    assert doc.tables == []
    lines = [b.text for b in blocks(doc)]
    assert "规章\t0\t0\t0" in lines
    assert "行政处罚\t3" in lines
    assert "一、本年新收政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0" in lines
    assert "0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0" in lines  # table 4's figures
    # prose stays one line without tabs
    assert "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开工作。" in lines


def test_rotated_page_reads_upright():
    doc = pdf.extract(ROTATED.read_bytes())
    t4 = table_with(doc, "未经复议直接起诉")
    assert texts(t4.rows[0]) == ["行政复议", "行政诉讼"]
    assert figures(t4.rows[-1]) == [1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1]


# --- drawn here -----------------------------------------------------------------------------

def test_running_header_and_footer_do_not_break_the_join():
    buf = io.BytesIO()
    c = new_canvas(buf)
    rows = [["事项", "件数", "金额"]] + [[f"第{i}项申请", str(i), f"{i}.5"] for i in range(1, 61)]
    for page, part in enumerate((rows[:36], rows[36:]), start=1):
        c.setFont(FONT, 9)
        c.drawCentredString(A4[0] / 2, A4[1] - 30, "某某县人民政府2023年政府信息公开工作年度报告")
        c.drawCentredString(A4[0] / 2, 30, f"第 {page} 页 共 2 页")
        c.setFont(FONT, 10)
        if page == 1:
            c.drawString(60, A4[1] - 70, "三、收到和处理政府信息公开申请情况")
        ruled_rows(c, A4[1] - (80 if page == 1 else 60), part)
        if page == 1:
            c.showPage()
    doc = pdf.extract(saved(c, buf))
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert len(table.rows) == 61
    assert texts(table.rows[36]) == ["第36项申请", "36", "36.5"]
    assert pages_of([table.rows[35][0], table.rows[36][0]]) == {1, 2}
    # the running header and the page numbers are dropped
    assert [b.text for b in blocks(doc)] == ["三、收到和处理政府信息公开申请情况"]


def test_tables_apart_are_not_joined():
    """A table that ends mid-page is not continued by a table at the top of the next page."""
    buf = io.BytesIO()
    c = new_canvas(buf)
    ruled_rows(c, A4[1] - 80, [["甲", "1", "2"], ["乙", "3", "4"]])
    c.showPage()
    c.setFont(FONT, 10)
    ruled_rows(c, A4[1] - 60, [["丙", "5", "6"], ["丁", "7", "8"]])
    c.drawString(60, 300, PROSE)
    doc = pdf.extract(saved(c, buf))
    assert [len(t.rows) for t in doc.tables] == [2, 2]


def test_cell_text_joins_lines_without_separator_for_cjk():
    buf = io.BytesIO()
    c = new_canvas(buf)
    ruled_rows(c, A4[1] - 80, [["", "", ""], ["甲", "1", "2"], ["乙", "3", "4"]], height=40)
    # first cell: a label over two lines; second: Latin words with a gap; third: a figure over two lines
    c.drawString(62, A4[1] - 95, "社会公")
    c.drawString(62, A4[1] - 110, "益组织")
    c.drawString(262, A4[1] - 100, "Open")
    c.drawString(292, A4[1] - 100, "Data")
    c.drawString(342, A4[1] - 100, "1234")
    c.drawString(342, A4[1] - 112, "56")
    c.drawString(60, 300, PROSE)
    doc = pdf.extract(saved(c, buf))
    (table,) = doc.tables
    assert texts(table.rows[0]) == ["社会公益组织", "Open Data", "123456"]
    assert texts(table.rows[1]) == ["甲", "1", "2"]


def test_slanted_watermark_is_not_text():
    buf = io.BytesIO()
    c = new_canvas(buf)
    ruled_rows(c, A4[1] - 80, [["规章", "1", "0"], ["行政规范性文件", "8", "26"]])
    c.drawString(60, 680, PROSE)
    c.saveState()
    c.setFont(FONT, 40)
    c.setFillGray(0.85)
    c.translate(70, 620)
    c.rotate(35)
    c.drawString(0, 0, "内部资料注意保存")  # crosses the table and the prose
    c.restoreState()
    doc = pdf.extract(saved(c, buf))
    (table,) = doc.tables
    assert [texts(r) for r in table.rows] == [["规章", "1", "0"], ["行政规范性文件", "8", "26"]]
    assert [b.text for b in blocks(doc)] == [PROSE]


def test_single_cells_span_grid_positions_where_an_inner_line_is_missing():
    buf = io.BytesIO()
    c = new_canvas(buf)
    c.setLineWidth(0.5)
    xs, ys = [60, 160, 260, 360], [700, 680, 660, 640]
    for x in (xs[0], xs[1], xs[-1]):
        c.line(x, ys[0], x, ys[-1])
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    c.line(xs[2], ys[1], xs[2], ys[-1])  # not in the first row: its right two cells are one
    c.drawCentredString(260, 687, "申请人情况")
    for k, t in enumerate(("自然人", "法人", "总计")):
        c.drawCentredString(110 + 100 * k, 667, t)
        c.drawCentredString(110 + 100 * k, 647, str(k))
    c.drawString(60, 600, PROSE)
    doc = pdf.extract(saved(c, buf))
    (table,) = doc.tables
    top = table.rows[0]
    assert len(top) == 3 and top[1] is top[2] and top[1].text == "申请人情况"
    assert texts(table.rows[1]) == ["自然人", "法人", "总计"]
    # its whole box, measured from the page's top edge
    assert top[1].source == f"pdf:p1:160.0,{A4[1] - 700:.1f},360.0,{A4[1] - 680:.1f}"


def test_owner_password_only_pdf_is_read():
    buf = io.BytesIO()
    c = new_canvas(buf, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner", canPrint=0))
    c.drawString(60, 700, PROSE)
    doc = pdf.extract(saved(c, buf))
    assert [b.text for b in blocks(doc)] == [PROSE]


def test_encrypted_pdf_is_refused():
    buf = io.BytesIO()
    c = new_canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(60, 700, PROSE)
    with pytest.raises(ExtractError, match="encrypted"):
        pdf.extract(saved(c, buf))


def test_corrupt_pdf_is_refused():
    with pytest.raises(ExtractError, match="unreadable PDF"):
        pdf.extract(b"%PDF-1.7\n" + b"\x00garbage" * 100)


def image_pdf(text: str = "") -> bytes:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    buf = io.BytesIO()
    c = new_canvas(buf)
    c.drawImage(ImageReader(Image.new("L", (200, 280), 255)), 60, 300, 400, 500)
    if text:
        c.drawString(60, 100, text)
    return saved(c, buf)


@pytest.mark.parametrize("text", ["", "Scan0001 page 1 of 1 CamScanner"])
def test_scan_goes_to_ocr(monkeypatch, text):
    """No text layer, or a scan whose text layer is not Chinese text: OCR reads it."""
    from parsers.extract import ocr

    called = []
    monkeypatch.setattr(ocr, "extract_pdf", lambda data, *a, **kw: called.append(data) or "ocr-doc")
    data = image_pdf(text)
    assert pdf.extract(data) == "ocr-doc"
    assert called == [data]


def test_scan_without_ocr_is_refused(monkeypatch):
    monkeypatch.delattr(parsers.extract, "ocr", raising=False)
    monkeypatch.setitem(sys.modules, "parsers.extract.ocr", None)  # the import fails
    with pytest.raises(ExtractError, match="no text layer"):
        pdf.extract(image_pdf())


def test_page_cap_is_noted():
    buf = io.BytesIO()
    c = new_canvas(buf)
    for k in range(pdf.MAX_PAGES + 5):
        c.setFont(FONT, 10)
        c.drawString(60, 700, f"第{k + 1}页：{PROSE}")
        c.showPage()
    c.save()
    start = time.perf_counter()
    doc = pdf.extract(buf.getvalue())
    assert time.perf_counter() - start < 5
    assert f"read the first {pdf.MAX_PAGES} of {pdf.MAX_PAGES + 5} pages" in doc.notes
    assert len(blocks(doc)) == pdf.MAX_PAGES
