"""The document model: what every extractor produces and the recogniser reads.

An extractor turns the bytes of one file kind (HTML, text, PDF, DOCX, ...)
into a `Document`: an ordered list of `Block`s (running text) and `Table`s
(grids of `Cell`s). Recognition of report tables, sections and metadata works
on this model only, so one recogniser serves every file kind.

Every cell and block carries `source`, a short string that locates it in the
original file, so a reader can find a printed number again:

    html:/html/body/table[2]/tr[5]/td[3]     the table's element path, then row and cell index within it
    pdf:p4:72.7,547.7,243.3,584.2            page (1-based) and bbox x0,top,x1,bottom in points
    docx:t2/r5/c3                            table, row, cell (1-based; nested: t2/r5/c3/t1/r1/c1)
    text:L123                                line (1-based); text:L123:c4 for the 4th cell of a row
    ocr:p1:x0,top,x1,bottom                  page and box in pixels of the rendered page
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True, eq=False)
class Cell:
    """One table cell as printed. A merged cell is the same object at every
    grid position it spans (compare with `is`)."""

    text: str
    source: str = ""


@dataclass(slots=True)
class Table:
    """A grid of cells, rows top to bottom. Rows may differ in length when the
    source does (text and PDF tables are often ragged)."""

    rows: list[list[Cell]]
    source: str = ""


@dataclass(slots=True)
class Block:
    """A paragraph or line of running text."""

    text: str
    source: str = ""


@dataclass(slots=True)
class Document:
    kind: str  # html, text, pdf, docx, doc, wps, image
    items: list[Block | Table] = field(default_factory=list)
    title: str | None = None  # a title the container states (HTML <title>, PDF metadata)
    notes: list[str] = field(default_factory=list)  # how extraction went (encoding chosen, OCR used, ...)

    @property
    def tables(self) -> list[Table]:
        return [i for i in self.items if isinstance(i, Table)]

    def text(self) -> str:
        """All text in reading order, table rows as tab-separated lines."""
        out: list[str] = []
        for item in self.items:
            if isinstance(item, Block):
                out.append(item.text)
            else:
                for row in item.rows:
                    seen: list[Cell] = []
                    for c in row:
                        if not any(c is s for s in seen):
                            seen.append(c)
                    out.append("\t".join(c.text for c in seen))
        return "\n".join(out)


class ExtractError(Exception):
    """The file cannot be turned into a document; the message says why, for a user."""
