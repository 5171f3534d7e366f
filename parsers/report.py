"""Document -> report JSON (../shared/contract.md), plus cells, sections and notes."""
from __future__ import annotations

import os

from . import checks, legacy, meta
from . import labels as L
from .extract import extract
from .model import Block, Cell, Document, ExtractError
from .recognise import Found, recognise
from .values import read as read_value

PARSER_VERSION = "0.1.0"
MAX_BYTES = 100 * 1024 * 1024  # no report is larger; refuse before reading a file whole
_TRADITIONAL_HINTS = set("報資開處請數規範禁護權務類執檔詢現補確復議訴訟審結維關於機")


def empty(path: str, error: str | None = None) -> dict:
    return {"path": path, "agency": None, "year": None, "format": "unknown", "published": None, "title": None,
            "table2": None, "table3": None, "table4": None, "checks": [], "error": error,
            "parser_version": PARSER_VERSION}


def parse_bytes(data: bytes, path: str = "", content_type: str | None = None) -> dict:
    """Parse one file's bytes. Never raises for bad input: the error is in the result."""
    if len(data) > MAX_BYTES:
        return empty(path, f"file too large for a report ({len(data) // (1024 * 1024)} MB > {MAX_BYTES // (1024 * 1024)} MB)")
    try:
        doc = extract(data, content_type=content_type)
        return parse_document(doc, path)
    except ExtractError as e:
        return empty(path, str(e))
    except MemoryError:
        return empty(path, "out of memory while reading the file")
    except RecursionError:
        return empty(path, "document nesting too deep to read")
    except TimeoutError:
        raise  # the caller's time limit, not a parser failure
    except Exception as e:  # noqa: BLE001 - a parser bug on one file is reported on its line, not raised
        return empty(path, f"parser failure ({type(e).__name__}: {e})")


def parse_document(doc: Document, path: str = "") -> dict:
    doc = simplified(doc)
    found = recognise(doc)
    prose = "\n".join(b.text for b in doc.items if isinstance(b, Block))
    title = meta.find_title(doc)
    published = meta.published_of(doc, prose)
    year = meta.year_of(title, prose, published)
    out = empty(path)
    out.update(kind=doc.kind, title=title, agency=meta.agency_of(title), year=year, published=published)

    has_tables = bool(found.table2 or found.table3 or found.table4)
    out["format"] = form_of(found, year, has_tables, prose)
    cells: list[dict] = []
    missing: dict[str, str] = {}
    if out["format"] in ("2019", "2021"):
        out["table2"] = build_table2(found, out["format"], cells, missing)
        out["table3"] = build_table3(found, out["format"], cells, missing)
        out["table4"] = build_table4(found, cells, missing)
    elif out["format"] == "legacy":
        out["legacy"] = legacy.figures(prose)
    out["_missing"] = missing
    out["checks"] = checks.run(out, prose)
    del out["_missing"]
    if out["format"] == "unknown" and not prose.strip() and not has_tables:
        out["error"] = "no text found in the document"
    elif out["format"] == "unknown":
        out["error"] = "no annual report found: neither the form's tables nor a report title/year"
    out["cells"] = cells
    out["sections"] = meta.sections_of(doc)
    out["notes"] = doc.notes + found.problems
    return out


def simplified(doc: Document) -> Document:
    """Reports printed in Traditional characters are read through OpenCC's t2s."""
    sample = "".join(b.text for b in doc.items[:200] if isinstance(b, Block))[:20000]
    if len(_TRADITIONAL_HINTS.intersection(sample)) < 5:
        return doc
    conv = L.to_simplified
    for item in doc.items:
        if isinstance(item, Block):
            item.text = conv(item.text)
        else:
            seen: set[int] = set()
            for row in item.rows:
                for c in row:
                    if id(c) not in seen:
                        seen.add(id(c))
                        c.text = conv(c.text)
    doc.notes.append("Traditional characters converted to Simplified for reading")
    return doc


def form_of(found: Found, year: int | None, has_tables: bool, prose: str) -> str:
    if has_tables:
        if found.form_hint:
            return found.form_hint
        return "2019" if year in (2019, 2020) else "2021"
    if year is None:
        return "unknown"
    if year <= 2018:
        return "legacy"
    return "2019" if year <= 2020 else "2021"


def value_of(cell: Cell) -> int | float | None:
    return read_value(cell.text).value


def record(cells: list[dict], table: str, row: str, col: str, cell: Cell) -> int | float | None:
    v = read_value(cell.text)
    cells.append({"table": table, "row": row, "column": col, "value": v.value, "raw": cell.text,
                  "kind": v.kind, "source": cell.source})
    return v.value


def build_table2(found: Found, form: str, cells: list[dict], missing: dict) -> dict | None:
    spec = L.TABLE2_COLUMNS[form]
    if len(found.table2) < 3:
        missing["table2"] = f"only {len(found.table2)} of {len(spec)} rows of table 2 found" if found.table2 else \
            "table 2 (主动公开政府信息情况) not found"
        return None
    out: dict = {}
    for key, cols in spec.items():
        got = found.table2.get(key)
        out[key] = {c: (record(cells, "table2", key, c, got[i]) if got else None) for i, c in enumerate(cols)}
    return out


def build_table3(found: Found, form: str, cells: list[dict], missing: dict) -> dict | None:
    keys = [k for k in L.TABLE3_ROWS if not (form == "2019" and k in L.TABLE3_2019_ABSENT)]
    if len(found.table3) < len(keys) // 2:
        seen = len(found.table3) + len(found.table3_partial)
        missing["table3"] = (f"table 3 damaged: only {len(found.table3)} of {len(keys)} rows readable" if seen
                             else "table 3 (收到和处理政府信息公开申请情况) not found")
        return None
    out: dict = {}
    for key in keys:
        got = found.table3.get(key)
        out[key] = {c: (record(cells, "table3", key, c, got[i]) if got else None) for i, c in enumerate(L.APPLICANTS)}
    return out


def build_table4(found: Found, cells: list[dict], missing: dict) -> dict | None:
    if not found.table4:
        missing["table4"] = "table 4 (行政复议、行政诉讼情况) not found"
        return None
    out: dict = {}
    for block in L.TABLE4_BLOCKS:
        got = found.table4.get(block)
        out[block] = {c: (record(cells, "table4", block, c, got[i]) if got else None)
                      for i, c in enumerate(L.TABLE4_COLUMNS)}
    return out


def parse_file(path: str) -> dict:
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            return empty(path, f"file too large for a report ({size // (1024 * 1024)} MB > {MAX_BYTES // (1024 * 1024)} MB)")
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return empty(path, f"cannot read file: {e.strerror or e}")
    return parse_bytes(data, path)

