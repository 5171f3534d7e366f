"""Capture rows: the provenance of every fetch, failures included.

One row per request attempt and per redirect hop, in `<data>/archive.db`:

    crawl_runs     one row per crawl run (status running / finished / interrupted)
    run_portals    one row per run and portal: when its spider ran, how it ended, its counts
    captures       one row per fetch: what was asked, what came back, what it means
    blobs          one row per stored body (sha256, size, MIME type, first seen)
    found_reports  the report pages and attachments spiders named (crawler/pipelines.py)

Outcome kinds (column `outcome`):

    new            2xx, first successful fetch of this URL; a new blob
    changed        2xx, the URL answered before with other content; a new version (new blob)
    identical      2xx with the same content as the last success; no new blob
    not-modified   304 to our conditional GET; sha256 is the last success's blob
    gone           404 or 410 where the URL answered before
    redirect       a 3xx hop with a Location; final_url is where it points, the next hop is its own row
    http-error     any other status (4xx, 5xx; every retry attempt is its own row)
    failed         no HTTP answer; error_kind says dns, tls, timeout, connection or redirect-loop
    robots-denied  robots.txt forbids the URL; nothing was sent
    blocked        an anti-bot challenge page (瑞数 412 $_ts, 加速乐 521/512, "请稍候",
                   a cookie-setting redirect loop); stored, never parsed, never retried
    too-large      the body exceeded DOWNLOAD_MAXSIZE, on the wire or once decompressed

Links to hosts outside the allowed set (*.gov.cn, the registry's hosts,
NIANBAO_ALLOWED_HOSTS) are refused before any fetch: no capture, but counted
per portal in run_portals.offsite.

Two digests per body. `sha256` names the resource as served once its
Content-Encoding (gzip, deflate, br, zstd) is undone: what the blob store keeps
and the parsers read. `wire_sha256` is the body as it came off the connection,
de-chunked but still content-encoded: what the WARC response record holds.
Without a Content-Encoding the two are equal.

Rows are keyed by URL and time (`url`, `fetched_at`). Once committed they are
never updated or deleted: a re-crawl adds rows. `key` = run, request
fingerprint, redirect hop, retry attempt is unique; recording a key twice
keeps the first row, so a resumed run never duplicates a fetch. A row is
inserted when its fetch is answered and committed once the archive writer
(archive/writer.py) confirms its blob and WARC records are on disk; until
then its `warc_file` is empty.
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import sqlite_utils

OUTCOMES = ("new", "changed", "identical", "not-modified", "gone", "redirect", "http-error", "failed",
            "robots-denied", "blocked", "too-large")
SUCCESS = ("new", "changed", "identical", "not-modified")
FAILURES = ("failed", "http-error", "too-large")
ERROR_KINDS = ("dns", "tls", "timeout", "connection", "redirect-loop", "decoding", "other")

COLUMNS = {
    "id": int,
    "key": str,                 # run_id|fingerprint|hop|attempt, unique
    "run_id": str, "spider": str, "portal": str, "platform": str,
    "role": str,                # seed, list, detail, attachment, column (spider's meta) or robots
    "method": str,
    "url": str,                 # the URL fetched in this hop
    "origin_url": str,          # the URL the spider asked for (hop 0 of the chain)
    "final_url": str,           # where this hop leads: the Location of a redirect, else the url
    "hop": int,                 # redirect hop, 0 for the spider's own request
    "attempt": int,             # retry attempt, 0 for the first try
    "fingerprint": str,         # Scrapy's request fingerprint (hex)
    "status": int,
    "outcome": str,
    "error_kind": str,
    "error": str,
    "request_headers": str,     # JSON [[name, value], ...] as Scrapy sent them
    "response_headers": str,    # JSON [[name, value], ...] as Scrapy parsed them
    "sha256": str,              # content digest: the blob
    "size": int,
    "wire_sha256": str,         # digest of the body as transferred (before content decoding)
    "wire_size": int,
    "content_encoding": str,
    "mime": str,
    "fetched_at": str,          # ISO 8601 UTC: when the request went to the network
    "duration_ms": float,
    "server_ip": str,           # the proxy's address when the fetch went through one
    "proxy": str,               # the proxy (registry proxy_country), credentials left out
    "protocol": str,
    "list_page": str,           # the list page whose link led here
    "anchor": str,              # that link's text
    "etag": str,
    "last_modified": str,
    "conditional": int,         # 1 when If-None-Match / If-Modified-Since were sent
    "previous_capture_id": int, # the earlier success this one was compared with
    "charset_header": str, "charset_meta": str, "charset_detected": str, "charset_chosen": str,
    "warc_file": str, "warc_offset": int, "warc_record_id": str, "warc_payload_digest": str,
    "crawler_version": str,
}
RUN_COLUMNS = {"id": str, "started": str, "finished": str, "status": str, "portals": str, "crawler_version": str,
               "settings": str, "job_dir": str, "restarts": int, "summary": str}
COUNTS = ("found", "new", "changed", "unchanged", "gone", "redirect", "blocked", "failed", "robots_denied",
          "offsite")
PORTAL_COLUMNS = {"run_id": str, "portal": str, "platform": str, "spider": str, "started": str, "finished": str,
                  "finish_reason": str, **{c: int for c in COUNTS}, "stats": str}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")


def make_key(run_id: str, fingerprint: str, hop: int = 0, attempt: int = 0) -> str:
    return f"{run_id}|{fingerprint}|{hop}|{attempt}"


class CaptureStore:
    def __init__(self, data_dir: str | Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.data_dir / "archive.db")
        self.db.enable_wal()  # the crawl writes while Datasette or a build may read
        # In WAL mode NORMAL keeps every commit across a killed process; only an OS
        # crash may lose the last few, which a resumed run fetches again.
        self.db.execute("pragma synchronous = normal")
        self.db.execute("pragma busy_timeout = 10000")
        ensure_schema(self.db)
        self.pending = 0                 # capture rows written since the last commit
        self.committed_at = time.monotonic()
        # Called before each commit: the crawl's archive writer confirms that the
        # blobs and WARC records of the rows about to be committed are on disk.
        self.before_commit: Callable[[], None] | None = None

    def close(self) -> None:
        if self.db.conn is not None and not getattr(self, "closed", False):
            self.commit()
            self.db.close()
            self.closed = True

    # -- commits -------------------------------------------------------------------------------
    # Capture rows are committed in batches (COMMIT_ROWS rows or COMMIT_SECONDS), not
    # one by one: a commit per fetch was a large part of archiving's cost. A crawl
    # killed between commits loses only rows whose fetches a resumed run repeats,
    # and the WARC repair cuts their records (they are the file's tail).

    COMMIT_ROWS = 200
    COMMIT_SECONDS = 0.5

    def commit(self) -> None:
        if self.before_commit is not None:
            self.before_commit()  # also when nothing is open: confirmations may still be due
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        self.pending = 0
        self.committed_at = time.monotonic()

    @contextmanager
    def transaction(self):
        """For sqlite-utils writes, which commit by themselves: waiting capture rows are
        settled before, and committed after, through commit(). No rollback on error:
        that would throw away capture rows of other fetches."""
        if self.before_commit is not None:
            self.before_commit()
        yield
        self.commit()

    def commit_if_stale(self) -> None:
        """Commit rows that have waited COMMIT_SECONDS (a timer calls this while a crawl idles)."""
        if self.pending and time.monotonic() - self.committed_at >= self.COMMIT_SECONDS:
            self.commit()

    def wrote(self) -> None:
        """Count a row written on this connection; commit when the batch is full or old."""
        self.pending += 1
        if self.pending >= self.COMMIT_ROWS or time.monotonic() - self.committed_at >= self.COMMIT_SECONDS:
            self.commit()

    # -- runs ----------------------------------------------------------------------------------

    def open_run(self, run_id: str, portals: list[str], settings: dict | None = None,
                 crawler_version: str = "", job_dir: str | None = None) -> dict:
        """Start a run, or take up one that was interrupted (same id, a restart more)."""
        run = self.run(run_id)
        with self.transaction():
            if run:
                self.db["crawl_runs"].update(run_id, {"status": "running", "finished": None,
                                                      "restarts": (run["restarts"] or 0) + 1})
            else:
                self.db["crawl_runs"].insert({
                    "id": run_id, "started": now(), "finished": None, "status": "running",
                    "portals": " ".join(portals), "crawler_version": crawler_version,
                    "settings": json.dumps(settings or {}, ensure_ascii=False, sort_keys=True, default=str),
                    "job_dir": job_dir, "restarts": 0, "summary": None})
        return self.run(run_id)

    def run(self, run_id: str) -> dict | None:
        rows = list(self.db.query("select * from crawl_runs where id = ?", [run_id]))
        return rows[0] if rows else None

    def close_run(self, run_id: str, status: str = "finished") -> dict[str, dict[str, int]]:
        """End the run (finished, or interrupted when a portal did not finish); returns
        and stores the counts per portal."""
        counts = self.counts(run_id)
        with self.transaction():
            self.db["crawl_runs"].update(run_id, {"finished": now(), "status": status,
                                                  "summary": json.dumps(counts, sort_keys=True)})
        return counts

    def portal_started(self, run_id: str, portal: str, platform: str = "", spider: str = "") -> None:
        with self.transaction():
            self.db["run_portals"].upsert({"run_id": run_id, "portal": portal, "platform": platform,
                                           "spider": spider, "started": now(), "finished": None,
                                           "finish_reason": None}, pk=("run_id", "portal"))

    def portal_finished(self, run_id: str, portal: str, reason: str, stats: dict | None = None) -> dict:
        stats = stats or {}
        # A resumed session walks the portal again from its seeds, so its own count is complete.
        offsite = int(stats.get("nianbao/offsite_refused", 0))
        counts = self.counts(run_id).get(portal) or dict.fromkeys(COUNTS, 0)
        counts["offsite"] = offsite
        with self.transaction():
            self.db["run_portals"].upsert({"run_id": run_id, "portal": portal, "finished": now(),
                                           "finish_reason": reason, **counts,
                                           "stats": json.dumps(stats, sort_keys=True, default=str)},
                                          pk=("run_id", "portal"))
        return counts

    def finished_portals(self, run_id: str) -> set[str]:
        """Portals whose spider ran to its end in this run (skipped when the run resumes)."""
        return {r["portal"] for r in self.db.query(
            "select portal from run_portals where run_id = ? and finish_reason = 'finished'", [run_id])}

    def counts(self, run_id: str) -> dict[str, dict[str, int]]:
        """Per portal: reports found, and each request chain once by the outcome of its
        last attempt (a 500 retried twice is one failure, not three); robots.txt aside."""
        out: dict[str, dict[str, int]] = {}

        def bucket(portal: str | None) -> dict[str, int]:
            return out.setdefault(portal or "", dict.fromkeys(COUNTS, 0))

        for r in self.db.query("""
                select portal, outcome, count(*) as n from captures c
                where run_id = ? and coalesce(role, '') != 'robots'
                  and attempt = (select max(attempt) from captures c2 where c2.run_id = c.run_id
                                 and c2.fingerprint = c.fingerprint and c2.hop = c.hop)
                group by portal, outcome""", [run_id]):
            c = bucket(r["portal"])
            kind = r["outcome"]
            name = {"identical": "unchanged", "not-modified": "unchanged", "robots-denied": "robots_denied",
                    "http-error": "failed", "too-large": "failed"}.get(kind, kind)
            if name in c:
                c[name] += r["n"]
        if "found_reports" in self.db.table_names():
            for r in self.db.query("select portal, count(*) as n from found_reports where run_id = ? "
                                   "group by portal", [run_id]):
                bucket(r["portal"])["found"] = r["n"]
        for r in self.db.query("select portal, offsite from run_portals where run_id = ?", [run_id]):
            if r["offsite"]:
                bucket(r["portal"])["offsite"] = r["offsite"]
        return out

    def summary(self, run_id: str) -> dict[str, dict[str, int]]:
        """Captures by outcome per portal, every attempt counted (see counts() for the closing table)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.db.query("select portal, outcome, count(*) as n from captures where run_id = ? "
                               "group by portal, outcome", [run_id]):
            out.setdefault(r["portal"] or "", {})[r["outcome"]] = r["n"]
        return out

    # -- captures ------------------------------------------------------------------------------

    def _one(self, sql: str, params: list) -> dict | None:
        cursor = self.db.conn.execute(sql, params)
        row = cursor.fetchone()
        return dict(zip((d[0] for d in cursor.description), row)) if row else None

    def last_success(self, url: str) -> dict | None:
        """The latest capture of the URL that yielded its bytes (for conditional
        GETs and for telling new, changed, identical and gone apart)."""
        return self._one("select * from captures where url = ? and outcome in ('new', 'changed', 'identical', "
                         "'not-modified') and sha256 is not null order by id desc limit 1", [url])

    def outcome(self, url: str, status: int | None, digest: str | None) -> str:
        """What a final (non-redirect, non-challenge) answer means, given the URL's history."""
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
        meeting what it had recorded) is not added twice. Returns the row's id."""
        unknown = set(row) - set(COLUMNS)
        if unknown:
            raise ValueError(f"not capture columns: {sorted(unknown)}")
        if row.get("outcome") not in OUTCOMES:
            raise ValueError(f"unknown outcome {row.get('outcome')!r}")
        row = dict(row)
        for k in ("request_headers", "response_headers"):
            if isinstance(row.get(k), (dict, list, tuple)):
                row[k] = json.dumps(list(row[k]) if not isinstance(row[k], dict) else row[k], ensure_ascii=False)
        cols = list(row)
        cursor = self.db.conn.execute(
            f"insert or ignore into captures ({', '.join(f'[{c}]' for c in cols)}) "
            f"values ({', '.join('?' * len(cols))})", [row[c] for c in cols])
        self.wrote()
        if cursor.rowcount == 1:
            return cursor.lastrowid
        found = self.db.conn.execute("select id from captures where key = ?", [row["key"]]).fetchone()
        return found[0] if found else None

    def confirm(self, confirmed: list[tuple[str, str, int | None, dict]]) -> None:
        """Fill in what the writer reports for each capture: (key, warc_file, warc_offset,
        charsets of the body). Only rows still without a file, i.e. written in this
        transaction, are touched."""
        self.db.conn.executemany(
            "update captures set warc_file = ?, warc_offset = ?, charset_header = ?, charset_meta = ?, "
            "charset_detected = ?, charset_chosen = ? where key = ? and warc_file is null",
            [(f, offset, cs.get("charset_header"), cs.get("charset_meta"), cs.get("charset_detected"),
              cs.get("charset_chosen"), key) for key, f, offset, cs in confirmed])

    def forget(self, key: str) -> None:
        """Drop an uncommitted capture whose bytes could not be stored (and the found
        reports that point to it): a resumed run fetches it again."""
        row = self.db.conn.execute("select id from captures where key = ? and warc_file is null", [key]).fetchone()
        if row is None:
            return
        if "found_reports" in self.db.table_names():
            self.db.conn.execute("delete from found_reports where capture_id = ?", [row[0]])
        self.db.conn.execute("delete from captures where id = ?", [row[0]])

    def by_key(self, key: str) -> dict | None:
        return self._one("select * from captures where key = ?", [key])

    def get(self, capture_id: int) -> dict | None:
        rows = list(self.db.query("select * from captures where id = ?", [capture_id]))
        return rows[0] if rows else None

    def latest_in_run(self, run_id: str, url: str) -> dict | None:
        """The run's latest capture of the URL that holds a body (for items without a capture id)."""
        rows = list(self.db.query("select * from captures where run_id = ? and url = ? and sha256 is not null "
                                  "order by id desc limit 1", [run_id, url]))
        return rows[0] if rows else None

    def note_blob(self, digest: str, size: int, mime: str | None) -> None:
        # Committed with the capture row that points to it.
        self.db.conn.execute("insert or ignore into blobs (sha256, size, mime, first_seen) values (?, ?, ?, ?)",
                             [digest, size, mime, now()])


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create the tables, or add the columns a newer version knows to older ones."""
    names = set(db.table_names())
    for table, columns, pk in (("crawl_runs", RUN_COLUMNS, "id"), ("run_portals", PORTAL_COLUMNS, ("run_id", "portal")),
                               ("blobs", {"sha256": str, "size": int, "mime": str, "first_seen": str}, "sha256")):
        if table not in names:
            db[table].create(columns, pk=pk)
        else:
            _add_missing(db, table, columns)
    if "captures" not in names:
        db["captures"].create(COLUMNS, pk="id")
        db["captures"].create_index(["key"], unique=True)
        for cols in (["url", "id"], ["url", "fetched_at"], ["sha256"], ["run_id", "portal"], ["portal"],
                     ["outcome"], ["run_id", "fingerprint", "hop"]):
            db["captures"].create_index(cols)
    else:
        _add_missing(db, "captures", COLUMNS)


def _add_missing(db: sqlite_utils.Database, table: str, columns: dict) -> None:
    have = set(db[table].columns_dict)
    for name, kind in columns.items():
        if name not in have:
            db[table].add_column(name, kind)
