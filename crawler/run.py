"""Run a crawl: one Scrapy crawler per portal, in this process.

    summary = crawl(portals, data_dir=Path("data"), job_dir=Path("data/jobs/x"))

With a job folder the crawl is resumable: the run id is kept there, so a
crawl killed (even with SIGKILL) and started again with the same job folder
continues the same run. The resumed crawl walks the portals again, but every
page the run already stored is served from the archive instead of being
fetched (crawler.middlewares.Recorder), so nothing is captured twice; what
was in flight when the crawl died is fetched now, so nothing is lost.
(Scrapy's own JOBDIR is not used: a request popped from its disk queue and
in flight at a SIGKILL is gone from the queue for good.)
"""
from __future__ import annotations

import importlib
import uuid
from datetime import datetime, timezone
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.captures import CaptureStore
from crawler import settings as default_settings
from crawler.registry import Portal


def spider_class(platform: str):
    module = importlib.import_module(f"crawler.spiders.{platform}")
    return getattr(module, f"{platform.capitalize()}Spider")


def run_id_for(job_dir: Path | None) -> tuple[str, int]:
    """The run id, and how many times this run has been resumed before (0 for a new run)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    fresh = f"{stamp}-{uuid.uuid4().hex[:6]}"
    if job_dir is None:
        return fresh, 0
    job_dir.mkdir(parents=True, exist_ok=True)
    marker, starts = job_dir / "run-id", job_dir / "starts"
    if not marker.exists():
        marker.write_text(fresh)
    resumed = int(starts.read_text()) if starts.exists() else 0
    starts.write_text(str(resumed + 1))
    return marker.read_text().strip(), resumed


def base_settings(data_dir: Path, run_id: str, overrides: dict | None) -> Settings:
    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.set("NIANBAO_DATA", str(data_dir), priority="cmdline")
    s.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
    s.setdict(overrides or {}, priority="cmdline")
    return s


def crawl(portals: list[Portal], data_dir: Path, job_dir: Path | None = None,
          overrides: dict | None = None) -> tuple[str, dict]:
    """Crawl the portals; returns the run id and a summary per portal."""
    data_dir = Path(data_dir)
    run_id, resumed = run_id_for(job_dir)
    settings = base_settings(data_dir, run_id, overrides)
    settings.set("NIANBAO_RESUMED", resumed, priority="cmdline")
    store = CaptureStore(data_dir)
    store.open_run(run_id, [p.id for p in portals], {k: v for k, v in (overrides or {}).items()
                                                     if isinstance(v, (str, int, float, bool))},
                   settings.get("CRAWLER_VERSION"))
    process = CrawlerProcess(settings, install_root_handler=True)
    for portal in portals:
        process.crawl(spider_class(portal.platform), portal=portal, run_id=run_id)
    process.start()
    store.close_run(run_id)
    return run_id, summary(store, run_id, [p.id for p in portals])


def summary(store: CaptureStore, run_id: str, portal_ids: list[str]) -> dict:
    counts = store.summary(run_id)
    found = {r["portal"]: r["n"] for r in store.db.query(
        "select portal, count(distinct url) as n from found_reports where run_id = ? group by portal", [run_id])} \
        if "found_reports" in store.db.table_names() else {}
    out = {}
    for pid in portal_ids:
        c = counts.get(pid, {})
        out[pid] = {"reports": found.get(pid, 0), "new": c.get("new", 0), "changed": c.get("changed", 0),
                    "unchanged": c.get("identical", 0) + c.get("not-modified", 0), "gone": c.get("gone", 0),
                    "blocked": c.get("blocked", 0),
                    "failed": c.get("failed", 0) + c.get("http-error", 0) + c.get("too-large", 0)
                    + c.get("robots-denied", 0)}
    return out
