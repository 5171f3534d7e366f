"""Decode the bytes of a web page or text file the way real portals need.

Order of evidence: byte-order mark, the HTTP header's charset, the page's own
<meta> declaration, then detection. GB2312 and GBK are decoded as GB18030,
their superset: portals that declare gb2312 routinely serve GBK characters.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.I)
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
          "cp936": "gb18030", "hz-gb-2312": "gb18030", "big5": "big5hkscs"}


@dataclass(slots=True)
class Decoded:
    text: str
    declared_header: str | None
    declared_meta: str | None
    detected: str | None
    chosen: str


def normalise(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    return _WIDEN.get(name, name)


def header_charset(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    return m.group(1).decode("ascii", "replace") if m else None


def decode(data: bytes, content_type: str | None = None) -> Decoded:
    header = header_charset(content_type)
    meta = meta_charset(data)
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return Decoded(data.decode(enc, "replace"), header, meta, enc, enc)
    for declared in (header, meta):
        enc = normalise(declared)
        if enc:
            text = _strict(data, enc)
            if text is not None:
                return Decoded(text, header, meta, None, enc)
    # Undeclared or wrong: UTF-8 is unambiguous when it decodes cleanly.
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, header, meta, "utf-8", "utf-8")
    detected = detect(data)
    enc = normalise(detected) or "gb18030"
    return Decoded(data.decode(enc, "replace"), header, meta, detected, enc)


def detect(data: bytes) -> str | None:
    # A Chinese page that is not UTF-8 is GB18030 far more often than
    # anything else; try it before asking a statistical detector.
    sample = data[:200_000]
    if _strict(sample, "gb18030", tolerant_tail=True) is not None and _cjk_share(sample.decode("gb18030", "replace")) > 0.05:
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    return best.encoding if best else None


def _strict(data: bytes, enc: str, tolerant_tail: bool = False) -> str | None:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as e:
        # A sample cut mid-character fails at its very end only.
        if tolerant_tail and e.start >= len(data) - 4:
            return data[: e.start].decode(enc, "replace")
        # A page with a few stray bytes (a footer pasted in another encoding)
        # is still that encoding; a page in another encoding fails by the hundred.
        bad = data.decode(enc, "replace").count("\ufffd")
        if bad <= max(8, len(data) // 500):
            return data.decode(enc, "replace")
        return None
    except LookupError:
        return None


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff") / len(text)
