"""OCR pieces that do not need the engine, and bad images."""
from __future__ import annotations

import io

import numpy as np
import pytest

from parsers import parse_bytes
from parsers.extract import ocr


def test_rules_are_found_in_a_drawn_grid():
    page = np.full((300, 400), 255, dtype=np.uint8)
    for y in (20, 21, 120, 220):          # a 2-px thick rule counts once
        page[y, 30:370] = 0
    for x in (30, 200, 369):
        page[20:221, x] = 0
    page[60:70, 80:90] = 0                # a character's stroke is no rule
    hs, vs = ocr.rules(page)
    assert [round(h.pos) for h in hs] == [20, 120, 220]
    assert [round(v.pos) for v in vs] == [30, 200, 369]


@pytest.mark.parametrize("raw,read", [("O", "0"), ("1O", "10"), ("l2", "12"), ("1,2O4", "1,204"),
                                       ("其他", "其他"), ("Ol", "Ol")])  # no digit: not read as a figure
def test_figures_misread_as_letters(raw, read):
    assert ocr.normalise_digits(raw) == read


def test_unreadable_image_is_an_error_line():
    report = parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png")
    assert report["error"] and "unreadable image" in report["error"]


def test_decompression_bomb_image_is_refused():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (10000, 10000)).save(buf, "PNG")  # 100 Mpx, a few KB on disk
    report = parse_bytes(buf.getvalue(), "bomb.png")
    assert report["error"] and ("too large" in report["error"] or "unreadable image" in report["error"])
