"""Scanned PDFs and images -> Document, by OCR.

The OCR engine is RapidOCR on onnxruntime, whose wheel carries the PP-OCR
Chinese detection and recognition weights: nothing is downloaded at run time.
Cells are rebuilt the way text PDFs are (see extract.pdf): ruling lines are
found in the page image (long runs of dark pixels), the OCR word boxes are
placed in the grid by their centres, and a grid cell the word detector left
empty (a lone '0' is easy to miss) is read on its own by the recogniser.
"""
from __future__ import annotations

import io
import threading

import numpy as np

from ..model import Document, ExtractError
from . import pdf as pdf_geometry

DPI = 200
MAX_PAGES = 20  # a scanned report is a few pages; OCR costs seconds a page
MAX_PIXELS = 40_000_000  # a page at 200 dpi is 4-5 Mpx; more is a decompression bomb
MIN_RULE = 60  # pixels: shorter dark runs are strokes of characters, not table rules
TOL = 4.0  # pixels: rules this close are one rule (a printed line is 1-3 px thick)
_engine = None
_lock = threading.Lock()


def engine():
    """The OCR engine, loaded once (its models take about a second to load)."""
    global _engine
    with _lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError:
                raise ExtractError("OCR is not available: rapidocr-onnxruntime is not installed") from None
            _engine = RapidOCR()
    return _engine


def extract(data: bytes, kind: str) -> Document:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ExtractError(f"image too large to OCR ({image.width}×{image.height} pixels)")
        frames = []
        for k in range(min(getattr(image, "n_frames", 1), MAX_PAGES)):  # multi-page TIFF
            image.seek(k)
            frames.append(image.convert("L"))
    except ExtractError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as e:
        raise ExtractError(f"unreadable image: {e}") from None
    doc = Document(kind="image")
    read_pages(doc, frames)
    return doc


def extract_pdf(data: bytes) -> Document:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise ExtractError(f"unreadable PDF ({e})") from None
    doc = Document(kind="pdf")
    doc.notes.append("no text layer: read by OCR")
    try:
        n = len(pdf)
        if n > MAX_PAGES:
            doc.notes.append(f"OCR of the first {MAX_PAGES} of {n} pages")
        frames = []
        for i in range(min(n, MAX_PAGES)):
            page = pdf[i]
            w, h = page.get_size()
            scale = min(DPI / 72, (MAX_PIXELS / max(w * h, 1)) ** 0.5)
            frames.append(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
            page.close()
    finally:
        pdf.close()
    read_pages(doc, frames)
    return doc


def read_pages(doc: Document, frames) -> None:
    ocr = engine()
    for number, image in enumerate(frames, start=1):
        pixels = np.asarray(image)
        result, _ = ocr(pixels, use_cls=False)
        words = [word(box, text) for box, text, _score in (result or [])]
        hs, vs = rules(pixels)

        def fill(box, pixels=pixels):
            return read_cell(ocr, pixels, box)

        for _top, item, _grid in pdf_geometry.page_items(number, words, hs, vs, tol=TOL, kind="ocr", fill=fill):
            doc.items.append(item)
    if not any(True for _ in doc.items):
        raise ExtractError("OCR found no text in the scan")


def word(box, text: str) -> pdf_geometry.Char:
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    return pdf_geometry.Char(normalise_digits(text.strip()), min(xs), min(ys), max(xs), max(ys))


def normalise_digits(text: str) -> str:
    """OCR reads 0 as O and 1 as l in a figure; only a cell of figures is touched."""
    if text and all(ch in "0123456789OoIl|.," for ch in text) and any(ch.isdigit() for ch in text):
        return text.translate(str.maketrans("OoIl|", "00111"))
    if text in ("O", "o"):
        return "0"
    return text


def runs(line: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of True at least min_len long."""
    padded = np.concatenate(([False], line, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    keep = (ends - starts) >= min_len
    return list(zip(starts[keep].tolist(), ends[keep].tolist()))


def rules(pixels: np.ndarray) -> tuple[list[pdf_geometry.Rule], list[pdf_geometry.Rule]]:
    """Table rules in the image: rows and columns of pixels with long dark runs."""
    dark = pixels < 128
    hs = [pdf_geometry.Rule(float(y), float(a), float(b))
          for y in np.flatnonzero(dark.sum(axis=1) >= MIN_RULE)
          for a, b in runs(dark[y], MIN_RULE)]
    vs = [pdf_geometry.Rule(float(x), float(a), float(b))
          for x in np.flatnonzero(dark.sum(axis=0) >= MIN_RULE)
          for a, b in runs(dark[:, x], MIN_RULE)]
    return pdf_geometry.merge_rules(hs, TOL), pdf_geometry.merge_rules(vs, TOL)


def read_cell(ocr, pixels: np.ndarray, box) -> str:
    """Recognise one grid cell on its own, when it holds ink the detector missed."""
    x0, top, x1, bottom = (int(round(v)) for v in box)
    crop = pixels[top + 4: bottom - 3, x0 + 4: x1 - 3]
    if crop.size == 0 or (crop < 128).sum() < 12:
        return ""  # blank: no ink inside the rules
    ys, xs = np.nonzero(crop < 128)
    crop = crop[max(ys.min() - 6, 0): ys.max() + 7, max(xs.min() - 6, 0): xs.max() + 7]
    crop = np.pad(crop, 8, constant_values=255)
    result, _ = ocr(crop, use_det=False, use_cls=False)
    if not result:
        return ""
    text = result[0][0] if isinstance(result[0], (list, tuple)) else str(result[0])
    return normalise_digits(str(text).strip())
