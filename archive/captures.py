"""Capture rows: the provenance of every fetch, failures included.

One row per request attempt and per redirect hop, in `<data>/archive.db`:

    crawl_runs   one row per crawl run
    captures     one row per fetch: what was asked, what came back, what it means
    blobs        one row per stored body (sha256, size, MIME type, first seen)

Outcome kinds (column `outcome`):

    new            first successful fetch of this URL; a new blob
    changed        the URL answered before with other bytes; a new version (new blob)
    identical      200 with the same bytes as the last success; no new blob
    not-modified   304 to a conditional GET; points to the last success's blob
    gone           404 or 410 where the URL answered before
    redirect       a 3xx hop (the next hop is its own row)
    http-error     any other 4xx or 5xx
    failed         no HTTP answer: DNS, TLS, timeout, refused connection, reset
    robots-denied  robots.txt forbids the URL; nothing was fetched
    blocked        an anti-bot challenge page (瑞数 412, 加速乐 521, …); never parsed
    too-large      the body exceeded the download limit

Rows are keyed by URL and time and are never updated or deleted: a re-crawl
adds rows. A resumed run does not duplicate a fetch: `key` (run, request
fingerprint, hop) is unique and a second insert of it is ignored.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

OUTCOMES = ("new", "changed", "identical", "not-modified", "gone", "redirect", "http-error", "failed",
            "robots-denied", "blocked", "too-large")
SUCCESS = ("new", "changed", "identical", "not-modified")
COLUMNS = {
    "id": int, "key": str, "run_id": str, "spider": str, "portal": str, "platform": str, "role": str,
    "method": str, "url": str, "final_url": str, "hop": int, "status": int, "outcome": str, "error": str,
    "request_headers": str, "response_headers": str, "sha256": str, "size": int, "mime": str,
    "fetched_at": str, "duration_ms": float, "server_ip": str, "list_page": str, "anchor": str,
    "etag": str, "last_modified": str, "charset_header": str, "charset_meta": str, "charset_detected": str,
    "charset_chosen": str, "crawler_version": str, "report_title": str, "report_year": int,
}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class CaptureStore:
    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.data_dir / "archive.db")
        self.db.enable_wal()  # the crawl writes while Datasette or a build may read
        # WAL with synchronous=NORMAL survives a killed process (not a power cut) at a
        # fraction of the cost of a full sync on every capture.
        self.db.execute("pragma synchronous = normal")
        ensure_schema(self.db)

    def open_run(self, run_id: str, portals: list[str], settings: dict | None = None,
                 crawler_version: str = "") -> None:
        if self.db["crawl_runs"].count_where("id = ?", [run_id]):
            return  # a resumed run keeps its row
        self.db["crawl_runs"].insert({"id": run_id, "started": now(), "finished": None, "status": "running",
                                      "portals": " ".join(portals), "crawler_version": crawler_version,
                                      "settings": json.dumps(settings or {}, ensure_ascii=False, sort_keys=True)})

    def close_run(self, run_id: str, status: str = "finished") -> None:
        self.db["crawl_runs"].update(run_id, {"finished": now(), "status": status})

    def last_success(self, url: str) -> dict | None:
        """The latest capture of the URL that yielded its bytes (for conditional
        GETs and for telling new, changed, identical and gone apart)."""
        rows = list(self.db.query(
            "select * from captures where url = ? and outcome in ('new', 'changed', 'identical', 'not-modified') "
            "and sha256 is not null order by id desc limit 1", [url]))
        return rows[0] if rows else None

    def outcome(self, url: str, status: int | None, digest: str | None) -> str:
        """What a final (non-redirect) answer means, given the URL's history."""
        last = self.last_success(url)
        if status == 304:
            return "not-modified" if last else "http-error"
        if status is not None and 200 <= status < 300:
            if last is None:
                return "new"
            return "identical" if last["sha256"] == digest else "changed"
        if status in (404, 410) and last is not None:
            return "gone"
        return "http-error"

    def record(self, row: dict) -> int | None:
        """Insert one capture; a row whose key is already there (a resumed run
        fetching again what it had fetched) is not added twice. Returns the id."""
        row = {k: v for k, v in row.items() if k in COLUMNS}
        for k in ("request_headers", "response_headers"):
            if isinstance(row.get(k), (dict, list)):
                row[k] = json.dumps(row[k], ensure_ascii=False)
        with self.db.conn:
            insert_or_ignore(self.db, "captures", row)
        found = list(self.db.query("select id from captures where key = ?", [row["key"]]))
        return found[0]["id"] if found else None

    def note_blob(self, digest: str, size: int, mime: str | None) -> None:
        with self.db.conn:
            insert_or_ignore(self.db, "blobs", {"sha256": digest, "size": size, "mime": mime, "first_seen": now()})

    def summary(self, run_id: str) -> dict[str, dict[str, int]]:
        """Per portal: reports found and captures by outcome, for the crawl's closing table."""
        out: dict[str, dict[str, int]] = {}
        for r in self.db.query("select portal, outcome, count(*) as n from captures where run_id = ? "
                               "group by portal, outcome", [run_id]):
            out.setdefault(r["portal"] or "", {})[r["outcome"]] = r["n"]
        for r in self.db.query("select portal, count(distinct url) as n from captures where run_id = ? "
                               "and report_title is not null group by portal", [run_id]):
            out.setdefault(r["portal"] or "", {})["reports"] = r["n"]
        return out


def insert_or_ignore(db: sqlite_utils.Database, table: str, row: dict) -> None:
    """INSERT OR IGNORE in plain SQL: sqlite-utils' insert(ignore=True) looks up the
    row it did not insert by a stale rowid and raises IndexError."""
    cols = list(row)
    db.execute(f"insert or ignore into [{table}] ({', '.join(f'[{c}]' for c in cols)}) "
               f"values ({', '.join('?' * len(cols))})", [row[c] for c in cols])


def ensure_schema(db: sqlite_utils.Database) -> None:
    if "crawl_runs" not in db.table_names():
        db["crawl_runs"].create({"id": str, "started": str, "finished": str, "status": str, "portals": str,
                                 "crawler_version": str, "settings": str}, pk="id")
    if "blobs" not in db.table_names():
        db["blobs"].create({"sha256": str, "size": int, "mime": str, "first_seen": str}, pk="sha256")
    if "captures" not in db.table_names():
        db["captures"].create(COLUMNS, pk="id", foreign_keys=[("run_id", "crawl_runs", "id")])
        db["captures"].create_index(["key"], unique=True)
        for cols in (["url", "id"], ["sha256"], ["run_id"], ["portal"], ["outcome"]):
            db["captures"].create_index(cols)
