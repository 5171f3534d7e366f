"""Scanned PDFs and images -> Document, by OCR.

The engine is RapidOCR on onnxruntime, whose wheel carries the PP-OCR Chinese
detection and recognition weights: nothing is downloaded at run time. It is
loaded once, on first use, with at most two threads.

A page is read as a text PDF is (see extract.pdf, whose geometry this reuses):
the page is levelled if it was scanned askew; ruling lines are found in the
image (long runs of dark pixels); each OCR text box goes to the grid cell that
holds its centre, split first where the detector boxed the text of two cells
as one line; a cell that holds ink but no box (a lone 0 is easy for the
detector to miss) is read on its own. Text outside tables becomes one Block
per visual line, with tabs at wide gaps. A table that goes on at the top of
the next page is joined to the one before.

Sources are ocr:pN:x0,top,x1,bottom in pixels of the page as read: rendered
PDF pages at the resolution given in the notes, images at their own size;
both after levelling.
"""
from __future__ import annotations

import io
import os
import re
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..model import Block, Document, ExtractError, Table
from . import join_lines
from . import pdf as geometry

DPI = 200  # PDF pages are rendered at this resolution ...
MIN_DPI = 150  # ... or at the scan's own, when it is between the two (finer adds pixels, not detail)
MAX_PAGES = 20  # a scanned report is a few pages; OCR costs seconds a page
MAX_PIXELS = 40_000_000  # a page at 200 dpi is 4-5 Mpx; more is a decompression bomb
MAX_SIDE = 2400  # pixels the engine reads at once (A4 at 200 dpi is 2339 high); taller pages go in strips
OVERLAP = 160  # pixels shared by two strips: more than a line of text is high
SMALL_TEXT = 16  # pixels: text boxes lower than this are read again at twice the size
A4_WIDTH = 8.27  # inches: a page's width in pixels over this estimates its dpi
MIN_RULE = 30  # pixels: the least length of a table rule, at any resolution
MAX_SKEW = 3.0  # degrees: a page turned more than this is not levelled
TOL = 4.0  # pixels: rules this close are one rule
MIN_SCORE = 0.5  # recogniser confidence below which a cell read on its own stays empty
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}(\s*页)?(\s*/\s*共?\s*\d+\s*页?)?[-—–\s]*$")
_SPECKS = "·.。,，、'‘’`:："  # dust beside a figure reads as these

_engine = None
_engine_lock = threading.Lock()
_run_lock = threading.Lock()  # the engine sets per-call thresholds on itself: one call at a time


# --- entry points -----------------------------------------------------------------------

def extract(data: bytes, kind: str = "image") -> Document:
    """An image file (PNG, JPEG, GIF, TIFF, BMP, WebP; every frame of a multi-page TIFF)."""
    doc = Document(kind="image")
    frames = open_frames(data, doc)
    doc.notes.append("image: read by OCR")
    read_pages(doc, frames)
    return doc


def extract_pdf(data: bytes) -> Document:
    """A PDF without a text layer: each page rendered and read by OCR."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise ExtractError(f"unreadable PDF ({e})") from None
    doc = Document(kind="pdf")
    n = len(pdf)
    dpis: list[int] = []
    try:
        read_pages(doc, rendered_pages(pdf, doc, min(n, MAX_PAGES), dpis))
    finally:
        pdf.close()
    used = "/".join(str(d) for d in sorted(set(dpis)))
    note = (f"no text layer: read by OCR, pages rendered at {used} dpi "
            f"(the scan's own resolution within {MIN_DPI}-{DPI} dpi, at most {MAX_PIXELS // 10**6} Mpx a page)")
    doc.notes.insert(0, note if n <= MAX_PAGES else f"{note}; only the first {MAX_PAGES} of {n} pages")
    return doc


def engine():
    """The OCR engine, loaded once: its models take a second to load."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = load_engine()
    return _engine


def load_engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:
        raise ExtractError(f"OCR engine unavailable: rapidocr-onnxruntime cannot be loaded ({e})") from None
    threads = max(1, min(2, os.cpu_count() or 1))
    try:
        # The model paths default to the files inside the wheel; RapidOCR never fetches any.
        # The detector reads a page at its own scale (by default it blows a small
        # image up until lone figures and 二 are missed).
        return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, max_side_len=MAX_SIDE,
                        det_limit_type="max", det_limit_side_len=MAX_SIDE)
    except Exception as e:  # noqa: BLE001 - onnxruntime and missing model files raise many kinds
        raise ExtractError(f"OCR engine unavailable: {type(e).__name__}: {e}") from None


# --- pages in ---------------------------------------------------------------------------

def open_frames(data: bytes, doc: Document) -> list:
    """The frames of an image as 8-bit greyscale, refusing images too large to decode safely."""
    from PIL import Image, ImageOps

    frames = []
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: refuse instead.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only: the size is known before decoding
        n = getattr(image, "n_frames", 1)
        for k in range(min(n, MAX_PAGES)):
            image.seek(k)
            if image.width * image.height > MAX_PIXELS:
                raise ExtractError(f"image too large to OCR ({image.width}×{image.height} pixels, "
                                   f"at most {MAX_PIXELS // 10**6} million)")
            frames.append(grey(ImageOps.exif_transpose(image)))
    except ExtractError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ExtractError(f"image too large to OCR ({e})") from None
    except Exception as e:  # noqa: BLE001 - a damaged file makes the decoders raise all sorts
        raise ExtractError(f"unreadable image ({type(e).__name__}: {e})") from None
    if n > MAX_PAGES:
        doc.notes.append(f"only the first {MAX_PAGES} of {n} frames were read")
    return frames


def grey(image):
    """8-bit greyscale: transparency is white paper (not black), 16-bit is scaled down."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, "white")
        paper.alpha_composite(rgba)
        return paper.convert("L")
    if image.mode.startswith("I") or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        top = values.max() or 1.0
        return Image.fromarray((values * (255.0 / top)).astype(np.uint8))
    return image.convert("L")


def rendered_pages(pdf, doc: Document, n: int, dpis: list[int]):
    """Each page as a greyscale image, rendered one at a time to bound memory;
    the resolution of each is added to `dpis`."""
    for _, page in geometry.open_pages(pdf, doc, n):
        width, height = page.get_size()
        dpi = min(max(scan_dpi(page) or DPI, MIN_DPI), DPI)
        scale = min(dpi / 72, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
        dpis.append(round(scale * 72))
        yield page.render(scale=scale, grayscale=True).to_pil().convert("L")


def scan_dpi(page) -> float | None:
    """The resolution of the largest image on the page (the scan itself), if any."""
    import pypdfium2.raw as raw

    best, best_area = None, 0.0
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        try:
            px = max(obj.get_px_size())
            left, bottom, right, top = obj.get_bounds()
        except Exception:  # noqa: BLE001 - a broken image object only loses the hint
            continue
        area = (right - left) * (top - bottom)
        if area > best_area and px > 0:
            best, best_area = px / (max(right - left, top - bottom) / 72), area
    return best


# --- pages to items ---------------------------------------------------------------------

def read_pages(doc: Document, frames) -> None:
    ocr = engine()
    previous = None  # (Table, Grid, page height) that ended the last page, which the next may continue
    for number, image in enumerate(frames, start=1):
        image, angle = level(image)
        if angle:
            doc.notes.append(f"page {number} was turned {angle:+.2f}° to level it")
        pixels = np.asarray(image)
        ink = ink_threshold(pixels)
        hs, vs = rules(pixels, ink=ink)
        chars = [piece for line in read_lines(ocr, pixels) for piece in split_line(line, vs)]

        def fill(box, pixels=pixels, ink=ink):
            return read_cell(ocr, pixels, box, ink)

        items = geometry.page_items(number, chars, hs, vs, tol=TOL, kind="ocr", fill=fill)
        for _top, item, _grid in items:
            if isinstance(item, Table):
                normalise_cells(item)
        previous = place(doc, items, previous, pixels.shape[0])
    if not doc.items:
        raise ExtractError("OCR found no text in the scan")


def place(doc: Document, items, previous, height: int):
    """Add a page's items, page numbers left out. A table at the top of the
    page that has the columns of the table at the foot of the page before goes
    on from it (the sheet may lie a few pixels aside on the scanner)."""
    items = [it for it in items if not (isinstance(it[1], Block) and _PAGE_NUMBER.match(it[1].text))]
    for k, (top, item, grid) in enumerate(items):
        if k == 0 and grid is not None and previous is not None and continues(previous, grid, top, height):
            table, last, _ = previous
            align(grid, last.xs[0] - grid.xs[0])
            join_tables(table, last, item, grid)
            previous = (table, grid, height)
            continue
        doc.items.append(item)
        previous = (item, grid, height) if grid is not None else None
    return previous if items else None


def continues(previous, grid, top: float, height: int) -> bool:
    """Whether `grid`, first on its page, goes on with the table that ended the
    page before: both at the page break, with the same columns wherever the
    scanner put the sheet."""
    _table, last, last_height = previous
    if last.bottom < 0.75 * last_height or top > 0.25 * height:
        return False
    shift = last.xs[0] - grid.xs[0]
    matched = sum(1 for x in grid.xs if any(abs(x + shift - y) <= 2 * TOL for y in last.xs))
    return matched >= 0.7 * max(len(last.xs), len(grid.xs))


def align(grid, shift: float) -> None:
    """Move a grid's columns by `shift` pixels (its cells' sources stay where they were printed)."""
    grid.xs = [x + shift for x in grid.xs]
    for box in grid.boxes.values():
        box[0] += shift
        box[2] += shift


def join_tables(table: Table, grid, more: Table, more_grid) -> None:
    """extract.pdf's joiner where it has one: it also makes a row-group cell
    cut by the page break ('（三' / '）不予公开') one cell again."""
    joiner = getattr(geometry, "join_tables", None)
    if joiner is not None:
        joiner(table, grid, more, more_grid)
    else:
        table.rows.extend(more.rows)


# --- levelling and rules ----------------------------------------------------------------

def ink_threshold(pixels: np.ndarray) -> int:
    """Otsu's grey level between paper and ink (128 for a blank page)."""
    hist = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * np.arange(256))
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 / total - m0) ** 2 / (w0 * (total - w0))
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between)) + 1 if between.max() > 0 else 128


def level(image):
    """The page turned so that its lines run along pixel rows, and the angle
    turned (0.0 when it was level): rules found as runs of pixels and lines
    grouped by height both need that."""
    from PIL import Image

    pixels = np.asarray(image)
    angle = skew(pixels, ink_threshold(pixels))
    if angle == 0.0:
        return image, 0.0
    paper = int(np.median(pixels))
    return image.rotate(-angle, resample=Image.BICUBIC, fillcolor=paper), -angle


def skew(pixels: np.ndarray, ink: int) -> float:
    """The angle (degrees, anticlockwise) the page's lines rise by: the slant
    that makes the row profile of the ink sharpest, searched coarse then fine;
    0.0 for a level page or one with too little ink to tell."""
    ys, xs = np.nonzero(pixels < ink)
    if len(ys) < 2000:
        return 0.0
    step = max(1, len(ys) // 300_000)  # a sample of the ink is as good and faster
    ys, xs = ys[::step].astype(np.float64), xs[::step] - pixels.shape[1] / 2
    reach = int(np.abs(xs).max() * np.tan(np.radians(MAX_SKEW))) + 2

    def sharpness(angle: float) -> tuple[float, float]:
        rows = np.bincount((ys + xs * np.tan(np.radians(angle)) + reach).astype(np.int64)).astype(np.float64)
        rows = np.convolve(rows, np.ones(3) / 3, "same")  # strokes alias on pixel rows; lines do not
        return float(np.square(np.diff(rows)).sum()), -abs(angle)  # on a tie, the smaller turn

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.2), key=sharpness)
    best = float(max(np.arange(best - 0.2, best + 0.201, 0.02), key=sharpness))
    if abs(best) < 0.1 or sharpness(best)[0] < 1.05 * sharpness(0.0)[0]:  # level enough
        return 0.0
    return round(best, 2)


def rules(pixels: np.ndarray, min_len: int | None = None, ink: int | None = None):
    """Horizontal and vertical table rules in the page image, one per drawn line.

    A vertical rule may be as short as one row of a table (a fifth of an inch),
    but then it must end on horizontal rules: the strokes of characters on
    consecutive lines can stack up that long. A horizontal rule spans a cell at
    least and must outrun the strokes of a few characters in a row (一二三
    make a run in a scan), so a third of an inch."""
    dpi = pixels.shape[1] / A4_WIDTH
    h_min = min_len or max(MIN_RULE, round(0.35 * dpi))
    v_min = min_len or max(MIN_RULE, round(0.2 * dpi))
    dark = pixels < (ink if ink is not None else ink_threshold(pixels))
    hs = geometry.merge_rules(segments(dark, h_min), TOL)
    vs = geometry.merge_rules(segments(dark.T, v_min), TOL)
    vs = [v for v in vs if v.end - v.start >= 0.5 * dpi or ends_on(v.start, v.pos, hs) and ends_on(v.end, v.pos, hs)]
    return hs, vs


def ends_on(y: float, x: float, hs: list[geometry.Rule]) -> bool:
    return any(abs(h.pos - y) <= 2 * TOL and h.start - TOL <= x <= h.end + TOL for h in hs)


def runs(line: np.ndarray, min_len: int, gap: int = 2) -> list[tuple[int, int]]:
    """(start, end) of the runs of True at least min_len long; gaps of up to
    `gap` pixels (a scanned rule is seldom solid) do not break a run."""
    padded = np.concatenate(([False], line, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) > 1:
        keep = (starts[1:] - ends[:-1]) > gap
        starts = np.concatenate((starts[:1], starts[1:][keep]))
        ends = np.concatenate((ends[:-1][keep], ends[-1:]))
    long = (ends - starts) >= min_len
    return list(zip(starts[long].tolist(), ends[long].tolist()))


def segments(dark: np.ndarray, min_len: int) -> list[geometry.Rule]:
    """Long dark runs along the rows of `dark`, merged into one rule per drawn line."""
    found = [geometry.Rule(float(y), float(a), float(b))
             for y in np.flatnonzero(dark.sum(axis=1) >= min_len)
             for a, b in runs(dark[y], min_len)]
    out: list[geometry.Rule] = []
    band: list[geometry.Rule] = []  # runs on adjacent pixel rows: one thick or slanting line, or several
    for r in found + [None]:
        if band and (r is None or r.pos - band[-1].pos > 1):
            out.extend(join_runs(band))
            band = []
        if r is not None:
            band.append(r)
    return out


def join_runs(band: list[geometry.Rule]) -> list[geometry.Rule]:
    """The runs of one band that overlap (or nearly touch) as one rule each, at
    the middle of their rows weighted by length."""
    groups: list[list[geometry.Rule]] = []
    end = -1.0
    for r in sorted(band, key=lambda r: r.start):
        if groups and r.start <= end + TOL:
            groups[-1].append(r)
            end = max(end, r.end)
        else:
            groups.append([r])
            end = r.end
    out = []
    for g in groups:
        weight = sum(r.end - r.start for r in g)
        pos = sum(r.pos * (r.end - r.start) for r in g) / weight
        out.append(geometry.Rule(pos, min(r.start for r in g), max(r.end for r in g)))
    return out


# --- text -------------------------------------------------------------------------------

@dataclass
class Line:
    """One text box as the engine read it, and where each of its characters
    (or Latin words) stands across it."""
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    chars: list[tuple[str, float, float]] = field(default_factory=list)  # (text, x0, x1)

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def scaled(self, k: float) -> Line:
        return Line(self.text, self.x0 * k, self.top * k, self.x1 * k, self.bottom * k,
                    [(t, a * k, b * k) for t, a, b in self.chars])


def read_lines(ocr, pixels: np.ndarray, enlarge: bool = True) -> list[Line]:
    """The page's text boxes, in the page's pixels.

    A page taller than the engine reads at once is read in overlapping strips
    (else the engine would shrink a long image until its text is unreadable),
    each box kept from the strip where it is whole. A page whose text comes
    out smaller than the detector reads well (a small screenshot) is read
    again at twice its size."""
    height, width = pixels.shape
    step = max(MAX_SIDE, width)
    out: list[Line] = []
    top = 0
    while True:
        bottom = min(top + step, height)
        keep_from = 0 if top == 0 else top + OVERLAP / 2
        keep_to = height if bottom == height else bottom - OVERLAP / 2
        out.extend(line for line in run(ocr, pixels[top:bottom], top) if keep_from <= line.cy < keep_to)
        if bottom == height:
            break
        top = bottom - OVERLAP
    if out:
        small = float(np.median([line.bottom - line.top for line in out])) < SMALL_TEXT
    else:  # nothing found: a small image may hold text too small to see, a blank scanned page not
        small = pixels.size < 1_000_000
    if enlarge and small and 4 * pixels.size <= MAX_PIXELS:
        return [line.scaled(0.5) for line in read_lines(ocr, enlarged(pixels, 2), enlarge=False)]
    return out


def enlarged(pixels: np.ndarray, factor: int) -> np.ndarray:
    from PIL import Image

    h, w = pixels.shape
    return np.asarray(Image.fromarray(pixels).resize((w * factor, h * factor), Image.BICUBIC))


def run(ocr, pixels: np.ndarray, dy: int) -> list[Line]:
    """The engine's text boxes in `pixels`, moved down by `dy`."""
    try:
        with _run_lock:
            result, _ = ocr(pixels, use_cls=False, return_word_box=True)
    except Exception as e:  # noqa: BLE001 - the engine's image code raises cv2/onnx errors
        raise ExtractError(f"OCR failed on the page ({type(e).__name__}: {e})") from None
    lines = []
    for item in result or []:
        box, text = item[0], str(item[1])
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        line = Line(text.strip(), min(xs), min(ys) + dy, max(xs), max(ys) + dy)
        if len(item) >= 5 and item[3] and len(item[3]) == len(item[4]):
            line.chars = [(str(t), min(p[0] for p in b), max(p[0] for p in b)) for b, t in zip(item[3], item[4])]
        if line.text:
            lines.append(line)
    return lines


def split_line(line: Line, vs: list[geometry.Rule]) -> list[geometry.Char]:
    """The line as one Char (word), or several where a vertical rule crosses it
    (the detector boxed two cells as one) or a gap wider than 1.5 line heights
    opens in it (two columns of an unruled table)."""
    height = line.bottom - line.top
    cuts = [v.pos for v in vs
            if line.x0 + TOL < v.pos < line.x1 - TOL and v.start - TOL <= line.cy <= v.end + TOL]
    groups: list[list[tuple[str, float, float]]] = []
    last = None  # the last character that is not a space: spaces are boxed anywhere in a gap
    for ch in line.chars:
        if not ch[0].strip():
            if groups:
                groups[-1].append(ch)
            continue
        if last is None or ch[1] - last[2] > 1.5 * height or \
                any((last[1] + last[2]) / 2 < x < (ch[1] + ch[2]) / 2 for x in cuts):
            groups.append([])
        groups[-1].append(ch)
        last = ch
    if len(groups) <= 1:
        return [geometry.Char(normalise_digits(line.text), line.x0, line.top, line.x1, line.bottom)]
    out = []
    for g in groups:
        text = "".join(t for t, _, _ in g).strip()
        if text:
            out.append(geometry.Char(normalise_digits(text), min(a for _, a, _ in g), line.top,
                                     max(b for _, _, b in g), line.bottom))
    return out


def normalise_digits(text: str, cell: bool = False) -> str:
    """Light fixes to a word that is a figure, never to other text: OCR reads
    0 as O and 1 as l, and a speck of dust beside a figure as a dot, so a word
    made of figures, those letters and stray dots at its ends is read as the
    figure. In a table cell (`cell`), a lone 。 is a 0 too (in running text it
    is a full stop)."""
    if cell and text == "。":
        return "0"
    core = text.strip(_SPECKS)
    if core in ("O", "o"):
        return "0"
    if core and all(ch in "0123456789OoIl|.," for ch in core) and any(ch.isdigit() for ch in core):
        return core.translate(str.maketrans("OoIl|", "00111"))
    return text


def normalise_cells(table: Table) -> None:
    seen: set[int] = set()
    for row in table.rows:
        for c in row:
            if id(c) not in seen:
                seen.add(id(c))
                c.text = normalise_digits(c.text, cell=True)


def read_cell(ocr, pixels: np.ndarray, box, ink: int = 128) -> str:
    """Read one grid cell on its own, when it holds ink but no text box: the
    detector, given the cell alone at twice its size, boxes a figure apart
    from a speck beside it; failing that, the ink is recognised as one word.
    Remnants of the cell's own rules and specks of dust are not ink."""
    x0, top, x1, bottom = (int(round(v)) for v in box)
    crop = pixels[top + 3: bottom - 2, x0 + 3: x1 - 2]
    if crop.size == 0:
        return ""
    dark = crop < ink
    dark[dark.mean(axis=1) > 0.5, :] = False
    dark[:, dark.mean(axis=0) > 0.5] = False
    if dark.sum() < 15:
        return ""
    ys, xs = np.nonzero(dark)
    if ys.max() - ys.min() < 8:  # a speck or the edge of a rule, not a character
        return ""
    paper = int(np.median(pixels))
    found = [geometry.Char(line.text, line.x0, line.top, line.x1, line.bottom)
             for line in run(ocr, enlarged(np.pad(crop, 8, constant_values=paper), 2), 0)]
    if found:
        return join_lines(geometry.line_text(line, cell=True) for line in geometry.lines_of(found))
    crop = crop[max(ys.min() - 6, 0): ys.max() + 7, max(xs.min() - 6, 0): xs.max() + 7]
    try:
        with _run_lock:
            result, _ = ocr(np.pad(crop, 8, constant_values=paper), use_det=False, use_cls=False)
    except Exception:  # noqa: BLE001 - one unreadable cell stays empty
        return ""
    if not result or not isinstance(result[0], (list, tuple)) or len(result[0]) < 2:
        return ""
    text, score = result[0][0], result[0][1]
    return str(text).strip() if float(score) >= MIN_SCORE else ""
