"""HTML pages -> Document.

Handles what government portals serve: any encoding (see parsers.encoding),
tables with rowspan/colspan, Word-pasted markup (<o:p>, nested spans, a label
split over several <p> inside one cell) and layout tables that wrap the whole
article (walked as running text, not read as a data table).
"""
from __future__ import annotations

import functools
import re

import lxml.html
from lxml import etree

from ..encoding import decode
from ..model import Block, Cell, Document, ExtractError, Table
from . import join_lines

SKIP = {"script", "style", "noscript", "head", "template", "object", "iframe", "select", "button", "svg"}
BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "blockquote",
         "pre", "center", "form", "dl", "dt", "dd", "header", "footer", "main", "nav", "aside", "hr", "caption",
         "figure", "figcaption", "address", "title"}
MAX_SPAN = 200  # a colspan="10000" must not blow up the grid
_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000\u200b\ufeff]+")


def extract(data: bytes, content_type: str | None = None) -> Document:
    decoded = decode(data, content_type)
    text = decoded.text
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as e:
        raise ExtractError(f"unreadable HTML: {e}") from None
    doc = Document(kind="html")
    doc.notes.append(f"encoding {decoded.chosen} (header {decoded.declared_header}, meta {decoded.declared_meta}, detected {decoded.detected})")
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        doc.title = clean(title.text_content())
    body = root.find("body")
    Walker(root.getroottree(), doc).walk(body if body is not None else root)
    return doc


def clean(s: str) -> str:
    return _WS.sub(" ", s).strip()


class Walker:
    """Depth-first walk that flushes a Block at every block-level boundary."""

    def __init__(self, tree, doc: Document):
        self.tree = tree
        self.doc = doc
        self.buf: list[str] = []
        self.buf_source = ""

    def walk(self, el) -> None:
        self.visit(el)
        self.flush()

    def visit(self, el) -> None:
        if not isinstance(el.tag, str):  # comments, processing instructions
            self.add(el.tail)
            return
        tag = local(el.tag)
        if tag in SKIP:
            pass
        elif tag == "table" and not is_layout_table(el):
            self.flush()
            self.doc.items.append(read_table(el, self.tree))
        elif tag == "br":
            self.flush()
        elif tag in BLOCK or tag in ("table", "tr", "td", "th", "tbody", "thead", "tfoot"):
            self.flush()
            self.buf_source = self.tree.getpath(el)
            self.add(el.text)
            for child in el:
                self.visit(child)
            self.flush()
        else:
            if not self.buf:
                self.buf_source = self.tree.getpath(el)
            self.add(el.text)
            for child in el:
                self.visit(child)
        self.add(el.tail)

    def add(self, s: str | None) -> None:
        if s:
            self.buf.append(s)

    def flush(self) -> None:
        if self.buf:
            for line in "".join(self.buf).split("\n"):
                line = clean(line)
                if line:
                    self.doc.items.append(Block(line, "html:" + self.buf_source))
        self.buf = []


@functools.lru_cache(maxsize=1024)  # called for every element; a page repeats a few tag names
def local(tag: str) -> str:
    """Tag name without namespace or prefix: Word pastes <o:p>, <st1:chsdate>."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def rows_of(table) -> list:
    rows = []
    for child in table:
        if not isinstance(child.tag, str):
            continue
        tag = local(child.tag)
        if tag == "tr":
            rows.append(child)
        elif tag in ("tbody", "thead", "tfoot"):
            rows.extend(r for r in child if isinstance(r.tag, str) and local(r.tag) == "tr")
    return rows


def cells_of(tr) -> list:
    return [c for c in tr if isinstance(c.tag, str) and local(c.tag) in ("td", "th")]


def is_layout_table(table) -> bool:
    """A table used to lay out the page rather than to hold figures: it wraps
    other tables, or it is a single cell holding paragraphs."""
    rows = rows_of(table)
    if any(inner is not table for inner in table.iter("table")):
        return True
    n_cells = sum(len(cells_of(r)) for r in rows)
    if n_cells <= 1:
        return True
    return False


def span(el, attr: str) -> int:
    value = el.get(attr)
    if value is None:  # most cells: no regex for them
        return 1
    try:
        return max(1, min(MAX_SPAN, int(re.sub(r"[^0-9]", "", value) or 1)))
    except ValueError:
        return 1


def cell_text(td) -> str:
    """Join the cell's text pieces. Pieces from separate paragraphs are joined
    without a separator (a CJK label split over <p>s reads whole), except
    between two Latin/digit words, which keep a space."""
    parts: list[str] = []

    def visit(el):
        if not isinstance(el.tag, str):
            if el.tail:
                parts.append(el.tail)
            return
        tag = local(el.tag)
        if tag in SKIP or (tag == "table" and el is not td):
            pass
        else:
            if tag in ("br", "p", "div", "li") and parts:
                parts.append("\n")
            if el.text:
                parts.append(el.text)
            for child in el:
                visit(child)
        if el.tail and el is not td:
            parts.append(el.tail)

    visit(td)
    return join_lines(clean(s) for s in "".join(parts).split("\n"))


def read_table(table, tree) -> Table:
    """The table as a grid with rowspan/colspan expanded: a merged cell is the
    same Cell object at every position it covers."""
    grid: list[list[Cell | None]] = []
    trs = rows_of(table)
    # One getpath per table; cells are located by row and cell index under it.
    where = "html:" + tree.getpath(table)
    for r, tr in enumerate(trs):
        while len(grid) <= r:
            grid.append([])
        row = grid[r]
        c = 0
        for k, td in enumerate(cells_of(tr), start=1):
            while c < len(row) and row[c] is not None:
                c += 1
            cell = Cell(cell_text(td), f"{where}/tr[{r + 1}]/td[{k}]")
            rs, cs = span(td, "rowspan"), span(td, "colspan")
            for dr in range(rs):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                while len(target) < c + cs:
                    target.append(None)
                for dc in range(cs):
                    if target[c + dc] is None:
                        target[c + dc] = cell
            c += cs
    # A rowspan reaching past the last <tr> is clipped, as browsers do.
    rows = [[cell if cell is not None else Cell("", "") for cell in row] for row in grid[: len(trs)]]
    return Table(rows, where)
