"""DOCX grids (merged and nested cells) and the DOC/WPS conversion paths."""
from __future__ import annotations

import shutil

import pytest

from parsers.extract import docx as docx_extract
from parsers.extract import word
from parsers.model import ExtractError, Table

from .conftest import FIXTURES

MERGED = FIXTURES / "parse" / "docx-merged-pingwu" / "input.docx"
NESTED = FIXTURES / "parse" / "docx-nested-pingan" / "input.docx"
DOC = FIXTURES / "parse" / "doc-pingwu" / "input.doc"


def tables(doc):
    return [t for t in doc.items if isinstance(t, Table)]


def test_merged_cells_are_one_object_across_their_span():
    t3 = tables(docx_extract.extract(MERGED.read_bytes()))[1]
    header = t3.rows[0][3]
    assert header.text == "申请人情况"
    assert all(t3.rows[0][k] is header for k in range(3, 10))       # gridSpan
    group = t3.rows[5][0]
    assert group.text == "三、本年度办理结果"                           # vertical label read whole
    assert all(t3.rows[r][0] is group for r in range(5, 27))          # vMerge over the result rows
    assert t3.rows[2][4].text == "商业企业"                             # label broken over paragraphs
    assert t3.rows[5][3].source == "docx:t2/r6/c3"


def test_nested_table_becomes_its_own_table():
    found = tables(docx_extract.extract(NESTED.read_bytes()))
    layout, inner = found[1], found[2]
    assert "（表三）" in layout.rows[0][0].text and "申请人情况" not in layout.rows[0][0].text
    assert inner.source.startswith("docx:t2/r1/c1/t1")
    assert any(c.text == "一、本年新收政府信息公开申请数量" for row in inner.rows for c in row)


def test_zip_that_is_not_a_docx():
    with pytest.raises(ExtractError, match="damaged DOCX"):
        docx_extract.extract(b"PK\x03\x04" + b"\x00" * 100)


@pytest.mark.skipif(not word.soffice(), reason="LibreOffice not installed (the set-up command installs it)")
def test_doc_converted_by_libreoffice():
    doc = word.extract(DOC.read_bytes(), "doc")
    assert doc.kind == "doc" and any("LibreOffice" in n for n in doc.notes)
    assert len(tables(doc)) == 3


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed")
def test_doc_without_libreoffice_falls_back_to_antiword(monkeypatch):
    monkeypatch.setattr(word, "soffice", lambda: None)
    doc = word.extract(DOC.read_bytes(), "doc")
    assert any("antiword" in n for n in doc.notes)
    assert "年政府信息公开工作年度报告" in doc.text()


def test_wps_without_libreoffice_names_what_is_missing(monkeypatch):
    monkeypatch.setattr(word, "soffice", lambda: None)
    with pytest.raises(ExtractError, match="LibreOffice \\(soffice\\) is not installed"):
        word.extract(DOC.read_bytes(), "wps")
