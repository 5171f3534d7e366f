"""Plain text and Markdown -> Document.

Text conversions of reports print tables in three ways, all read here:

- tab-separated rows, one row per line;
- one cell per line, each cell line starting with a tab, rows separated by
  blank lines (a Word table copied as text); a cell broken over two lines
  continues on a line without the leading tab;
- Markdown pipe tables.

Anything else is running text: one Block per non-empty line. Text tables in
other layouts (space-aligned columns, OCR output) are left as Blocks; the
recogniser reads label-and-numbers lines itself.
"""
from __future__ import annotations

import re

from ..encoding import decode
from ..model import Block, Cell, Document, Table

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HEADING = re.compile(r"^\s*(#+\s|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
CONTINUATION_MAX = 12  # a header cell broken over lines: 商业 / 企业, 社会公 / 益组织


def extract(data: bytes, content_type: str | None = None) -> Document:
    decoded = decode(data, content_type)
    doc = Document(kind="text")
    doc.notes.append(f"encoding {decoded.chosen}")
    lines = decoded.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    Reader(lines, doc).read()
    return doc


class Reader:
    def __init__(self, lines: list[str], doc: Document):
        self.lines = lines
        self.doc = doc
        self.i = 0

    def read(self) -> None:
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if _PIPE_ROW.match(line):
                self.pipe_table()
            elif is_cell_line(line):
                self.cell_per_line_table()
            elif "\t" in line.strip("\t ") or (line.startswith("\t") and line.strip()):
                self.tab_table()
            else:
                text = line.strip()
                if text:
                    self.doc.items.append(Block(clean_md(text), f"text:L{self.i + 1}"))
                self.i += 1

    def pipe_table(self) -> None:
        start = self.i
        rows: list[list[Cell]] = []
        while self.i < len(self.lines) and _PIPE_ROW.match(self.lines[self.i]):
            line = self.lines[self.i]
            if not _PIPE_RULE.match(line):
                parts = line.strip().strip("|").split("|")
                rows.append([Cell(p.strip().replace("<br>", ""), f"text:L{self.i + 1}:c{k + 1}") for k, p in enumerate(parts)])
            self.i += 1
        self.doc.items.append(Table(rows, f"text:L{start + 1}"))

    def tab_table(self) -> None:
        """Consecutive lines holding tabs, each line a row; single blank lines
        inside the run do not end it (converters insert them)."""
        start = self.i
        rows: list[list[Cell]] = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if "\t" in line and line.strip():
                cells = line.rstrip("\n").split("\t")
                rows.append([Cell(c.strip(), f"text:L{self.i + 1}:c{k + 1}") for k, c in enumerate(cells)])
                self.i += 1
            elif not line.strip() and self._tabbed_soon(has_tab):
                self.i += 1
            else:
                break
        self.doc.items.append(Table(rows, f"text:L{start + 1}"))

    def cell_per_line_table(self) -> None:
        start = self.i
        rows: list[list[Cell]] = []
        row: list[Cell] = []
        blank_run = 0
        while self.i < len(self.lines):
            line = self.lines[self.i]
            stripped = line.strip()
            if is_cell_line(line):
                if blank_run and row:
                    rows.append(row)
                    row = []
                row.append(Cell(stripped, f"text:L{self.i + 1}"))
                blank_run = 0
            elif not stripped:
                blank_run += 1
                if blank_run >= 2 and not self._tabbed_soon(is_cell_line, limit=1):
                    break
            elif row and blank_run <= 1 and self._is_continuation(stripped):
                # A cell broken over lines: the tail has no leading tab.
                row[-1].text += stripped
                blank_run = 0
            else:
                break
            self.i += 1
        if row:
            rows.append(row)
        self.doc.items.append(Table(rows, f"text:L{start + 1}"))

    def _is_continuation(self, stripped: str) -> bool:
        return len(stripped) <= CONTINUATION_MAX and not _HEADING.match(stripped)

    def _tabbed_soon(self, wanted, limit: int = 2) -> bool:
        """Whether a `wanted` line follows within `limit` blank lines."""
        j = self.i + 1
        while j < len(self.lines) and j <= self.i + limit and not self.lines[j].strip():
            j += 1
        return j < len(self.lines) and j <= self.i + limit + 1 and wanted(self.lines[j])


def is_cell_line(line: str) -> bool:
    """One cell of a cell-per-line table: a leading tab and no other."""
    return line.startswith("\t") and "\t" not in line[1:].rstrip("\t")


def has_tab(line: str) -> bool:
    return "\t" in line and bool(line.strip())


def clean_md(text: str) -> str:
    """Drop Markdown emphasis and heading marks; keep the words."""
    text = re.sub(r"^#+\s*", "", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    return text
