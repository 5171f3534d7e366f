"""Item pipeline: the reports spiders recognise, linked to the capture that fetched them."""
from __future__ import annotations

from dataclasses import asdict

from archive.captures import CaptureStore, insert_or_ignore, now


class FoundReports:
    """Writes each ReportItem to the `found_reports` table of the archive
    database; `nianbao build` parses the blobs these rows point to."""

    def __init__(self, crawler):
        self.run_id = crawler.settings.get("NIANBAO_RUN_ID", "run")
        self.store = CaptureStore(crawler.settings.get("NIANBAO_DATA", "data"))
        table = self.store.db["found_reports"]
        if not table.exists():
            table.create({"key": str, "run_id": str, "portal": str, "url": str, "title": str, "year": int,
                          "role": str, "list_page": str, "anchor": str, "capture_id": int, "sha256": str,
                          "found_at": str}, pk="key")
            table.create_index(["sha256"])
            table.create_index(["portal", "year"])

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        row = asdict(item)
        row.update(key=f"{self.run_id}|{item.url}", run_id=self.run_id, found_at=now())
        with self.store.db.conn:
            insert_or_ignore(self.store.db, "found_reports", row)  # a resumed run finds it again
        return item
