"""Parsed reports in the SQLite archive: one parse per stored blob and parser
version, resolved into one report per body and year.

    parses          one row per (blob sha256, parser version): the report JSON as parsed
    bodies          publishing bodies (the registry's portals, or the agency a report names)
    reports         one row per (body, report year): the source whose numbers were taken
    report_sources  every capture that carries the report (HTML page, PDF attachment,
                    a _wap twin, a re-published version) and whether it was chosen
    cells           the chosen source's table cells in long form
    checks          the chosen source's check results
    sections        the chosen source's numbered parts, with their text

Parses are kept for every source and version, so choosing another source or
re-resolving never needs the bytes again; the resolved tables are derived
from them and are rebuilt, never edited by hand.
"""
from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

# A report's sources are compared on what they yield; the first difference decides.
KIND_PREFERENCE = {"pdf": 4, "docx": 4, "doc": 3, "wps": 3, "html": 2, "text": 1, "image": 0}


@dataclass(frozen=True)
class Source:
    """One stored file that may carry a report."""
    sha256: str
    url: str | None = None
    capture_id: int | None = None
    body_id: str | None = None  # the registry portal the capture came from, when known


# Indexes by table: (columns, unique). ensure_schema creates any that is missing,
# so an archive whose build stopped while they were dropped (see bulk_load) gets them back.
INDEXES = {
    "parses": [(["sha256", "parser_version"], True), (["parser_version"], False), (["format"], False),
               (["year"], False)],
    "bodies": [(["province"], False), (["level"], False), (["name"], False)],
    "reports": [(["body_id", "year"], True), (["year"], False), (["format"], False), (["parse_id"], False),
                (["check_status"], False)],
    "report_sources": [(["report_id"], False), (["sha256"], False)],
    "cells": [(["report_id"], False), (["tbl", "row", "col"], False), (["kind"], False)],
    # both orders: a check's results by status, and the checks failed (passed = 0) by check
    "checks": [(["report_id"], False), (["check_id", "passed"], False), (["passed", "check_id"], False)],
    "sections": [(["report_id"], False)],
}


def ensure_schema(db: sqlite_utils.Database) -> None:
    if "parses" not in db.table_names():
        db["parses"].create({
            "id": int, "sha256": str, "parser_version": str, "parsed_at": str, "error": str, "kind": str,
            "agency": str, "year": int, "format": str, "published": str, "title": str, "report_json": str,
        }, pk="id")
    if "bodies" not in db.table_names():
        db["bodies"].create({"id": str, "name": str, "level": str, "province": str, "city": str, "county": str,
                             "portal": str}, pk="id")
    if "reports" not in db.table_names():
        db["reports"].create({
            "id": int, "body_id": str, "year": int, "format": str, "title": str, "published": str, "url": str,
            "capture_id": int, "blob_sha256": str, "parser_version": str, "parse_id": int,
            "check_status": str, "checks_failed": int,
        }, pk="id", foreign_keys=[("body_id", "bodies", "id"), ("parse_id", "parses", "id")])
    else:  # archives built before the check summary existed
        have = set(db["reports"].columns_dict)
        for name, kind in (("check_status", str), ("checks_failed", int)):
            if name not in have:
                db["reports"].add_column(name, kind)
    if "report_sources" not in db.table_names():
        db["report_sources"].create({"report_id": int, "sha256": str, "url": str, "capture_id": int,
                                     "parse_id": int, "chosen": int, "kind": str},
                                    foreign_keys=[("report_id", "reports", "id"), ("parse_id", "parses", "id")])
    if "cells" not in db.table_names():
        db["cells"].create({"report_id": int, "tbl": str, "row": str, "col": str, "value": float, "raw": str,
                            "kind": str, "source": str}, foreign_keys=[("report_id", "reports", "id")])
    if "checks" not in db.table_names():
        db["checks"].create({"report_id": int, "check_id": str, "passed": int, "detail": str},
                            foreign_keys=[("report_id", "reports", "id")])
    if "sections" not in db.table_names():
        db["sections"].create({"report_id": int, "number": int, "heading": str, "text": str},
                              foreign_keys=[("report_id", "reports", "id")])
    for table, indexes in INDEXES.items():
        for columns, unique in indexes:
            db[table].create_index(columns, unique=unique, if_not_exists=True)


# The tables resolve fills for every report.
REPORT_TABLES = ("report_sources", "cells", "checks", "sections")


@contextlib.contextmanager
def bulk_load(db: sqlite_utils.Database):
    """While an archive without reports is filled, its report tables go without
    their secondary indexes, which are created once at the end: one sort each
    is faster than keeping them up to date through 20M inserts."""
    if db.execute("select 1 from reports limit 1").fetchone():
        yield
        return
    for table in REPORT_TABLES:
        for index in db[table].indexes:
            db.execute(f"drop index [{index.name}]")
    try:
        yield
    finally:
        ensure_schema(db)


def parsed(db: sqlite_utils.Database, sha256: str, version: str) -> int | None:
    """The id of this blob's parse by this parser version, if it was parsed."""
    rows = list(db.query("select id from parses where sha256 = ? and parser_version = ?", [sha256, version]))
    return rows[0]["id"] if rows else None


def record_parse(db: sqlite_utils.Database, sha256: str, report: dict) -> int:
    """Store one parse (idempotent: a second call for the same blob and version returns the first id).
    Inside a caller's transaction it is part of that transaction; otherwise it commits."""
    version = report.get("parser_version", "")
    existing = parsed(db, sha256, version)
    if existing is not None:
        return existing
    row = {k: report.get(k) for k in ("error", "kind", "agency", "year", "format", "published", "title")}
    row.update(sha256=sha256, parser_version=version, parsed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
               report_json=json.dumps(report, ensure_ascii=False, sort_keys=True))
    with transaction(db):
        return insert(db, "parses", row)


def body_id_for(agency: str) -> str:
    """A body known only by the agency a report names: its name is its id."""
    return re.sub(r"\s+", "", agency)


def score(report: dict, kind: str | None) -> tuple:
    """How much of the form a parse yielded: no error, tables found, checks
    passed minus failed, then the file kind (an attachment over its page)."""
    checks = report.get("checks") or []
    return (not report.get("error"),
            sum(report.get(t) is not None for t in ("table2", "table3", "table4")),
            sum(c["passed"] is True for c in checks) - sum(c["passed"] is False for c in checks),
            KIND_PREFERENCE.get(kind or "", 0))


def resolve(db: sqlite_utils.Database, sources: list[Source], version: str) -> list[int]:
    """Group the sources' parses by (body, report year) into reports, choose
    each report's best source and write its cells, checks and sections.
    Returns the ids of the reports written.

    Parses are grouped by the columns record_parse copied from them; the report
    JSON is read one group at a time, so memory does not grow with the archive."""
    parses = {p[0]: p[1:] for p in db.execute("select sha256, id, error, year, agency from parses "
                                               "where parser_version = ?", [version])}
    groups: dict[tuple[str, int], list[tuple[Source, int]]] = {}
    for src in sources:
        if src.sha256 not in parses:
            continue
        parse_id, error, year, agency = parses[src.sha256]
        if error or year is None or not (src.body_id or agency):
            continue  # not a report, or one we cannot place
        body = src.body_id or body_id_for(agency)
        groups.setdefault((body, year), []).append((src, parse_id))
    del parses
    written = []
    todo = sorted(groups.items())
    with bulk_load(db):
        for k in range(0, len(todo), REPORTS_PER_TRANSACTION):
            with transaction(db):
                for (body, year), ids in todo[k: k + REPORTS_PER_TRANSACTION]:
                    members = [(src, parse_id, report_json(db, parse_id)) for src, parse_id in ids]
                    members.sort(key=lambda m: score(m[2], m[2].get("kind")), reverse=True)
                    written.append(write_report(db, body, year, members))
    return written


def report_json(db: sqlite_utils.Database, parse_id: int) -> dict:
    return json.loads(db.execute("select report_json from parses where id = ?", [parse_id]).fetchone()[0])


def write_report(db: sqlite_utils.Database, body: str, year: int, members: list[tuple[Source, int, dict]]) -> int:
    """The report of (body, year) from its sources, best first: the first one's cells, checks and sections."""
    chosen_src, chosen_parse, chosen = members[0]
    if db.execute("select 1 from bodies where id = ?", [body]).fetchone() is None:
        insert(db, "bodies", {"id": body, "name": chosen.get("agency") or body})
    report_id, new = upsert_report(db, body, year, chosen_src, chosen_parse, chosen)
    for table in REPORT_TABLES if not new else ():  # a new report has no rows yet
        db.execute(f"delete from {table} where report_id = ?", [report_id])
    insert_rows(db, "report_sources", ("report_id", "sha256", "url", "capture_id", "parse_id", "chosen", "kind"),
                ((report_id, s.sha256, s.url, s.capture_id, p, int(p == chosen_parse and s is chosen_src),
                  r.get("kind")) for s, p, r in members))
    insert_rows(db, "cells", ("report_id", "tbl", "row", "col", "value", "raw", "kind", "source"),
                ((report_id, c["table"], c["row"], c["column"], c["value"], c["raw"], c["kind"], c["source"])
                 for c in chosen.get("cells") or []))
    insert_rows(db, "checks", ("report_id", "check_id", "passed", "detail"),
                ((report_id, c["id"], None if c["passed"] is None else int(c["passed"]), c["detail"])
                 for c in chosen.get("checks") or []))
    insert_rows(db, "sections", ("report_id", "number", "heading", "text"),
                ((report_id, s["number"], s["heading"], s["text"]) for s in chosen.get("sections") or []))
    return report_id


def upsert_report(db, body: str, year: int, src: Source, parse_id: int, report: dict) -> tuple[int, bool]:
    """The report row of (body, year), inserted or updated: its id, and whether it is new."""
    row = {"body_id": body, "year": year, "format": report.get("format"), "title": report.get("title"),
           "published": report.get("published"), "url": src.url, "capture_id": src.capture_id,
           "blob_sha256": src.sha256, "parser_version": report.get("parser_version"), "parse_id": parse_id}
    existing = db.execute("select id from reports where body_id = ? and year = ?", [body, year]).fetchone()
    if existing:
        db.execute(f"update reports set {', '.join(f'[{k}] = ?' for k in row)} where id = ?",
                   [*row.values(), existing[0]])
        return existing[0], False
    return insert(db, "reports", row), True


# Rows are written with plain prepared statements inside one transaction per
# REPORTS_PER_TRANSACTION reports: sqlite-utils' insert_all commits (and syncs)
# every chunk and costs tens of microseconds a row, too slow for 20M cells.
REPORTS_PER_TRANSACTION = 500


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database):
    """A transaction that commits at the end, or the caller's own when one is open."""
    if db.conn.in_transaction:
        yield
        return
    with db.conn:
        db.conn.execute("begin")
        yield


def insert(db: sqlite_utils.Database, table: str, row: dict) -> int:
    columns = ", ".join(f"[{k}]" for k in row)
    return db.execute(f"insert into [{table}] ({columns}) values ({', '.join('?' * len(row))})",
                      list(row.values())).lastrowid


def insert_rows(db: sqlite_utils.Database, table: str, columns: tuple[str, ...], rows) -> None:
    db.conn.executemany(f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
                        f"values ({', '.join('?' * len(columns))})", rows)
