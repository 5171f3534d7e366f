"""Extractors: bytes of one file kind -> `parsers.model.Document`.

Each module exposes `extract(data: bytes, **hints) -> Document` and raises
`ExtractError` with a message for users when the file cannot be read. Modules
are imported on first use so that parsing an HTML page never loads the PDF
engine or the OCR model.
"""
from __future__ import annotations

import importlib

from ..model import Document, ExtractError
from ..sniff import sniff

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
