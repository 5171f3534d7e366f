"""Extractors: bytes of one file kind -> `parsers.model.Document`.

Each module exposes `extract(data: bytes, **hints) -> Document` and raises
`ExtractError` with a message for users when the file cannot be read. Modules
are imported on first use so that parsing an HTML page never loads the PDF
engine or the OCR model.
"""
from __future__ import annotations

import importlib
import re

from ..model import Document, ExtractError
from ..sniff import sniff

_WORD_END = re.compile(r"[A-Za-z0-9.,%]$")
_WORD_START = re.compile(r"^[A-Za-z(]")

# file kind (from sniff) -> extractor module in this package
EXTRACTORS = {
    "html": "html",
    "text": "text",
    "pdf": "pdf",
    "docx": "docx",
    "doc": "word",
    "wps": "word",
    "rtf": "word",
    "odf": "word",
    "png": "ocr",
    "jpeg": "ocr",
    "gif": "ocr",
    "tiff": "ocr",
    "bmp": "ocr",
    "webp": "ocr",
}

UNSUPPORTED = {
    "empty": "empty file",
    "binary": "not a report: binary data of no known document kind",
    "zip": "a ZIP archive, not a report; unpack it and parse its members",
    "xls": "a spreadsheet (XLS); spreadsheets are not parsed yet",
    "xlsx": "a spreadsheet (XLSX); spreadsheets are not parsed yet",
    "ole": "an OLE compound file that holds no Word document",
}


def extract(data: bytes, content_type: str | None = None) -> Document:
    """Sniff the kind and run its extractor. `content_type` is the HTTP header
    value when the bytes came from the web; it only informs the charset."""
    kind = sniff(data)
    if kind in UNSUPPORTED:
        raise ExtractError(UNSUPPORTED[kind])
    module = importlib.import_module(f".{EXTRACTORS[kind]}", __name__)
    if kind == "html" or kind == "text":
        return module.extract(data, content_type=content_type)
    return module.extract(data, kind=kind) if EXTRACTORS[kind] in ("word", "ocr") else module.extract(data)


def join_lines(lines) -> str:
    """The lines of one cell as one string. A CJK label broken over lines
    (社会公 / 益组织) and a figure broken over lines (1 / 234) run on without
    a space; a Latin word followed by another keeps one."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _WORD_END.search(out) and _WORD_START.search(line):
            out += " "
        out += line
    return out
