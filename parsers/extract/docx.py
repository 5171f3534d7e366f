"""DOCX -> Document, reading word/document.xml with lxml.

Tables keep Word's grid: gridSpan (horizontal merge), vMerge (vertical
merge), the old hMerge and gridBefore are honoured, and a merged cell is the
same Cell object at every grid position it covers. A table nested in a cell
becomes a Table of its own, placed after the table that holds it; the outer
cell's text leaves it out. Text boxes become Blocks after the paragraph
they are anchored in. An HTML chunk embedded with w:altChunk (how some
portal exporters build a DOCX) is read by the HTML extractor.

lxml on the XML rather than python-docx: python-docx builds an object per
run and cell and does not expose merged cells as a grid; reading the XML
once is several times faster and gives the grid directly.

Sources: docx:p7 is the 7th paragraph of the body, docx:p7/x1/p2 the 2nd
paragraph of the 1st text box anchored in it; docx:t2/r5/c3 is table 2
(counting top-level tables), row 5, the 3rd w:tc of that row; a nested
table adds /t1/r1/c1 to the cell that holds it.
"""
from __future__ import annotations

import email
import io
import posixpath
import zipfile

from lxml import etree

from ..model import Block, Cell, Document, ExtractError, Table
from . import join_lines

W_NAMESPACES = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # "Strict" OOXML, rare but valid
)
R_ID = ("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
        "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
MAX_XML = 50 * 1024 * 1024  # uncompressed size of any part we read; a report is well under 5 MB
MAX_RATIO = 200  # deflate rarely beats 20:1 on real documents; a bomb does 1000:1
CHUNK = 1 << 20  # inflate step
MAX_SPAN = 200  # a gridSpan of 100000 must not blow up the grid

# Elements that only wrap content (content controls, custom XML, tracked insertions).
WRAPPERS = {"sdt", "sdtContent", "customXml", "smartTag", "ins", "moveTo"}
# Elements of a paragraph whose content is not printed text: deleted or
# moved-away text, field codes, ruby annotations, formatting, and the legacy
# (VML) copy of a drawing that mc:Choice already holds.
SKIPPED = {"del", "moveFrom", "Fallback", "instrText", "delText", "rt", "rPr", "pPr"}


def extract(data: bytes) -> Document:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ExtractError(f"damaged DOCX: not a readable ZIP ({e})") from None
    with z:
        body = parse_body(read_part(z, "word/document.xml"))
        doc = Document(kind="docx", title=core_title(z))
        Reader(doc, z, "{%s}" % namespace(body)).walk(body, "docx:")
    return doc


def read_part(z: zipfile.ZipFile, name: str) -> bytes:
    """One member of the package, refusing a zip bomb before inflating it."""
    try:
        info = z.getinfo(name)
    except KeyError:
        raise ExtractError(f"damaged DOCX: no {name}") from None
    # The directory states each member's sizes; check them before inflating anything.
    ratio = info.file_size / info.compress_size if info.compress_size else 0
    if info.file_size > MAX_XML or (ratio > MAX_RATIO and info.file_size > 1024 * 1024):
        raise ExtractError(f"refused DOCX: {name} would inflate to {info.file_size // (1024 * 1024)} MB "
                           f"from {info.compress_size // 1024} KB (a zip bomb?)")
    try:
        with z.open(info) as f:
            return read_bounded(f, name)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as e:
        raise ExtractError(f"damaged DOCX: cannot read {name} ({e})") from None


def read_bounded(f, name: str) -> bytes:
    """Inflate in small steps (zipfile would inflate a whole read(n) at once),
    stopping past MAX_XML in case the directory understates the size."""
    chunks, total = [], 0
    while chunk := f.read(CHUNK):
        total += len(chunk)
        if total > MAX_XML:
            raise ExtractError(f"refused DOCX: {name} is larger than the ZIP directory says (a zip bomb?)")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_xml(xml: bytes, name: str):
    # No entity expansion, no network, lxml's default depth limits: a hostile file stays cheap.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as e:
        raise ExtractError(f"damaged DOCX: {name} is not well-formed ({e})") from None


def parse_body(xml: bytes):
    root = parse_xml(xml, "word/document.xml")
    body = next((el for el in root if local(el) == "body"), None)
    if body is None or namespace(root) not in W_NAMESPACES:
        raise ExtractError("damaged DOCX: word/document.xml has no WordprocessingML body")
    return body


def core_title(z: zipfile.ZipFile) -> str | None:
    """The title in the file's properties; often a template's, so only a hint."""
    if "docProps/core.xml" not in z.namelist():
        return None
    try:
        found = parse_xml(read_part(z, "docProps/core.xml"), "docProps/core.xml").find(DC_TITLE)
    except ExtractError:
        return None  # damaged properties do not spoil the document
    return found.text.strip() if found is not None and found.text and found.text.strip() else None


_LOCAL: dict = {}  # tag -> local name; the hottest function here, so memoised


def local(el) -> str:
    """The tag without its namespace; "" for comments and processing instructions."""
    tag = el.tag
    try:
        return _LOCAL[tag]
    except KeyError:
        name = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
        if len(_LOCAL) < 10_000:  # a hostile file's made-up tags must not grow it forever
            _LOCAL[tag] = name
        return name


def namespace(el) -> str:
    return el.tag[1:el.tag.index("}")] if el.tag.startswith("{") else ""


def children(el, name: str):
    """Children called `name`, looking through wrapper elements (content controls etc.)."""
    for child in el:
        tag = local(child)
        if tag == name:
            yield child
        elif tag in WRAPPERS:
            yield from children(child, name)


def int_val(el, w: str, default: int) -> int:
    """The w:val of a property element as a sane count."""
    if el is None:
        return default
    try:
        return max(0, min(MAX_SPAN, int(el.get(f"{w}val") or default)))
    except ValueError:
        return default


class Reader:
    def __init__(self, doc: Document, z: zipfile.ZipFile, w: str):
        self.doc = doc
        self.zip = z
        self.w = w  # "{namespace}" of WordprocessingML in this file
        self.n_tables = 0
        self.rels: dict[str, str] | None = None  # relationship id -> part name, read on first need

    def walk(self, container, prefix: str) -> None:
        """Paragraphs and tables of the body (or of a text box) in order."""
        n_paragraphs = 0
        for el in container:
            tag = local(el)
            if tag == "p":
                n_paragraphs += 1
                self.paragraph(el, f"{prefix}p{n_paragraphs}")
            elif tag == "tbl":
                self.n_tables += 1
                self.table(el, f"docx:t{self.n_tables}")
            elif tag == "altChunk":
                self.alt_chunk(el)
            elif tag in WRAPPERS:
                self.walk(el, prefix)  # a content control's paragraphs are numbered on their own

    def paragraph(self, p, source: str) -> None:
        text, boxes = paragraph_text(p)
        for line in text.split("\n"):
            if line.strip():
                self.doc.items.append(Block(line.strip(), source))
        for k, box in enumerate(boxes):
            self.walk(box, f"{source}/x{k + 1}/")

    def table(self, tbl, where: str) -> None:
        w = self.w
        nested: list[tuple] = []
        grid: list[list[Cell]] = []
        above: dict[int, Cell] = {}  # grid column -> the cell a vMerge continues
        for r, tr in enumerate(children(tbl, "tr")):
            row: list[Cell] = []
            trpr = tr.find(f"{w}trPr")
            before = int_val(trpr.find(f"{w}gridBefore") if trpr is not None else None, w, 0)
            row.extend(Cell("", f"{where}/r{r + 1}") for _ in range(before))
            for c, tc in enumerate(children(tr, "tc")):
                tcpr = tc.find(f"{w}tcPr")
                span, vmerge, hmerge = 1, None, None
                if tcpr is not None:
                    span = max(1, int_val(tcpr.find(f"{w}gridSpan"), w, 1))
                    vmerge, hmerge = tcpr.find(f"{w}vMerge"), tcpr.find(f"{w}hMerge")
                col = len(row)
                # vMerge/hMerge without val="restart" continue the cell above / to the left.
                if vmerge is not None and vmerge.get(f"{w}val") != "restart" and col in above:
                    cell = above[col]
                elif hmerge is not None and hmerge.get(f"{w}val") != "restart" and row:
                    cell = row[-1]
                else:
                    source = f"{where}/r{r + 1}/c{c + 1}"
                    cell = Cell(cell_text(tc), source)
                    nested.extend((inner, f"{source}/t{k + 1}") for k, inner in enumerate(children(tc, "tbl")))
                for k in range(span):
                    above[col + k] = cell
                    row.append(cell)
            grid.append(row)
        self.doc.items.append(Table(grid, where))
        for inner, source in nested:
            self.table(inner, source)

    def alt_chunk(self, el) -> None:
        """Content imported from another file (HTML, MHT) that Word renders in place."""
        rid = next((el.get(a) for a in R_ID if el.get(a)), None)
        name = self.relationships().get(rid or "")
        if not name:
            self.doc.notes.append("an embedded chunk (altChunk) has no target; skipped")
            return
        try:
            data = read_part(self.zip, name)
        except ExtractError as e:
            self.doc.notes.append(f"embedded chunk skipped: {e}")
            return
        if name.lower().endswith((".mht", ".mhtml")):
            data = mht_html(data)
        elif not name.lower().endswith((".htm", ".html", ".xhtml")):
            self.doc.notes.append(f"embedded chunk {name} is not HTML; skipped")
            return
        from . import html  # only DOCX files built this way need the HTML reader

        try:
            chunk = html.extract(data)
        except ExtractError as e:
            self.doc.notes.append(f"embedded HTML chunk {name} skipped: {e}")
            return
        self.doc.items.extend(chunk.items)
        self.doc.notes.append(f"embedded HTML chunk {name} (altChunk) read as HTML (sources html:...)")

    def relationships(self) -> dict[str, str]:
        if self.rels is None:
            self.rels = {}
            name = "word/_rels/document.xml.rels"
            if name in self.zip.namelist():
                for rel in parse_xml(read_part(self.zip, name), name):
                    target = rel.get("Target") or ""
                    if rel.get("TargetMode") != "External" and target:
                        path = target.lstrip("/") if target.startswith("/") else posixpath.join("word", target)
                        self.rels[rel.get("Id", "")] = posixpath.normpath(path)
        return self.rels


def mht_html(data: bytes) -> bytes:
    """The HTML part of a MIME (MHT) archive; the bytes as they are if it is not one."""
    for part in email.message_from_bytes(data).walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True) or b""
    return data


def paragraph_text(p) -> tuple[str, list]:
    """The text of a paragraph (soft line breaks as \\n) and the text boxes anchored in it."""
    parts: list[str] = []
    boxes: list = []
    collect(p, parts, boxes)
    return "".join(parts), boxes


def collect(el, parts: list[str], boxes: list) -> None:
    for child in el:
        tag = local(child)
        if tag == "t":
            if child.text:
                parts.append(child.text)
        elif tag == "tab":
            parts.append("\t")
        elif tag in ("br", "cr"):
            parts.append("\n")
        elif tag == "noBreakHyphen":
            parts.append("-")
        elif tag == "txbxContent":
            boxes.append(child)
        elif tag not in SKIPPED and len(child):
            collect(child, parts, boxes)


def cell_text(tc) -> str:
    """The cell's paragraphs, without nested tables or text boxes. A label
    broken over paragraphs or lines (社会公 / 益组织) reads whole; Latin words
    keep a space."""
    pieces = (piece for p in children(tc, "p") for piece in paragraph_text(p)[0].replace("\t", " ").split("\n"))
    return join_lines(pieces)
