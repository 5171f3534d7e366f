"""`nianbao build`: parse what the crawl stored into the archive's report tables.

Incremental and idempotent: a stored file is parsed once per parser version
(a new parser version re-parses the stored bytes, with no network); a file
that fails to parse keeps its parse row with the error and the build goes
on; reports, cells, checks, sections and the derived tables are then rebuilt
from the parses.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Iterable, Iterator
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


def open_archive(data_dir: Path) -> sqlite_utils.Database:
    """The archive as the build writes it: WAL with synchronous NORMAL, as the crawl keeps it
    (a killed build loses no commit), and a page cache large enough for the index work."""
    db = sqlite_utils.Database(Path(data_dir) / "archive.db")
    db.enable_wal()
    db.execute("pragma synchronous = normal")
    db.execute(f"pragma cache_size = -{CACHE_MB * 1024}")
    reports.ensure_schema(db)
    return db


CACHE_MB = 512


def build(data_dir: Path, registry_path: str | None = None, timings: dict | None = None) -> dict:
    db = open_archive(data_dir)
    blobs = BlobStore(data_dir)
    if "found_reports" not in db.table_names():
        return {"parsed": 0, "errors": 0, "reports": 0}
    sources = list(db.query(
        "select f.portal, f.url, f.sha256, f.capture_id, c.response_headers from found_reports f "
        "left join captures c on c.id = f.capture_id where f.sha256 is not null order by f.rowid"))
    todo = [s for s in sources if reports.parsed(db, s["sha256"], PARSER_VERSION) is None]

    def parse_todo() -> Iterator[tuple[str, dict]]:
        seen: set[str] = set()
        for s in todo:
            if s["sha256"] in seen or not blobs.has(s["sha256"]):
                continue
            seen.add(s["sha256"])
            yield s["sha256"], parse_bytes(blobs.get(s["sha256"]), s["url"], content_type(s["response_headers"]))

    with timed(timings, "parse"):
        parsed, errors = record_parses(db, parse_todo())
    ids = derive(db, [reports.Source(s["sha256"], s["url"], s["capture_id"], s["portal"]) for s in sources],
                 registry_path, timings)
    return {"parsed": parsed, "errors": errors, "reports": len(ids)}


def record_parses(db: sqlite_utils.Database, parses: Iterable[tuple[str, dict]]) -> tuple[int, int]:
    """Store each (blob sha256, report JSON) parse, BATCH to a transaction.
    Returns how many were stored and how many of them carry an error."""
    parsed = errors = 0
    parses = iter(parses)
    while batch := list(itertools.islice(parses, BATCH)):
        with reports.transaction(db):
            for sha256, report in batch:
                reports.record_parse(db, sha256, report)
                parsed += 1
                errors += bool(report.get("error"))
    return parsed, errors


def derive(db: sqlite_utils.Database, sources: list[reports.Source], registry_path: str | None,
           timings: dict | None = None) -> list[int]:
    """Everything after parsing: bodies, one report per body and year, and what is derived from them.
    Returns the ids of the reports written; `timings` gets the seconds of each step."""
    with timed(timings, "bodies"):
        add_bodies(db, registry_path)
    with timed(timings, "reports"):
        ids = reports.resolve(db, sources, PARSER_VERSION)
    with timed(timings, "cross-year checks"):
        derived.cross_year_checks(db)
        derived.check_status(db)
    with timed(timings, "wide tables"):
        derived.create_views(db)
    with timed(timings, "search"):
        derived.build_search(db)
    return ids


@contextlib.contextmanager
def timed(timings: dict | None, step: str):
    start = time.perf_counter()
    yield
    if timings is not None:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - start


def add_bodies(db: sqlite_utils.Database, registry_path: str | None) -> None:
    """Bodies of the crawled portals, named and placed as the registry says."""
    from crawler import registry

    reg = registry.load(registry_path)
    with db.conn:
        db["bodies"].upsert_all(({"id": p.id, "name": p.body, "level": p.level, "province": p.province,
                                  "portal": p.id} for p in reg.portals), pk="id")
