"""DOCX -> Document, reading word/document.xml with lxml.

Tables keep Word's grid: gridSpan (horizontal merge), vMerge (vertical
merge) and gridBefore/gridAfter are honoured, and a merged cell is the same
Cell object at every grid position it covers. A table nested in a cell
becomes a Table of its own, placed after the table that holds it.

lxml on the XML rather than python-docx: python-docx builds an object per
run and cell and does not expose merged cells as a grid; reading the XML
once is several times faster and gives the grid directly.
"""
from __future__ import annotations

import io
import zipfile

from lxml import etree

from ..model import Block, Cell, Document, ExtractError, Table
from . import join_lines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML = 50 * 1024 * 1024  # uncompressed document.xml; a report is well under 5 MB
MAX_RATIO = 200  # deflate rarely beats 20:1 on real documents; a bomb does 1000:1


def extract(data: bytes) -> Document:
    xml = read_document_xml(data)
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as e:
        raise ExtractError(f"damaged DOCX: word/document.xml is not well-formed ({e})") from None
    body = root.find(f"{W}body")
    doc = Document(kind="docx")
    if body is None:
        raise ExtractError("damaged DOCX: no document body")
    Reader(doc).walk(body)
    return doc


def read_document_xml(data: bytes) -> bytes:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ExtractError(f"damaged DOCX: not a readable ZIP ({e})") from None
    with z:
        try:
            info = z.getinfo("word/document.xml")
        except KeyError:
            raise ExtractError("damaged DOCX: no word/document.xml") from None
        # Check the directory's sizes before inflating anything: a zip bomb
        # states its size honestly or is caught by the read limit below.
        if info.file_size > MAX_XML or (info.compress_size and info.file_size / info.compress_size > MAX_RATIO
                                        and info.file_size > 1024 * 1024):
            raise ExtractError(f"refused DOCX: word/document.xml would inflate to {info.file_size // (1024 * 1024)} MB "
                               f"from {info.compress_size // 1024} KB (a zip bomb?)")
        try:
            with z.open(info) as f:
                xml = f.read(MAX_XML + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
            raise ExtractError(f"damaged DOCX: {e}") from None
        if len(xml) > MAX_XML:
            raise ExtractError("refused DOCX: word/document.xml is larger than it claims (a zip bomb?)")
        return xml


def local(el) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


class Reader:
    def __init__(self, doc: Document):
        self.doc = doc
        self.n_tables = 0

    def walk(self, container) -> None:
        for el in container:
            tag = local(el)
            if tag == "p":
                for line in paragraph_text(el).split("\n"):
                    if line.strip():
                        self.doc.items.append(Block(line.strip(), f"docx:p{len(self.doc.items) + 1}"))
            elif tag == "tbl":
                self.n_tables += 1
                self.table(el, f"docx:t{self.n_tables}")
            elif tag in ("sdt", "sdtContent", "customXml", "smartTag", "ins"):
                self.walk(el)

    def table(self, tbl, where: str) -> None:
        nested: list[tuple] = []
        grid: list[list[Cell]] = []
        above: dict[int, Cell] = {}  # column -> the cell a vMerge continues
        for r, tr in enumerate(child for child in tbl if local(child) == "tr"):
            row: list[Cell] = []
            trpr = tr.find(f"{W}trPr")
            before = int_attr(trpr.find(f"{W}gridBefore") if trpr is not None else None, 0)
            row.extend(Cell("", f"{where}/r{r + 1}") for _ in range(before))
            for c, tc in enumerate(child for child in tr if local(child) in ("tc", "sdt")):
                if local(tc) == "sdt":
                    content = tc.find(f"{W}sdtContent")
                    tc = content.find(f"{W}tc") if content is not None else None
                    if tc is None:
                        continue
                tcpr = tc.find(f"{W}tcPr")
                span = int_attr(tcpr.find(f"{W}gridSpan") if tcpr is not None else None, 1)
                vmerge = tcpr.find(f"{W}vMerge") if tcpr is not None else None
                col = len(row)
                if vmerge is not None and vmerge.get(f"{W}val", "continue") != "restart" and col in above:
                    cell = above[col]
                else:
                    source = f"{where}/r{r + 1}/c{c + 1}"
                    cell = Cell(cell_text(tc), source)
                    for k, inner in enumerate(t for t in tc.iter(f"{W}tbl")):
                        nested.append((inner, f"{source}/t{k + 1}"))
                for k in range(span):
                    above[col + k] = cell
                    row.append(cell)
            grid.append(row)
        self.doc.items.append(Table(grid, where))
        for inner, source in nested:
            if next(inner.iterancestors(f"{W}tbl")) is not tbl:
                continue  # deeper nesting is read by its own parent table
            self.table(inner, source)


def int_attr(el, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, min(200, int(el.get(f"{W}val", default))))
    except ValueError:
        return default


def paragraph_text(p) -> str:
    parts: list[str] = []
    for el in p.iter():
        tag = local(el)
        if tag == "t" and el.text:
            parts.append(el.text)
        elif tag == "tab":
            parts.append("\t")
        elif tag in ("br", "cr"):
            parts.append("\n")
        elif tag == "tbl":
            break
    return "".join(parts)


def cell_text(tc) -> str:
    """The cell's paragraphs, without nested tables. A label broken over
    paragraphs (社会公 / 益组织) reads whole; Latin words keep a space."""
    pieces = (piece for p in tc if local(p) == "p" for piece in paragraph_text(p).replace("\t", " ").split("\n"))
    return join_lines(pieces)
