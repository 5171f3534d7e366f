"""PDF with a text layer -> Document, through pdfium (pypdfium2).

Tables are rebuilt from geometry, not from the content stream's order: the
ruling lines (thin path objects, rectangles' edges, and the straight segments
of larger paths) give a grid; a cell whose inner line is missing is merged, and
the merged Cell is the same object at every grid position it spans; each
character goes to the cell holding its centre. A table that ends one page and
starts the next with the same columns is joined into one Table, and a row-group
cell cut by the page break ('（四）无' / '法提供') becomes one Cell again, so
table 3 reads as one table of whole rows.

Text outside tables becomes one Block per visual line; wide gaps inside a line
become tabs, so an unruled table still reads as `label<TAB>n<TAB>n`. Page
numbers and running headers/footers are dropped.

pdfium rather than pdfminer/pdfplumber: it is a C library, roughly ten times
faster on the same file (see benchmarks/parse.py), and it opens damaged files
that pure-Python parsers refuse. Characters and path objects are read through
raw pdfium calls: the object wrappers cost more than the geometry.
"""
from __future__ import annotations

import ctypes
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ..model import Block, Cell, Document, ExtractError, Table
from . import join_lines

MAX_PAGES = 60  # an annual report is a few pages; a 500-page upload is not one
RULE_THICKNESS = 2.5  # points: thinner than this and long is a ruling line
TOL = 2.0  # points: lines this close are the same line
COLUMN_TOL = 3.0  # points: column edges of a table and its continuation on the next page
EDGE_ZONE = 0.25  # share of the page height: a table ending/starting this near the edge may go on
MARGIN_ZONE = 0.12  # share of the page height where running headers and footers stand
MIN_HAN = 20  # fewer Chinese characters than this in a whole report: the text layer is not the text
SLANT = 0.03  # radians (under 2°) off a quarter turn: a character still stands upright or sideways
QUARTER = math.pi / 2
MAX_PATH_SEGMENTS = 5000  # more segments in one path: a drawing, not a table grid
_PAGE_NUMBER = re.compile(
    r"^[-—–\s]*(第\s*)?\d{1,3}(\s*页)?(\s*[/／]\s*\d{1,3}|\s*[/／,，]?\s*共\s*\d{1,3}\s*页)?[-—–\s]*$"
    r"|^\s*[Pp]age\s*\d{1,3}(\s*(of|/)\s*\d{1,3})?\s*$")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_NUMBER = re.compile(r"^[\s\d.,，%+\-]+$")
# a label that opens a row group: 三、 （四） 2. 1、
_GROUP_START = re.compile(r"^\s*([（(][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|\d+\s*[.、．])")
_JUNK_TITLES = {"untitled", "无标题"}  # generator defaults, not the report's title


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


@dataclass(slots=True)
class Page:
    """What one page holds, in top-down coordinates of the page as displayed."""
    number: int
    height: float
    chars: list[Char]
    hs: list[Rule]
    vs: list[Rule]
    images: int


# --- the document -------------------------------------------------------------------------

def extract(data: bytes) -> Document:
    doc = Document(kind="pdf")
    pdf = open_pdf(data)
    try:
        pages = read_pages(pdf, doc)
        title = read_title(pdf)
    finally:
        pdf.close()
    if looks_scanned(pages):
        return scanned(data)
    doc.title = title
    lay_out(doc, pages)
    return doc


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code == raw.FPDF_ERR_PASSWORD or "password" in str(e).lower():
            raise ExtractError("encrypted PDF: it needs a password to open") from None
        if code == raw.FPDF_ERR_SECURITY:
            raise ExtractError("encrypted PDF: its security handler is not supported") from None
        if code == raw.FPDF_ERR_FORMAT:
            raise ExtractError("unreadable PDF: the file is damaged or truncated") from None
        raise ExtractError(f"unreadable PDF ({e})") from None


def read_pages(pdf: pdfium.PdfDocument, doc: Document) -> list[Page]:
    n = len(pdf)
    if n == 0:
        raise ExtractError("unreadable PDF: it has no pages")
    if n > MAX_PAGES:
        doc.notes.append(f"read the first {MAX_PAGES} of {n} pages")
    pages = [read_page(page, number) for number, page in open_pages(pdf, doc, min(n, MAX_PAGES))]
    if not pages:
        raise ExtractError("unreadable PDF: no page could be read")
    return pages


def open_pages(pdf: pdfium.PdfDocument, doc: Document, n: int):
    """(page number, page) of the first n pages, each closed once the caller moves on;
    a page pdfium cannot load is noted in the document and skipped."""
    for i in range(n):
        try:
            page = pdf[i]
        except pdfium.PdfiumError:
            doc.notes.append(f"page {i + 1} is damaged and was skipped")
            continue
        try:
            yield i + 1, page
        finally:
            page.close()


def read_page(page, number: int) -> Page:
    # Page space need not start at 0,0: measure from the crop box's top left.
    left, bottom, right, top = page.get_cropbox()
    chars = read_chars(page, left, top)
    hs, vs, images = read_objects(page, left, top)
    height = top - bottom
    rotation = page.get_rotation()
    if rotation:
        chars, hs, vs, height = upright(rotation, right - left, height, chars, hs, vs)
    return Page(number, height, chars, hs, vs, images)


def read_title(pdf: pdfium.PdfDocument) -> str | None:
    try:
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    except (UnicodeDecodeError, pdfium.PdfiumError):
        return None  # damaged metadata does not stop the pages being read
    if not title or title.lower() in _JUNK_TITLES:
        return None
    return title


def looks_scanned(pages: list[Page]) -> bool:
    """No usable text layer: next to nothing readable, or a scan (images) whose
    text layer is too poor to be a Chinese report (a garbled font mapping)."""
    han = sum(1 for p in pages for c in p.chars if _HAN.match(c.ch))
    if han >= MIN_HAN:
        return False
    readable = sum(1 for p in pages for c in p.chars if c.ch.isalnum())
    return readable < MIN_HAN or any(p.images for p in pages)


def scanned(data: bytes) -> Document:
    try:
        from . import ocr
    except ImportError:
        raise ExtractError("PDF has no text layer (scanned) and OCR is not available") from None
    return ocr.extract_pdf(data)


def upright(rotation: int, width: float, height: float, chars: list[Char], hs: list[Rule], vs: list[Rule]):
    """Page geometry as the page is shown: a page whose /Rotate turns it (a
    landscape table, a scan fed sideways) is read in its displayed orientation.
    `width`/`height` are the unrotated page's; returns chars, horizontal rules,
    vertical rules and the displayed height."""
    W, H = width, height  # noqa: N806
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


# --- reading a page through pdfium ---------------------------------------------------------

def read_chars(page, left: float, top: float) -> list[Char]:
    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        n = raw.FPDFText_CountChars(handle)
        if n <= 0:
            return []
        text = page_text(handle, n)
        # The loose box spans the font's ascent to descent and the glyph's
        # advance, the same for every glyph of a line: tight ink boxes put a
        # low '、' or '.' on a line of its own and open gaps inside '11'.
        box = raw.FS_RECTF()
        loose_box, angle_of = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetCharAngle
        out: list[Char] = []
        for i, ch in enumerate(text):
            # Spaces and line breaks (pdfium generates some) are read from the geometry instead.
            if ch <= " " or ch in "\u3000\ufffd\ufffe\uffff":
                continue
            angle = angle_of(handle, i)  # radians, 0 when upright
            if angle > SLANT and abs(angle - round(angle / QUARTER) * QUARTER) > SLANT:
                continue  # slanted: a watermark or a seal's ring of text, not the report's text
            if loose_box(handle, i, box):
                out.append(Char(ch, box.left - left, top - box.top, box.right - left, top - box.bottom))
        return out
    finally:
        textpage.close()


def page_text(handle, n: int) -> str:
    """The page's characters, one per pdfium char index, in one call."""
    buf = (ctypes.c_ushort * (2 * n + 2))()  # room for a surrogate pair each: pdfium writes UTF-16
    got = raw.FPDFText_GetText(handle, 0, n, buf)
    text = bytes(buf)[: max(got - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(text) == n:
        return text
    # Indexes and UTF-16 units disagree: ask char by char.
    return "".join(chr(raw.FPDFText_GetUnicode(handle, i) or 0xFFFD) for i in range(n))


def read_objects(page, left: float, top: float) -> tuple[list[Rule], list[Rule], int]:
    """Horizontal and vertical ruling segments drawn on the page, and how many images it shows."""
    hs: list[Rule] = []
    vs: list[Rule] = []
    images = 0
    l, b, r, t = (ctypes.c_float() for _ in range(4))

    def visit(handle, count, get, depth):
        nonlocal images
        for i in range(count):
            obj = get(handle, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
                visit(obj, raw.FPDFFormObj_CountObjects(obj), raw.FPDFFormObj_GetObject, depth + 1)
                continue
            if kind == raw.FPDF_PAGEOBJ_IMAGE:
                images += 1
                continue
            if kind != raw.FPDF_PAGEOBJ_PATH or not raw.FPDFPageObj_GetBounds(obj, l, b, r, t):
                continue
            x0, x1, y0, y1 = l.value - left, r.value - left, top - t.value, top - b.value  # y0 above y1
            w, h = x1 - x0, y1 - y0
            if h <= RULE_THICKNESS and w > 3:
                hs.append(Rule((y0 + y1) / 2, x0, x1))
            elif w <= RULE_THICKNESS and h > 3:
                vs.append(Rule((x0 + x1) / 2, y0, y1))
            elif w > 3 and h > 3:
                n = raw.FPDFPath_CountSegments(obj)
                if n in (4, 5):
                    # A rectangle (a cell drawn as a box): its edges are the bounds.
                    hs.extend((Rule(y0, x0, x1), Rule(y1, x0, x1)))
                    vs.extend((Rule(x0, y0, y1), Rule(x1, y0, y1)))
                elif max(w, h) >= 20:
                    # A grid drawn as one path; smaller paths are glyphs and icons.
                    segments(obj, n, left, top, hs, vs)

    handle = page.raw
    visit(handle, raw.FPDFPage_CountObjects(handle), raw.FPDFPage_GetObject, 0)
    return hs, vs, images


def segments(handle, n: int, left: float, top: float, hs: list[Rule], vs: list[Rule]) -> None:
    """Straight axis-aligned segments of a larger path: a grid drawn as one path."""
    if n <= 0 or n > MAX_PATH_SEGMENTS:
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
        px = m.a * x.value + m.c * y.value + m.e - left
        py = top - (m.b * x.value + m.d * y.value + m.f)
        points.append((px, py, raw.FPDFPathSegment_GetType(seg), bool(raw.FPDFPathSegment_GetClose(seg))))
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


# --- pages into items ---------------------------------------------------------------------

def lay_out(doc: Document, pages: list[Page]) -> None:
    """Every page's tables and lines in reading order; a table continued on
    the next page is joined to the one it continues."""
    per_page = [page_items(p.number, p.chars, p.hs, p.vs) for p in pages]
    drop_furniture(pages, per_page)
    previous: tuple[Table, Grid, Page] | None = None  # the table that ended the last page
    for page, items in zip(pages, per_page):
        for k, (_top, item, grid) in enumerate(items):
            if k == 0 and grid is not None and previous is not None and continues(previous, grid, page):
                join_tables(previous[0], previous[1], item, grid)
                previous = (previous[0], grid, page)
                continue
            doc.items.append(item)
            previous = (item, grid, page) if grid is not None else None


def drop_furniture(pages: list[Page], per_page: list[list]) -> None:
    """Remove page numbers and running headers/footers: lines at the top or
    bottom edge of a page that are a page number, or that recur (digits
    aside) at the same place on other pages. They would stand between a
    table and its continuation."""
    def edge_lines(page: Page, items: list):
        for k in sorted({0, len(items) - 1}):
            top, item, _grid = items[k]
            if isinstance(item, Block) and not page.height * MARGIN_ZONE <= top <= page.height * (1 - MARGIN_ZONE):
                yield k, (re.sub(r"\d+", "#", item.text), round(top / 5))

    seen = Counter(key for page, items in zip(pages, per_page) if items for _k, key in edge_lines(page, items))
    for page, items in zip(pages, per_page):
        if items:
            drop = {k for k, key in edge_lines(page, items) if seen[key] >= 2 or _PAGE_NUMBER.match(items[k][1].text)}
            items[:] = [it for k, it in enumerate(items) if k not in drop]


def continues(previous: tuple[Table, Grid, Page], grid: Grid, page: Page) -> bool:
    """Whether `grid`, first on `page`, goes on with the table that ended the page before."""
    _table, last, last_page = previous
    if last_page.number != page.number - 1:
        return False
    if last.bottom < last_page.height * (1 - EDGE_ZONE) or grid.top > page.height * EDGE_ZONE:
        return False  # not at the page break: two tables
    return same_columns(last, grid)


def same_columns(a: Grid, b: Grid) -> bool:
    """The same column edges: all of them, or the outer edges with one table's
    inner edges a subset of the other's (a part of table 2 with merged cells)."""
    def near(x: float, xs: list[float]) -> bool:
        return any(abs(x - y) <= COLUMN_TOL for y in xs)

    if abs(a.xs[0] - b.xs[0]) > COLUMN_TOL or abs(a.xs[-1] - b.xs[-1]) > COLUMN_TOL:
        return False
    return all(near(x, a.xs) for x in b.xs) or all(near(x, b.xs) for x in a.xs)


def join_tables(table: Table, grid: Grid, more: Table, more_grid: Grid) -> None:
    """Append `more` (the continuation) to `table`; a row-group cell cut by
    the page break becomes one Cell, the same object in rows of both parts."""
    if table.rows and more.rows:
        for old, new in cut_cells(table, grid, more, more_grid):
            old.text = join_lines([old.text, new.text])
            more_grid.boxes[id(old)] = more_grid.boxes[id(new)]  # so a third page can join it too
            for row in more.rows:
                row[:] = [old if c is new else c for c in row]
    table.rows.extend(more.rows)


def cut_cells(table: Table, grid: Grid, more: Table, more_grid: Grid) -> list[tuple[Cell, Cell]]:
    """(cell above the break, cell below) pairs that are one row-group cell.

    Both rows must be body rows (with figures), the cells must have the same
    column span, one of them must span several rows (a group label), neither
    holds a figure, and the lower one must not open a group of its own."""
    last, first = table.rows[-1], more.rows[0]
    if not (has_figure(last) and has_figure(first)):
        return []  # a repeated header row is not the rest of a group label
    pairs = []
    for new in unique(first):
        nx0, _top, nx1, _bottom = more_grid.boxes[id(new)]
        for old in unique(last):
            box = grid.boxes.get(id(old))
            if box is None or abs(box[0] - nx0) > COLUMN_TOL or abs(box[2] - nx1) > COLUMN_TOL:
                continue
            spans = (len(table.rows) > 1 and any(c is old for c in table.rows[-2])) or \
                    (len(more.rows) > 1 and any(c is new for c in more.rows[1]))
            figure = _NUMBER.match(old.text) or _NUMBER.match(new.text)
            if spans and not figure and not _GROUP_START.match(new.text) and (old.text or new.text):
                pairs.append((old, new))
    return pairs


def has_figure(row: list[Cell]) -> bool:
    return any(_NUMBER.match(c.text) for c in row)


def unique(row: list[Cell]) -> list[Cell]:
    out: list[Cell] = []
    for c in row:
        if not any(c is o for o in out):
            out.append(c)
    return out


def page_items(number: int, chars: list[Char], hs: list[Rule], vs: list[Rule], tol: float = TOL,
               kind: str = "pdf", fill=None):
    """(top, item, grid or None) for the tables and text lines of one page, top to bottom.

    The OCR extractor reuses this with word boxes for chars, rules found in the
    page image, a tolerance in pixels, and `fill(box) -> str` to read a cell
    the word detector left empty."""
    hs, vs = merge_rules(hs, tol), merge_rules(vs, tol)
    grids = [g for g in (build_grid(h, v, number, tol, kind) for h, v in regions(hs, vs, tol)) if g is not None]
    loose = place_chars(grids, chars)
    items = []
    for g in grids:
        if fill is not None:
            fill_empty(g, fill)
        source = f"{kind}:p{number}:{g.xs[0]:.1f},{g.ys[0]:.1f},{g.xs[-1]:.1f},{g.ys[-1]:.1f}"
        items.append((g.top, Table(finish_cells(g), source), g))
    for line in lines_of(loose):
        top = min(c.top for c in line)
        items.append((top, Block(line_text(line), box_source(number, line, kind)), None))
    items.sort(key=itemgetter(0))
    return items


def place_chars(grids: list[Grid], chars: list[Char]) -> list[Char]:
    """Put each character into the cell holding its centre; return those outside every table."""
    if not grids:
        return chars
    loose: list[Char] = []
    spans = [(g, g.xs[0] - 1, g.xs[-1] + 1, g.ys[0] - 1, g.ys[-1] + 1) for g in grids]
    for c in chars:
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        for g, left, right, top, bottom in spans:
            if left <= cx <= right and top <= cy <= bottom:
                # the grid cell holding the centre; one just outside the border goes to the edge cell
                j = min(max(bisect_right(g.xs, cx) - 1, 0), len(g.xs) - 2)
                i = min(max(bisect_right(g.ys, cy) - 1, 0), len(g.ys) - 2)
                g.chars.setdefault(id(g.cells[i][j]), []).append(c)
                break
        else:
            loose.append(c)
    return loose


# --- ruling lines into grids ----------------------------------------------------------------

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
    parent = list(range(len(hs) + len(vs)))  # horizontals first, then verticals

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(vs)), key=lambda j: vs[j].pos)
    positions = [vs[j].pos for j in order]
    for i, h in enumerate(hs):
        # only the verticals within the horizontal's extent can touch it
        for j in order[bisect_left(positions, h.start - tol): bisect_right(positions, h.end + tol)]:
            v = vs[j]
            if v.start - tol <= h.pos <= v.end + tol:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, r in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(r)
    for j, r in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(r)
    return [g for g in groups.values() if g[0] and g[1]]


def cluster(values: list[float], tol: float = TOL) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def edges(rules: list[float], ends: list[float], tol: float = TOL) -> list[float]:
    """Grid line positions: where rules stand, and where crossing rules end with
    no rule there (an open side). Rules come first: a path's bounds grow by
    its stroke width, so the ends of crossing rules overshoot a little."""
    out = cluster(rules, tol)
    extra = [e for e in ends if all(abs(e - x) > tol for x in out)]
    return sorted(out + cluster(extra, tol))


def build_grid(hs: list[Rule], vs: list[Rule], page: int, tol: float = TOL, kind: str = "pdf") -> Grid | None:
    xs = edges([v.pos for v in vs], [x for h in hs for x in (h.start, h.end)], tol)
    ys = edges([h.pos for h in hs], [y for v in vs for y in (v.start, v.end)], tol)
    if len(xs) < 3 or len(ys) < 3:
        return None  # a box or a single rule, not a table
    nrow, ncol = len(ys) - 1, len(xs) - 1
    v_at, h_at = rules_at(xs, vs, tol), rules_at(ys, hs, tol)

    def vertical_at(k: int, i: int) -> bool:
        if k in (0, ncol):
            return True
        mid = (ys[i] + ys[i + 1]) / 2
        return any(v.start - tol <= mid <= v.end + tol for v in v_at[k])

    def horizontal_at(i: int, j: int) -> bool:
        if i in (0, nrow):
            return True
        mid = (xs[j] + xs[j + 1]) / 2
        return any(h.start - tol <= mid <= h.end + tol for h in h_at[i])

    parent = list(range(nrow * ncol))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    # A missing inner line merges the two grid cells it would have parted.
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


def rules_at(edges: list[float], rules: list[Rule], tol: float) -> list[list[Rule]]:
    """The rules standing on each grid edge (by index), so that a cell asks only its own."""
    out: list[list[Rule]] = [[] for _ in edges]
    for r in rules:
        k = bisect_left(edges, r.pos)
        k = min((j for j in (k - 1, k) if 0 <= j < len(edges)), key=lambda j: abs(edges[j] - r.pos))
        if abs(edges[k] - r.pos) <= tol:
            out[k].append(r)
    return out


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


# --- characters into lines ------------------------------------------------------------------

def lines_of(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into visual lines (by vertical centre), each sorted left to right."""
    lines: list[list[Char]] = []
    line: list[Char] = []
    centre = 0.0
    for cy, c in sorted((((c.top + c.bottom) / 2, c) for c in chars), key=itemgetter(0)):
        height = c.bottom - c.top
        if line and abs(cy - centre) <= (height if height > 1.0 else 1.0) * 0.45:
            line.append(c)
        else:
            line = [c]
            lines.append(line)
            centre = cy
    for line in lines:
        line.sort(key=attrgetter("x0"))
    return lines


def line_text(line: list[Char], cell: bool = False) -> str:
    """A line's characters as text: a space where a visible gap parts Latin
    letters or digits, none between CJK characters, a tab for a column gap
    (outside tables: an unruled table's cells)."""
    out: list[str] = []
    prev: Char | None = None
    for c in line:
        if prev is not None:
            gap = c.x0 - prev.x1
            size = max(prev.bottom - prev.top, c.bottom - c.top, 1.0)
            if gap > size * 0.3:  # a visible gap
                if not cell and gap > size * 1.5:
                    out.append("\t")
                else:
                    cjk_prev, cjk_this = _CJK.match(prev.ch), _CJK.match(c.ch)
                    if not (cjk_prev and cjk_this) and not (cell and (cjk_prev or cjk_this)):
                        out.append(" ")
        out.append(c.ch)
        prev = c
    return "".join(out)


def box_source(page: int, chars: list[Char], kind: str = "pdf") -> str:
    x0 = top = float("inf")
    x1 = bottom = float("-inf")
    for c in chars:
        x0, top, x1, bottom = min(x0, c.x0), min(top, c.top), max(x1, c.x1), max(bottom, c.bottom)
    return f"{kind}:p{page}:{x0:.1f},{top:.1f},{x1:.1f},{bottom:.1f}"
