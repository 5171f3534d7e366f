"""What spiders yield: a report they recognised, as an HTML page or an attached file."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ReportItem:
    portal: str
    url: str
    title: str | None
    year: int | None
    role: str  # "page": the report is the HTML page; "attachment": a file linked from a report page
    list_page: str | None = None
    anchor: str | None = None
    capture_id: int | None = None
    sha256: str | None = None
