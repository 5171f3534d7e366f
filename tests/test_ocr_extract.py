"""OCR of scans: the geometry without the engine, then the fixtures read by it.

The fixtures are made by tests/fixtures/make_scan.py (scan-pdf-pingwu: two
pages, the second askew; ocr/unruled.png; ocr/tall.png). test_parse_fixtures
reads scan-pdf-pingwu and scan-png-pingwu-page1 through the whole parser.
"""
from __future__ import annotations

import io
import re
import sys

import numpy as np
import pytest
from PIL import Image

from parsers import parse_bytes
from parsers.extract import ocr
from parsers.extract.pdf import Rule
from parsers.model import Block, ExtractError, Table

from .conftest import FIXTURES

SOURCE = re.compile(r"^ocr:p\d+:\d+(\.\d+)?,\d+(\.\d+)?,\d+(\.\d+)?,\d+(\.\d+)?$")


def grid_page(thick: int = 1) -> np.ndarray:
    """A white A4-wide page at 150 dpi with a 2 x 2 grid of rules `thick` pixels thick."""
    page = np.full((400, 1240), 255, dtype=np.uint8)
    for y in (100, 150, 250):
        page[y: y + thick, 100:1140] = 0
    for x in (100, 600, 1140):
        page[100:251, x: x + thick] = 0
    return page


# --- rules, levelling, cells: no engine needed ---------------------------------------------

def test_rules_are_found_in_a_drawn_grid():
    page = grid_page()
    page[101, 100:1140] = 0               # a 2-px thick rule counts once
    page[200:210, 300:310] = 0            # a character's stroke is no rule
    page[320, 100:1000] = 0               # an underline touching nothing is found here ...
    hs, vs = ocr.rules(page)
    assert [round(h.pos) for h in hs] == [100, 150, 250, 320]  # (... and left out of any grid)
    assert [round(v.pos) for v in vs] == [100, 600, 1140]


def test_a_thick_broken_rule_is_one_rule():
    page = grid_page(thick=5)
    page[150:155, 300:302] = 255          # the scan broke the middle rule twice
    page[150:155, 800:802] = 255
    hs, vs = ocr.rules(page)
    assert [(round(h.pos), round(h.start), round(h.end)) for h in hs] == [(102, 100, 1145), (152, 100, 1145),
                                                                          (252, 100, 1145)]
    assert [round(v.pos) for v in vs] == [102, 602, 1142]


def test_stacked_strokes_inside_a_cell_are_no_rule():
    page = grid_page()
    page[160:192, 300] = 0                # strokes of two lines of text, 32 px tall, touching no rule
    page[100:151, 900] = 0                # a divider in one row, from rule to rule, is a rule
    _hs, vs = ocr.rules(page)
    assert [round(v.pos) for v in vs] == [100, 600, 900, 1140]


def test_a_page_scanned_askew_is_levelled():
    page = np.full((900, 700), 250, dtype=np.uint8)
    for y in range(100, 800, 40):         # ruled rows with strokes of characters in them
        page[y: y + 2, 60:640] = 20
        for x in range(80, 600, 22):
            page[y + 14: y + 17, x: x + 14] = 40
            page[y + 22: y + 25, x + 2: x + 12] = 40
    turned = Image.fromarray(page).rotate(1.2, resample=Image.BICUBIC, fillcolor=250)
    level, angle = ocr.level(turned)
    assert angle == pytest.approx(-1.2, abs=0.1)
    hs, _ = ocr.rules(np.asarray(level))
    assert len(hs) == len(range(100, 800, 40))
    assert ocr.level(Image.fromarray(page))[1] == 0.0


@pytest.mark.parametrize("raw,word,cell", [
    ("O", "0", "0"), ("1O", "10", "10"), ("l2", "12", "12"), ("1,2O4", "1,204", "1,204"),
    ("其他", "其他", "其他"), ("Ol", "Ol", "Ol"),  # no digit: not read as a figure
    ("0.", "0", "0"), ("1·", "1", "1"), ("0.5", "0.5", "0.5"),  # dust beside a figure
    ("。", "。", "0"), ("共7件。", "共7件。", "共7件。"),  # a lone 。 is a 0 in a cell only
    ("1.属于国家秘密", "1.属于国家秘密", "1.属于国家秘密")])
def test_figures_misread_as_letters(raw, word, cell):
    assert ocr.normalise_digits(raw) == word
    assert ocr.normalise_digits(raw, cell=True) == cell


def test_a_line_boxed_across_a_rule_is_split():
    chars = [("结", 100, 118), ("果", 118, 136), ("维", 136, 154), ("结", 166, 184), ("果", 184, 202),
             ("纠", 202, 220), ("正", 220, 238)]
    line = ocr.Line("结果维结果纠正", 100, 50, 238, 72, chars)
    parts = ocr.split_line(line, [Rule(160.0, 0.0, 300.0)])
    assert [p.ch for p in parts] == ["结果维", "结果纠正"]
    assert ocr.split_line(line, [Rule(160.0, 100.0, 200.0)])[0].ch == "结果维结果纠正"  # the rule ends above


def test_a_wide_gap_in_a_line_splits_it():
    chars = [("规", 100, 118), ("章", 118, 136), (" ", 136, 200), ("0", 300, 310), (" ", 310, 400), ("1", 500, 510)]
    line = ocr.Line("规章 0 1", 100, 50, 510, 72, chars)
    assert [p.ch for p in ocr.split_line(line, [])] == ["规章", "0", "1"]


def test_a_blank_cell_is_not_read():
    class NoEngine:
        def __call__(self, *a, **k):
            raise AssertionError("a blank cell must not be sent to the engine")

    page = grid_page(thick=3)
    page[120:122, 300:302] = 90           # a speck
    page[145:150, 100:600] = 0            # the rule below and the one on the right printed
    page[100:150, 596:600] = 0            # thicker than where the grid put them
    assert ocr.read_cell(NoEngine(), page, (101, 101, 601, 151), ink=128) == ""


def test_transparent_image_is_read_on_white():
    im = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    im.putpixel((5, 5), (0, 0, 0, 255))
    grey = np.asarray(ocr.grey(im))
    assert grey[0, 0] == 255 and grey[5, 5] == 0


# --- bad input ---------------------------------------------------------------------------------

def test_unreadable_image_is_an_error_line():
    report = parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png")
    assert report["error"] and "unreadable image" in report["error"]
    with pytest.raises(ExtractError, match="unreadable image"):
        ocr.extract(b"GIF89a" + b"\x01" * 40, kind="gif")


def test_decompression_bomb_image_is_refused():
    buf = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buf, "PNG")  # 100 Mpx, a few KB on disk
    report = parse_bytes(buf.getvalue(), "bomb.png")
    assert report["error"] and "too large" in report["error"]


def test_missing_engine_is_an_error(monkeypatch):
    monkeypatch.setattr(ocr, "_engine", None)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # the import fails
    with pytest.raises(ExtractError, match="OCR engine unavailable"):
        ocr.extract((FIXTURES / "ocr" / "unruled.png").read_bytes(), kind="png")


# --- the engine --------------------------------------------------------------------------------

def test_engine_keeps_to_two_threads():
    e = ocr.engine()
    assert e is ocr.engine()  # loaded once
    for session in (e.text_det.infer.session, e.text_rec.session.session):
        assert 1 <= session.get_session_options().intra_op_num_threads <= 2


def test_unruled_table_lines_are_tab_separated():
    doc = ocr.extract((FIXTURES / "ocr" / "unruled.png").read_bytes(), kind="png")
    lines = [b.text for b in doc.items if isinstance(b, Block)]
    assert doc.kind == "image" and any("OCR" in n for n in doc.notes)
    assert not doc.tables
    assert "规章\t0\t0\t0" in lines
    assert "行政规范性文件\t2\t2\t8" in lines


def test_tall_image_is_read_in_strips_each_line_once():
    doc = ocr.extract((FIXTURES / "ocr" / "tall.png").read_bytes(), kind="png")
    lines = [b.text for b in doc.items if isinstance(b, Block)]
    assert lines == [f"第{n}段：本年新收政府信息公开申请{n}件" for n in range(1, 8)]


def rows_of(doc) -> list[list[str]]:
    """Every table row as the texts of its distinct cells."""
    out = []
    for table in doc.tables:
        for row in table.rows:
            seen: list = []
            for c in row:
                if not any(c is s for s in seen):
                    seen.append(c)
            out.append([c.text for c in seen])
    return out


def row_after(rows, label: str, n: int) -> list[str] | None:
    """The n cells after the cell holding `label`, in the first row that has it."""
    for row in rows:
        for k, text in enumerate(row):
            if label in text:
                return row[k + 1: k + 1 + n]
    return None


@pytest.fixture(scope="module")
def scan_pdf():
    return ocr.extract_pdf((FIXTURES / "parse" / "scan-pdf-pingwu" / "input.pdf").read_bytes())


# Reading the two pages takes some 12 s on two idle cores; `make test` still reads them
# end to end in test_parse_fixtures (scan-pdf-pingwu), and the PNG page there too.
@pytest.mark.slow
def test_scanned_pdf_tables(scan_pdf):
    rows = rows_of(scan_pdf)
    assert ["规章", "0", "0", "0"] in rows
    assert row_after(rows, "行政规范性文件", 3) == ["2", "2", "8"]
    assert row_after(rows, "一、本年新收政府信息公开申请数量", 7) == ["7", "0", "0", "0", "0", "0", "7"]
    assert row_after(rows, "本机关不掌握相关政府信息", 7) == ["3", "0", "0", "0", "0", "0", "3"]
    assert ["1", "0", "0", "0", "1", "0", "1", "0", "0", "1", "0", "0", "0", "1", "1"] in rows  # table 4


@pytest.mark.slow
def test_scanned_pdf_joins_table_3_across_the_page_break(scan_pdf):
    t3 = [t for t in scan_pdf.tables if "一、本年新收政府信息公开申请数量" in "".join(c.text for r in t.rows for c in r)]
    assert len(t3) == 1
    assert any("四、结转下年度继续办理" in c.text for r in t3[0].rows for c in r)
    assert len(scan_pdf.tables) == 3


@pytest.mark.slow
def test_scanned_pdf_text_notes_and_sources(scan_pdf):
    assert scan_pdf.kind == "pdf"
    notes = " ".join(scan_pdf.notes)
    assert "OCR" in notes and "150 dpi" in notes and "page 2 was turned" in notes
    blocks = [b.text for b in scan_pdf.items if isinstance(b, Block)]
    assert blocks[:2] == ["平武县人民政府办公室", "2023年政府信息公开工作年度报告"]
    assert "四、政府信息公开行政复议、行政诉讼情况" in blocks
    assert not any(re.fullmatch(r"[-\s]*\d+[-\s]*", b) for b in blocks)  # page numbers dropped
    for item in scan_pdf.items:
        cells = [c for r in item.rows for c in r] if isinstance(item, Table) else [item]
        assert all(SOURCE.match(c.source) for c in cells)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(ocr.geometry, "join_tables"), reason="extract.pdf has no join_tables yet")
def test_scanned_pdf_rejoins_a_group_label_cut_by_the_break(scan_pdf):
    rows = rows_of(scan_pdf)  # printed '（三' at the foot of page 1 and '）不予公开' at the top of page 2
    assert row_after(rows, "（三）不予公开", 1) == ["1.属于国家秘密"]
    assert next(r for r in rows if "3.危及“三安全一稳定”" in r)[1] == "（三）不予公开"
