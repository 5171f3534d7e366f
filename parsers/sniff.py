"""Tell a file's kind from its bytes; the file name and the server's word are not trusted."""
from __future__ import annotations

import io
import re
import zipfile

# OLE2 compound file: legacy Word (.doc), WPS (.wps), Excel (.xls) all start so.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"BM": "bmp",
}
_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|table|meta|div|p|span|td|tr|br)\b", re.I)


def sniff(data: bytes) -> str:
    """Return one of: pdf, docx, ole (doc/wps/xls), zip, rtf, png/jpeg/gif/tiff/bmp,
    html, text, empty, binary."""
    if not data.strip():
        return "empty"
    head = data[:2048]
    # PDF generators sometimes put junk (or a BOM) before the header.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return ole_kind(data)
    if head.startswith(b"PK\x03\x04"):
        return zip_kind(data)
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    # WebP: RIFF....WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    for magic, kind in IMAGE_MAGIC.items():
        if head.startswith(magic):
            # "BM" is also how some text begins; insist on a plausible header.
            if kind == "bmp" and len(data) < 26:
                continue
            return kind
    if looks_binary(head):
        return "binary"
    if _HTML_HINT.search(data[:65536]):
        return "html"
    return "text"


def ole_kind(data: bytes) -> str:
    """doc, wps, xls or ole: which stream names the compound file holds."""
    sample = data[: 1 << 20]
    # Directory entries are UTF-16LE names.
    if "WordDocument".encode("utf-16-le") in sample:
        return "doc"
    if "WpsContent".encode("utf-16-le") in sample or "WPS".encode("utf-16-le") in sample:
        return "wps"
    if "Workbook".encode("utf-16-le") in sample or "Book".encode("utf-16-le") in sample:
        return "xls"
    return "ole"


def zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "binary"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "odf"
    return "zip"


def looks_binary(head: bytes) -> bool:
    """Text in any encoding real portals use has few control bytes; UTF-16 has a BOM."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(4, len(head) // 50)
