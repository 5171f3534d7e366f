"""PDF with a text layer -> Document, through pdfium (pypdfium2).

Tables are rebuilt from geometry, not from the content stream's order: the
ruling lines (thin path objects, and the straight segments of larger paths)
give a grid; a cell whose inner line is missing is merged, and the merged
Cell is the same object at every grid position it spans; each character goes
to the cell holding its centre. A table that ends one page and starts the
next with the same columns is joined into one Table, so a row-group label
broken across the page break ('（四）无' / '法提供') does not split table 3.

Text outside tables becomes one Block per visual line; wide gaps inside a line
become tabs, so an unruled table still reads as `label<TAB>n<TAB>n`.

pdfium rather than pdfminer/pdfplumber: it is a C library, some ten times
faster on the same file (see benchmarks/parse.py), and it opens damaged files
that pure-Python parsers refuse.
"""
from __future__ import annotations

import ctypes
import re
from bisect import bisect_right
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ..model import Block, Cell, Document, ExtractError, Table
from . import join_lines

MAX_PAGES = 60  # an annual report is a few pages; a 500-page upload is not one
RULE_THICKNESS = 2.5  # points: thinner than this and long is a ruling line
TOL = 2.0  # points: lines this close are the same line
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}(\s*页)?(\s*/\s*共?\s*\d+\s*页?)?[-—–\s]*$")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@dataclass(slots=True)
class Char:
    ch: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Rule:
    """An axis-aligned ruling segment in top-down page coordinates."""
    pos: float  # y of a horizontal, x of a vertical
    start: float
    end: float


@dataclass
class Grid:
    xs: list[float]
    ys: list[float]
    cells: list[list[Cell]]  # rows of the grid, merged cells shared
    boxes: dict[int, list[float]] = field(default_factory=dict)  # id(cell) -> [x0, top, x1, bottom]
    chars: dict[int, list[Char]] = field(default_factory=dict)  # id(cell) -> its characters

    @property
    def top(self) -> float:
        return self.ys[0]

    @property
    def bottom(self) -> float:
        return self.ys[-1]


def extract(data: bytes) -> Document:
    pdf = open_pdf(data)
    try:
        n_pages = len(pdf)
        doc = Document(kind="pdf")
        if n_pages > MAX_PAGES:
            doc.notes.append(f"read the first {MAX_PAGES} of {n_pages} pages")
        pages = []
        n_chars = 0
        for i in range(min(n_pages, MAX_PAGES)):
            try:
                page = pdf[i]
            except pdfium.PdfiumError:
                doc.notes.append(f"page {i + 1} is damaged and was skipped")
                continue
            try:
                width, height = page.get_size()
                chars = read_chars(page, height)
                hrules, vrules = read_rules(page, height)
                rotation = page.get_rotation()
            finally:
                page.close()
            if rotation:
                chars, hrules, vrules, height = upright(rotation, width, height, chars, hrules, vrules)
            n_chars += sum(1 for c in chars if _CJK.match(c.ch) or c.ch.isalnum())
            pages.append((i + 1, height, chars, hrules, vrules))
        try:
            title = pdf.get_metadata_dict().get("Title") or None
        except (UnicodeDecodeError, pdfium.PdfiumError):
            title = None  # damaged metadata does not stop the pages being read
    finally:
        pdf.close()
    if not pages and n_pages:
        raise ExtractError("unreadable PDF: no page could be read")
    if n_chars < 20:
        return scanned(data)
    doc.title = title
    previous_table: tuple[Table, Grid, float] | None = None
    for number, height, chars, hrules, vrules in pages:
        items = page_items(number, chars, hrules, vrules)
        items = [it for it in items if not (isinstance(it[1], Block) and _PAGE_NUMBER.match(it[1].text))]
        for k, (top, item, grid) in enumerate(items):
            if (k == 0 and grid is not None and previous_table is not None
                    and same_columns(previous_table[1], grid)):
                previous_table[0].rows.extend(item.rows)  # the table goes on from the last page
                previous_table = (previous_table[0], grid, height)
                continue
            doc.items.append(item)
            previous_table = (item, grid, height) if grid is not None else None
        if items and items[-1][2] is None:
            previous_table = None
    return doc


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        message = str(e)
        if "password" in message.lower():
            raise ExtractError("encrypted PDF: it needs a password to open") from None
        raise ExtractError(f"unreadable PDF ({message})") from None


def scanned(data: bytes) -> Document:
    try:
        from . import ocr
    except ImportError:
        raise ExtractError("PDF has no text layer (a scan) and OCR is not available") from None
    return ocr.extract_pdf(data)


def upright(rotation: int, width: float, height: float, chars: list[Char], hs: list[Rule], vs: list[Rule]):
    """Page geometry as the page is shown: a page whose /Rotate turns it (a
    landscape table, a scan fed sideways) is read in its displayed orientation.
    Returns chars, horizontal rules, vertical rules and the displayed height."""
    W, H = width, height  # noqa: N806 - the page's unrotated size
    if rotation == 90:    # shown turned clockwise: x' = H - top, y' = x
        chars = [Char(c.ch, H - c.bottom, c.x0, H - c.top, c.x1) for c in chars]
        hs, vs = ([Rule(v.pos, H - v.end, H - v.start) for v in vs], [Rule(H - h.pos, h.start, h.end) for h in hs])
        return chars, hs, vs, W
    if rotation == 270:   # shown turned anticlockwise: x' = top, y' = W - x
        chars = [Char(c.ch, c.top, W - c.x1, c.bottom, W - c.x0) for c in chars]
        hs, vs = ([Rule(W - v.pos, v.start, v.end) for v in vs], [Rule(h.pos, W - h.end, W - h.start) for h in hs])
        return chars, hs, vs, W
    if rotation == 180:
        chars = [Char(c.ch, W - c.x1, H - c.bottom, W - c.x0, H - c.top) for c in chars]
        hs = [Rule(H - h.pos, W - h.end, W - h.start) for h in hs]
        vs = [Rule(W - v.pos, H - v.end, H - v.start) for v in vs]
    return chars, hs, vs, H


def read_chars(page, height: float) -> list[Char]:
    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        n = raw.FPDFText_CountChars(handle)
        # The loose box spans the font's ascent to descent and the glyph's
        # advance, the same for every glyph of a line: tight ink boxes put a
        # low '、' or '.' on a line of its own and open gaps inside '11'.
        box = raw.FS_RECTF()
        out: list[Char] = []
        for i in range(n):
            code = raw.FPDFText_GetUnicode(handle, i)
            if code <= 32 or code == 0x3000 or raw.FPDFText_IsGenerated(handle, i) == 1:
                continue  # spaces and line breaks are read from the geometry instead
            if not raw.FPDFText_GetLooseCharBox(handle, i, box):
                continue
            out.append(Char(chr(code), box.left, height - box.top, box.right, height - box.bottom))
        return out
    finally:
        textpage.close()


def read_rules(page, height: float) -> tuple[list[Rule], list[Rule]]:
    """Horizontal and vertical ruling segments drawn on the page (raw pdfium
    calls: the object wrappers cost more than the geometry on a ruled page)."""
    hs: list[Rule] = []
    vs: list[Rule] = []
    l, b, r, t = (ctypes.c_float() for _ in range(4))

    def visit(handle, count, get, depth):
        for i in range(count):
            obj = get(handle, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
                visit(obj, raw.FPDFFormObj_CountObjects(obj), raw.FPDFFormObj_GetObject, depth + 1)
                continue
            if kind != raw.FPDF_PAGEOBJ_PATH or not raw.FPDFPageObj_GetBounds(obj, l, b, r, t):
                continue
            x0, y0, x1, y1 = l.value, b.value, r.value, t.value
            w, h = x1 - x0, y1 - y0
            if h <= RULE_THICKNESS and w > 3:
                hs.append(Rule(height - (y0 + y1) / 2, x0, x1))
            elif w <= RULE_THICKNESS and h > 3:
                vs.append(Rule((x0 + x1) / 2, height - y1, height - y0))
            elif w > 3 and h > 3:
                if raw.FPDFPath_CountSegments(obj) in (4, 5):
                    # A rectangle (a cell drawn as a box): its edges are the bounds.
                    hs.extend((Rule(height - y1, x0, x1), Rule(height - y0, x0, x1)))
                    vs.extend((Rule(x0, height - y1, height - y0), Rule(x1, height - y1, height - y0)))
                else:
                    segments(obj, height, hs, vs)

    handle = page.raw
    visit(handle, raw.FPDFPage_CountObjects(handle), raw.FPDFPage_GetObject, 0)
    return hs, vs


def segments(handle, height: float, hs: list[Rule], vs: list[Rule]) -> None:
    """Straight axis-aligned segments of a larger path: a grid drawn as one path."""
    n = raw.FPDFPath_CountSegments(handle)
    if n <= 0 or n > 5000:
        return
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(handle, m):
        return
    x, y = ctypes.c_float(), ctypes.c_float()
    points: list[tuple[float, float, int, bool]] = []
    for i in range(n):
        seg = raw.FPDFPath_GetPathSegment(handle, i)
        if not seg or not raw.FPDFPathSegment_GetPoint(seg, x, y):
            continue
        px = m.a * x.value + m.c * y.value + m.e
        py = m.b * x.value + m.d * y.value + m.f
        points.append((px, height - py, raw.FPDFPathSegment_GetType(seg), bool(raw.FPDFPathSegment_GetClose(seg))))
    start = None
    prev = None
    for px, py, kind, close in points:
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = prev = (px, py)
            continue
        if prev is not None and kind == raw.FPDF_SEGMENT_LINETO:
            add_segment(prev, (px, py), hs, vs)
            if close and start is not None:
                add_segment((px, py), start, hs, vs)
        prev = (px, py)


def add_segment(a: tuple[float, float], b: tuple[float, float], hs: list[Rule], vs: list[Rule]) -> None:
    (x0, y0), (x1, y1) = a, b
    if abs(y0 - y1) <= 0.5 and abs(x1 - x0) > 3:
        hs.append(Rule(y0, min(x0, x1), max(x0, x1)))
    elif abs(x0 - x1) <= 0.5 and abs(y1 - y0) > 3:
        vs.append(Rule(x0, min(y0, y1), max(y0, y1)))


def page_items(number: int, chars: list[Char], hs: list[Rule], vs: list[Rule], tol: float = TOL,
               kind: str = "pdf", fill=None):
    """(top, item, grid or None) for the tables and text lines of one page, top to bottom.

    The OCR extractor reuses this with word boxes for chars, rules found in the
    page image, a tolerance in pixels, and `fill(box) -> str` to read a cell
    the word detector left empty."""
    hs, vs = merge_rules(hs, tol), merge_rules(vs, tol)
    grids = [g for g in (build_grid(h, v, number, tol, kind) for h, v in regions(hs, vs, tol)) if g is not None]
    loose: list[Char] = []
    for c in chars:
        for g in grids:
            if g.xs[0] - 1 <= c.cx <= g.xs[-1] + 1 and g.ys[0] - 1 <= c.cy <= g.ys[-1] + 1:
                put_in_cell(g, c)
                break
        else:
            loose.append(c)
    items = []
    for g in grids:
        if fill is not None:
            fill_empty(g, fill)
        items.append((g.top, Table(finish_cells(g), g.cells[0][0].source), g))
    for line in lines_of(loose):
        top = min(c.top for c in line)
        items.append((top, Block(line_text(line), box_source(number, line, kind)), None))
    items.sort(key=lambda it: it[0])
    return items


def merge_rules(rules: list[Rule], tol: float = TOL) -> list[Rule]:
    """One rule per drawn line: cells drawn as rectangles repeat every shared
    edge, and a thick line scans as several adjacent ones."""
    out: list[Rule] = []
    open_by_pos: list[Rule] = []  # rules of the current position band
    for r in sorted(rules, key=lambda r: (r.pos, r.start)):
        if open_by_pos and r.pos - open_by_pos[0].pos > tol:
            open_by_pos = []
        for o in open_by_pos:
            if r.start <= o.end + tol and o.start <= r.end + tol:
                o.start, o.end = min(o.start, r.start), max(o.end, r.end)
                break
        else:
            merged = Rule(r.pos, r.start, r.end)
            out.append(merged)
            open_by_pos.append(merged)
    return out


def regions(hs: list[Rule], vs: list[Rule], tol: float = TOL) -> list[tuple[list[Rule], list[Rule]]]:
    """Group ruling lines that touch into table regions (union-find)."""
    rules = [("h", r) for r in hs] + [("v", r) for r in vs]
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hidx = [i for i, (k, _) in enumerate(rules) if k == "h"]
    vidx = [i for i, (k, _) in enumerate(rules) if k == "v"]
    for i in hidx:
        h = rules[i][1]
        for j in vidx:
            v = rules[j][1]
            if h.start - tol <= v.pos <= h.end + tol and v.start - tol <= h.pos <= v.end + tol:
                parent[find(i)] = find(j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, (kind, r) in enumerate(rules):
        g = groups.setdefault(find(i), ([], []))
        (g[0] if kind == "h" else g[1]).append(r)
    return [g for g in groups.values() if g[0] and g[1]]


def cluster(values: list[float], tol: float = TOL) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def build_grid(hs: list[Rule], vs: list[Rule], page: int, tol: float = TOL, kind: str = "pdf") -> Grid | None:
    xs = cluster([v.pos for v in vs] + [h.start for h in hs] + [h.end for h in hs], tol)
    ys = cluster([h.pos for h in hs] + [v.start for v in vs] + [v.end for v in vs], tol)
    if len(xs) < 3 or len(ys) < 3:
        return None  # a box or a single rule, not a table
    nrow, ncol = len(ys) - 1, len(xs) - 1

    def vertical_at(k: int, i: int) -> bool:
        if k in (0, ncol):
            return True
        mid = (ys[i] + ys[i + 1]) / 2
        return any(abs(v.pos - xs[k]) <= tol and v.start - tol <= mid <= v.end + tol for v in vs)

    def horizontal_at(i: int, j: int) -> bool:
        if i in (0, nrow):
            return True
        mid = (xs[j] + xs[j + 1]) / 2
        return any(abs(h.pos - ys[i]) <= tol and h.start - tol <= mid <= h.end + tol for h in hs)

    parent = list(range(nrow * ncol))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for i in range(nrow):
        for j in range(ncol):
            if j + 1 < ncol and not vertical_at(j + 1, i):
                parent[find(i * ncol + j)] = find(i * ncol + j + 1)
            if i + 1 < nrow and not horizontal_at(i + 1, j):
                parent[find(i * ncol + j)] = find((i + 1) * ncol + j)
    cells: dict[int, Cell] = {}
    boxes: dict[int, list[float]] = {}
    rows: list[list[Cell]] = []
    for i in range(nrow):
        row = []
        for j in range(ncol):
            root = find(i * ncol + j)
            if root not in cells:
                cells[root] = Cell("")
                boxes[id(cells[root])] = [xs[j], ys[i], xs[j + 1], ys[i + 1]]
            else:
                box = boxes[id(cells[root])]
                box[0], box[1] = min(box[0], xs[j]), min(box[1], ys[i])
                box[2], box[3] = max(box[2], xs[j + 1]), max(box[3], ys[i + 1])
            row.append(cells[root])
        rows.append(row)
    grid = Grid(xs, ys, rows, boxes)
    for cell in cells.values():
        x0, top, x1, bottom = boxes[id(cell)]
        cell.source = f"{kind}:p{page}:{x0:.1f},{top:.1f},{x1:.1f},{bottom:.1f}"
    return grid


def put_in_cell(g: Grid, c: Char) -> None:
    j = min(max(bisect_right(g.xs, c.cx) - 1, 0), len(g.xs) - 2)
    i = min(max(bisect_right(g.ys, c.cy) - 1, 0), len(g.ys) - 2)
    g.chars.setdefault(id(g.cells[i][j]), []).append(c)


def fill_empty(g: Grid, fill) -> None:
    """Ask `fill` for the text of every cell no character fell into."""
    seen: set[int] = set()
    for row in g.cells:
        for cell in row:
            if id(cell) in seen or g.chars.get(id(cell)):
                continue
            seen.add(id(cell))
            x0, top, x1, bottom = g.boxes[id(cell)]
            found = fill((x0, top, x1, bottom))
            if found:
                g.chars[id(cell)] = [Char(found, x0, top, x1, bottom)]


def finish_cells(g: Grid) -> list[list[Cell]]:
    done: set[int] = set()
    for row in g.cells:
        for cell in row:
            if id(cell) not in done:
                done.add(id(cell))
                cell.text = join_lines(line_text(line, cell=True) for line in lines_of(g.chars.get(id(cell), [])))
    # Rows that are wholly empty (a doubled rule) carry nothing.
    return [row for row in g.cells if any(c.text for c in row)] or g.cells


def lines_of(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into visual lines (by vertical centre), each sorted left to right."""
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: c.cy)
    lines: list[list[Char]] = [[chars[0]]]
    centre = chars[0].cy
    for c in chars[1:]:
        height = max(c.bottom - c.top, 1.0)
        if abs(c.cy - centre) <= height * 0.45:
            lines[-1].append(c)
        else:
            lines.append([c])
            centre = c.cy
    for line in lines:
        line.sort(key=lambda c: c.x0)
    return lines


def line_text(line: list[Char], cell: bool = False) -> str:
    out: list[str] = []
    prev: Char | None = None
    for c in line:
        if prev is not None:
            gap = c.x0 - prev.x1
            size = max(prev.bottom - prev.top, c.bottom - c.top, 1.0)
            both_cjk = bool(_CJK.match(prev.ch) and _CJK.match(c.ch))
            if not cell and gap > size * 1.5:
                out.append("\t")  # a column gap: an unruled table
            elif gap > size * 0.3 and not both_cjk and not (cell and (_CJK.match(prev.ch) or _CJK.match(c.ch))):
                out.append(" ")
        out.append(c.ch)
        prev = c
    return "".join(out)


def box_source(page: int, chars: list[Char], kind: str = "pdf") -> str:
    return (f"{kind}:p{page}:{min(c.x0 for c in chars):.1f},{min(c.top for c in chars):.1f},"
            f"{max(c.x1 for c in chars):.1f},{max(c.bottom for c in chars):.1f}")


def same_columns(a: Grid, b: Grid) -> bool:
    """Whether table b, at the top of a page, continues table a from the page before."""
    if len(a.xs) == len(b.xs) and all(abs(x - y) <= 3 for x, y in zip(a.xs, b.xs)):
        return True
    matched = sum(1 for x in b.xs if any(abs(x - y) <= 3 for y in a.xs))
    return matched >= 0.7 * max(len(a.xs), len(b.xs))
