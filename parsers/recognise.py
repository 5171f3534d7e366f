"""Find the form's tables in a Document by their row labels.

Every table row and every text line that looks like "label  n  n  n" becomes
a `Row` (label text + value cells). Rows are then matched to the form's rows
through the synonym dictionary in `labels`, in document order, whatever table
or page they sit in: a table split across pages, or printed as text lines, is
read the same way. Values are never poured into cells by position in the
document; a row whose label is not recognised is not read.

Table 4 has no row labels of its own: its 15 figures follow a header that
names 维持/纠正/审结; a layout with one row per block (行政复议 / 直接起诉 /
复议后起诉, five figures each) is read too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import labels as L
from .model import Block, Cell, Document, Table
from .values import read as read_value

_BLOCK_TOKEN = re.compile(r"^(?:[+\-−]?\d[\d,，]*(?:\.\d+)?|[-—–/／]+|无)$")
_T4_FIGURES = 15


@dataclass(slots=True)
class Row:
    label: str  # the printed label cells, joined
    values: list[Cell]  # the cells after the label
    source: str
    table: int | None  # index of the Table in document order; None for a text line

    @property
    def has_number(self) -> bool:
        return any(read_value(c.text).kind == "number" for c in self.values)


@dataclass
class Found:
    """What the recogniser found; values are Cells, so raw text and source travel along."""

    table2: dict[str, list[Cell]] = field(default_factory=dict)
    table3: dict[str, list[Cell]] = field(default_factory=dict)
    table4: dict[str, list[Cell]] = field(default_factory=dict)
    form_hint: str | None = None  # "2019" / "2021" from column headers
    problems: list[str] = field(default_factory=list)
    table3_partial: list[str] = field(default_factory=list)  # rows seen but unreadable


def rows_of(doc: Document) -> list[Row]:
    rows: list[Row] = []
    t = 0
    for item in doc.items:
        if isinstance(item, Table):
            for cells in item.rows:
                row = table_row(cells, t)
                if row:
                    rows.append(row)
            t += 1
        else:
            row = text_row(item)
            if not row:
                continue
            previous = rows[-1] if rows else None
            if (not row.label and previous is not None and previous.table is None and not previous.label
                    and previous.values):
                # Text that prints one figure per line (pdftotext without
                # -layout): the figures of a row follow its label line by line.
                previous.values.extend(row.values)
                continue
            rows.append(row)
    return rows


def table_row(cells: list[Cell], table: int) -> Row | None:
    unique: list[Cell] = []
    for c in cells:
        if not any(c is u for u in unique):
            unique.append(c)
    last_label = -1
    for i, c in enumerate(unique):
        if read_value(c.text).kind == "text":
            last_label = i
    label = "".join(c.text for c in unique[: last_label + 1])
    values = unique[last_label + 1:]
    if not label.strip() and not any(c.text.strip() for c in values):
        return None
    source = next((c.source for c in unique if c.text.strip()), unique[0].source if unique else "")
    return Row(label, values, source, table)


def text_row(block: Block) -> Row | None:
    """A text line as a row: tab-separated cells, or a label followed by
    whitespace-separated figures. Prose (long lines, figures with units) is not a row."""
    text = block.text.strip()
    if not text:
        return None
    if "\t" in text:
        parts = [p.strip() for p in text.split("\t")]
        cells = [Cell(p, f"{block.source}:c{i + 1}") for i, p in enumerate(parts)]
        return table_row(cells, None)
    tokens = text.split()
    k = len(tokens)
    while k > 0 and _BLOCK_TOKEN.match(tokens[k - 1]):
        k -= 1
    figures = tokens[k:]
    label = "".join(tokens[:k])
    if not figures:
        return Row(label, [], block.source, None) if len(label) <= 60 else None
    if len(label) > 60 or not any(ch.isdigit() for ch in "".join(figures)):
        return None
    return Row(label, [Cell(f, f"{block.source}:c{i + 1}") for i, f in enumerate(figures, start=1 if label else 0)],
               block.source, None)


def form_hint(rows: list[Row]) -> str | None:
    hits19 = hits21 = 0
    for r in rows:
        n = L.norm(r.label)
        hits19 += any(h in n for h in L.FORM_2019_HINTS)
        hits21 += any(h in n for h in L.FORM_2021_HINTS)
    if hits19 > hits21:
        return "2019"
    if hits21:
        return "2021"
    return None


def pick(values: list[Cell], n: int, is_text_line: bool) -> list[Cell] | None:
    """The row's n figures: surplus blank cells at the ends are layout, not figures."""
    vals = list(values)
    while len(vals) > n and not vals[-1].text.strip():
        vals.pop()
    while len(vals) > n and not vals[0].text.strip():
        vals.pop(0)
    if len(vals) > n and is_text_line:
        vals = merge_thousands(vals, n)
    return vals if len(vals) == n else None


def merge_thousands(vals: list[Cell], n: int) -> list[Cell]:
    """'1 234' printed with a space inside a number, in a text line."""
    out: list[Cell] = []
    for c in vals:
        if (len(out) + (len(vals) - vals.index(c))) > n and out and re.fullmatch(r"\d{3}", c.text) \
                and re.fullmatch(r"\d{1,3}", out[-1].text):
            out[-1] = Cell(out[-1].text + c.text, out[-1].source)
        else:
            out.append(c)
    return out


def label_match(own: str, pending: list[str], found: Found) -> tuple[str, int] | None:
    """The table-3 row a label names, reading back over the label lines above
    it one at a time: the nearest lines belong to this row, the farther ones
    may be the tail of the row before (a label wrapped around its figures)."""
    first = None
    for k in range(len(pending) + 1):
        label = L.norm("".join(pending[len(pending) - k:]) + own) if k else own
        if not label:
            continue
        m = L.match_table3(label)
        if m and m[0] not in found.table3:
            return m
        first = first or m
    return first


def recognise(doc: Document) -> Found:
    rows = rows_of(doc)
    return Recogniser(form_hint(rows)).run(rows)


class Recogniser:
    """One pass over the rows in document order, keeping the little state a
    reader keeps: the label lines just read, and whether a table-4 header was
    just seen."""

    T4_REACH = 12  # rows after a table-4 header in which its figures may still come

    def __init__(self, hint: str | None):
        self.found = Found(form_hint=hint)
        self.t2_form = hint or "2021"
        self.pending: list[str] = []  # label lines without figures, nearest last
        self.t4_armed = 0
        self.t4_buffer: list[Cell] = []

    def run(self, rows: list[Row]) -> Found:
        for row in rows:
            own = L.norm(row.label)
            if not row.values:
                self.label_line(row, own)
                continue
            pending, self.pending = self.pending, []
            if self.table4_block_row(row, own) or self.table4_figures(row, own):
                continue
            if self.t4_armed:
                self.t4_armed -= 1
            # A row of figures with no label of its own takes the label line above it.
            m2 = L.match_table2(own or (L.norm(pending[-1]) if pending else ""))
            m3 = label_match(own, pending, self.found) if m2 is None else (L.match_table3(own) if own else None)
            if m2 and (m3 is None or m2[1] >= m3[1]):
                self.table2_row(row, m2[0])
            elif m3:
                self.table3_row(row, m3[0])
        return self.found

    def label_line(self, row: Row, own: str) -> None:
        # A label broken over lines whose figures follow; sentences are not labels.
        if len(row.label) <= 40 and not re.search(r"[。；;]", row.label):
            self.pending = (self.pending + [row.label])[-4:]
        else:
            self.pending = []
        if any(w in own for w in L.TABLE4_HEADER_WORDS):
            self.t4_armed = self.T4_REACH
            self.t4_buffer = []
        elif self.t4_armed:
            self.t4_armed -= 1

    def table4_block_row(self, row: Row, own: str) -> bool:
        """Table 4 printed one row per block: 行政复议 | five figures."""
        block = L.table4_block(own) if own else None
        if (not block or block in self.found.table4 or L.match_table3(own) or "行政诉讼" in own[4:]
                or any(w in own for w in L.TABLE4_HEADER_WORDS[:3])
                or not (row.has_number or len(row.values) == 5)):
            return False
        figures = pick(row.values, 5, row.table is None)
        if figures:
            self.found.table4[block] = figures
        return bool(figures)

    def table4_figures(self, row: Row, own: str) -> bool:
        """The fifteen figures under a table-4 header, in one row or several."""
        if not self.t4_armed or self.found.table4 or (own and not any(w in own for w in L.TABLE4_HEADER_WORDS)):
            return False
        self.t4_buffer.extend(row.values)
        if len(self.t4_buffer) >= _T4_FIGURES:
            figures = pick(self.t4_buffer, _T4_FIGURES, row.table is None)
            if figures:
                for b, block in enumerate(L.TABLE4_BLOCKS):
                    self.found.table4[block] = figures[5 * b: 5 * b + 5]
            else:
                self.found.problems.append(
                    f"table4: {len(self.t4_buffer)} cells under its header, expected 15 ({row.source})")
            self.t4_armed = 0
            self.t4_buffer = []
        return True

    def table2_row(self, row: Row, key: str) -> None:
        found = self.found
        cols = L.TABLE2_COLUMNS[self.t2_form].get(key)
        if cols is None or key in found.table2:
            return
        figures = pick(row.values, len(cols), row.table is None)
        if figures is None and row.has_number and not found.table2:
            # The other form's column count: the header that names the form was missing.
            other = "2019" if self.t2_form == "2021" else "2021"
            alt = L.TABLE2_COLUMNS[other].get(key)
            figures = pick(row.values, len(alt), row.table is None) if alt else None
            if figures is not None:
                self.t2_form = other
                found.form_hint = found.form_hint or other
        if figures is not None:
            found.table2[key] = figures
        else:
            found.problems.append(f"table2 {key}: {len(row.values)} cells, cannot tell its figures ({row.source})")

    def table3_row(self, row: Row, key: str) -> None:
        found = self.found
        if key in found.table3:
            return
        if not row.has_number and not any(c.text.strip() for c in row.values) and len(row.values) < len(L.APPLICANTS):
            return  # a header row that names a form row, not a row of figures
        figures = pick(row.values, len(L.APPLICANTS), row.table is None)
        if figures is not None:
            found.table3[key] = figures
        else:
            found.table3_partial.append(key)
            found.problems.append(f"table3 {key}: {len(row.values)} cells, expected 7 ({row.source})")
