"""Item pipeline: the reports spiders recognise, linked to the capture that fetched them."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit, urlunsplit

from itemadapter import ItemAdapter
from w3lib.url import canonicalize_url

from archive.captures import now
from crawler.middlewares import session_for

COLUMNS = {"key": str, "run_id": str, "portal": str, "url": str, "canonical_url": str, "title": str, "year": int,
           "role": str, "list_page": str, "anchor": str, "capture_id": int, "sha256": str, "found_at": str}


def canonical_url(url: str) -> str:
    """Sorted query, no fragment, lower-case scheme and host: one row per report however linked."""
    parts = urlsplit(canonicalize_url(url, keep_fragments=False))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


@functools.lru_cache(maxsize=None)
def upsert_sql(cols: tuple[str, ...]) -> str:
    return (f"insert into found_reports ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
            f"on conflict(key) do update set {', '.join(f'{c} = excluded.{c}' for c in cols if c != 'key')}")


class FoundReports:
    """Writes each ReportItem to the `found_reports` table of the archive database,
    one row per run, portal and canonical URL (found again — another list page, a
    resumed run — it is updated, not added); `nianbao build` parses the blobs
    these rows point to. An item without a capture id gets the run's latest
    capture of its URL."""

    def __init__(self, crawler):
        self.session = session_for(crawler)
        self.store = self.session.store
        self.run_id = self.session.run_id
        table = self.store.db["found_reports"]
        self.store.commit()  # sqlite-utils commits schema changes itself: settle waiting captures first
        if not table.exists():
            table.create(COLUMNS, pk="key")
            table.create_index(["sha256"])
            table.create_index(["portal", "year"])
            table.create_index(["run_id", "portal"])
        else:
            have = set(table.columns_dict)
            for name, kind in COLUMNS.items():
                if name not in have:
                    table.add_column(name, kind)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)  # not asdict(): that deep-copies a dataclass item, per report found
        row = {k: adapter.get(k) for k in COLUMNS if k in adapter}
        canon = canonical_url(row["url"])
        if not row.get("capture_id") or not row.get("sha256"):
            capture = self.store.latest_in_run(self.run_id, row["url"])
            if capture:
                row["capture_id"] = row.get("capture_id") or capture["id"]
                row["sha256"] = row.get("sha256") or capture["sha256"]
        row.update(key=f"{self.run_id}|{row['portal']}|{canon}", run_id=self.run_id, canonical_url=canon,
                   found_at=now())
        cols = tuple(c for c in COLUMNS if c in row)
        # Plain SQL, committed with the capture rows (sqlite-utils' upsert reads the
        # table's schema on every call, a cost paid per report found).
        self.store.db.conn.execute(upsert_sql(cols), [row[c] for c in cols])
        self.store.wrote()
        return item
