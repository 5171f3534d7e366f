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


def ensure_schema(db: sqlite_utils.Database) -> None:
    if "parses" not in db.table_names():
        db["parses"].create({
            "id": int, "sha256": str, "parser_version": str, "parsed_at": str, "error": str, "kind": str,
            "agency": str, "year": int, "format": str, "published": str, "title": str, "report_json": str,
        }, pk="id")
        db["parses"].create_index(["sha256", "parser_version"], unique=True)
    if "bodies" not in db.table_names():
        db["bodies"].create({"id": str, "name": str, "level": str, "province": str, "city": str, "county": str,
                             "portal": str}, pk="id")
        db["bodies"].create_index(["province"])
        db["bodies"].create_index(["level"])
    if "reports" not in db.table_names():
        db["reports"].create({
            "id": int, "body_id": str, "year": int, "format": str, "title": str, "published": str, "url": str,
            "capture_id": int, "blob_sha256": str, "parser_version": str, "parse_id": int,
        }, pk="id", foreign_keys=[("body_id", "bodies", "id"), ("parse_id", "parses", "id")])
        db["reports"].create_index(["body_id", "year"], unique=True)
        for col in ("year", "format", "parse_id"):
            db["reports"].create_index([col])
    if "report_sources" not in db.table_names():
        db["report_sources"].create({"report_id": int, "sha256": str, "url": str, "capture_id": int,
                                     "parse_id": int, "chosen": int, "kind": str},
                                    foreign_keys=[("report_id", "reports", "id"), ("parse_id", "parses", "id")])
        db["report_sources"].create_index(["report_id"])
        db["report_sources"].create_index(["sha256"])
    if "cells" not in db.table_names():
        db["cells"].create({"report_id": int, "tbl": str, "row": str, "col": str, "value": float, "raw": str,
                            "kind": str, "source": str}, foreign_keys=[("report_id", "reports", "id")])
        for cols in (["report_id"], ["tbl", "row", "col"], ["kind"]):
            db["cells"].create_index(cols)
    if "checks" not in db.table_names():
        db["checks"].create({"report_id": int, "check_id": str, "passed": int, "detail": str},
                            foreign_keys=[("report_id", "reports", "id")])
        for cols in (["report_id"], ["check_id"], ["passed"]):
            db["checks"].create_index(cols)
    if "sections" not in db.table_names():
        db["sections"].create({"report_id": int, "number": int, "heading": str, "text": str},
                              foreign_keys=[("report_id", "reports", "id")])
        db["sections"].create_index(["report_id"])


def parsed(db: sqlite_utils.Database, sha256: str, version: str) -> int | None:
    """The id of this blob's parse by this parser version, if it was parsed."""
    rows = list(db.query("select id from parses where sha256 = ? and parser_version = ?", [sha256, version]))
    return rows[0]["id"] if rows else None


def record_parse(db: sqlite_utils.Database, sha256: str, report: dict) -> int:
    """Store one parse (idempotent: a second call for the same blob and version returns the first id)."""
    version = report.get("parser_version", "")
    existing = parsed(db, sha256, version)
    if existing is not None:
        return existing
    row = {k: report.get(k) for k in ("error", "kind", "agency", "year", "format", "published", "title")}
    row.update(sha256=sha256, parser_version=version, parsed_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
               report_json=json.dumps(report, ensure_ascii=False, sort_keys=True))
    return db["parses"].insert(row).last_pk


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
    Returns the ids of the reports written."""
    groups: dict[tuple[str, int], list[tuple[Source, int, dict]]] = {}
    for src in sources:
        parse_id = parsed(db, src.sha256, version)
        if parse_id is None:
            continue
        report = json.loads(db["parses"].get(parse_id)["report_json"])
        if report.get("error") or report.get("year") is None or not (src.body_id or report.get("agency")):
            continue  # not a report, or one we cannot place
        body = src.body_id or body_id_for(report["agency"])
        groups.setdefault((body, report["year"]), []).append((src, parse_id, report))
    written = []
    with db.conn:
        for (body, year), members in sorted(groups.items()):
            members.sort(key=lambda m: score(m[2], m[2].get("kind")), reverse=True)
            chosen_src, chosen_parse, chosen = members[0]
            if not db["bodies"].count_where("id = ?", [body]):
                db["bodies"].insert({"id": body, "name": chosen.get("agency") or body})
            report_id = upsert_report(db, body, year, chosen_src, chosen_parse, chosen)
            for table in ("report_sources", "cells", "checks", "sections"):
                db[table].delete_where("report_id = ?", [report_id])
            db["report_sources"].insert_all(
                {"report_id": report_id, "sha256": s.sha256, "url": s.url, "capture_id": s.capture_id,
                 "parse_id": p, "chosen": int(p == chosen_parse and s is chosen_src), "kind": r.get("kind")}
                for s, p, r in members)
            db["cells"].insert_all(
                {"report_id": report_id, "tbl": c["table"], "row": c["row"], "col": c["column"], "value": c["value"],
                 "raw": c["raw"], "kind": c["kind"], "source": c["source"]} for c in chosen.get("cells") or [])
            db["checks"].insert_all(
                {"report_id": report_id, "check_id": c["id"], "passed": None if c["passed"] is None else int(c["passed"]),
                 "detail": c["detail"]} for c in chosen.get("checks") or [])
            db["sections"].insert_all(
                {"report_id": report_id, "number": s["number"], "heading": s["heading"], "text": s["text"]}
                for s in chosen.get("sections") or [])
            written.append(report_id)
    return written


def upsert_report(db, body: str, year: int, src: Source, parse_id: int, report: dict) -> int:
    row = {"body_id": body, "year": year, "format": report.get("format"), "title": report.get("title"),
           "published": report.get("published"), "url": src.url, "capture_id": src.capture_id,
           "blob_sha256": src.sha256, "parser_version": report.get("parser_version"), "parse_id": parse_id}
    existing = list(db.query("select id from reports where body_id = ? and year = ?", [body, year]))
    if existing:
        db["reports"].update(existing[0]["id"], row)
        return existing[0]["id"]
    return db["reports"].insert(row).last_pk
