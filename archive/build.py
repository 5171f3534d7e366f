"""`nianbao build`: parse what the crawl stored into the archive's report tables.

Incremental and idempotent: a stored file is parsed once per parser version
(a new parser version re-parses the stored bytes, with no network); a file
that fails to parse keeps its parse row with the error and the build goes
on; reports, cells, checks, sections and the derived tables are then rebuilt
from the parses.
"""
from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from parsers import PARSER_VERSION, parse_bytes

from . import derived, reports
from .blobs import BlobStore

BATCH = 200  # parses per transaction


def content_type(headers_json: str | None) -> str | None:
    for k, v in json.loads(headers_json or "[]"):
        if k.lower() == "content-type":
            return v
    return None


def build(data_dir: Path, registry_path: str | None = None) -> dict:
    db = sqlite_utils.Database(Path(data_dir) / "archive.db")
    reports.ensure_schema(db)
    blobs = BlobStore(data_dir)
    if "found_reports" not in db.table_names():
        return {"parsed": 0, "errors": 0, "reports": 0}
    sources = list(db.query(
        "select f.portal, f.url, f.sha256, f.capture_id, c.response_headers from found_reports f "
        "left join captures c on c.id = f.capture_id where f.sha256 is not null order by f.rowid"))
    parsed = errors = 0
    todo = [s for s in sources if reports.parsed(db, s["sha256"], PARSER_VERSION) is None]
    seen: set[str] = set()
    for k in range(0, len(todo), BATCH):
        with db.conn:
            for s in todo[k: k + BATCH]:
                if s["sha256"] in seen or not blobs.has(s["sha256"]):
                    continue
                seen.add(s["sha256"])
                report = parse_bytes(blobs.get(s["sha256"]), s["url"], content_type(s["response_headers"]))
                reports.record_parse(db, s["sha256"], report)
                parsed += 1
                errors += bool(report.get("error"))
    add_bodies(db, registry_path)
    ids = reports.resolve(db, [reports.Source(s["sha256"], s["url"], s["capture_id"], s["portal"]) for s in sources],
                          PARSER_VERSION)
    derived.cross_year_checks(db)
    derived.create_views(db)
    derived.build_search(db)
    return {"parsed": parsed, "errors": errors, "reports": len(ids)}


def add_bodies(db: sqlite_utils.Database, registry_path: str | None) -> None:
    """Bodies of the crawled portals, named and placed as the registry says."""
    from crawler import registry

    reg = registry.load(registry_path)
    with db.conn:
        db["bodies"].upsert_all(({"id": p.id, "name": p.body, "level": p.level, "province": p.province,
                                  "portal": p.id} for p in reg.portals), pk="id")
