"""Run a crawl: one Scrapy crawler per portal, in this process.

    summary = crawl(portals, Path("data"), job_dir=Path("data/jobs/monthly"))
    python -m crawler.run --data data --job data/jobs/monthly [--site ID] [-s NAME=VALUE]

Portals are crawled NIANBAO_PARALLEL_PORTALS at a time; all write to one run
(crawl_runs row, WARC files) in `data_dir`. Twisted's reactor runs once per
process, so crawl() can be called once per process; run it in a subprocess
(`python -m crawler.run`) to crawl again.

With a job folder the crawl is resumable. The run id is kept there
(`run-id`), so a crawl killed — even with SIGKILL — and started again with the
same job folder continues the same run: portals that finished are skipped,
the others are walked again from their seeds, and every request the run had
already recorded is answered from the archive instead of the network
(crawler.middlewares.Recorder), so nothing is captured twice and what was in
flight when the crawl died is fetched now, so nothing is lost. Scrapy's own
JOBDIR is not used: it writes its queue state and seen-requests file only on
a clean shutdown, so after SIGKILL requests popped from its disk queue, or
already in its (buffered) seen file, would be lost. Once a run has finished,
the next crawl with the same job folder starts a new run.
"""
from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from scrapy import signals
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from archive.captures import CaptureStore
from crawler.network import apply_portal_settings, ip_versions
from crawler.registry import Portal

logger = logging.getLogger(__name__)


def new_run_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def spider_class(platform: str, settings: Settings | None = None) -> type:
    """crawler.spiders.<platform>.<Platform>Spider, unless NIANBAO_SPIDERS maps the
    platform (or "*") to another class path (tests use this for throwaway spiders)."""
    mapping = (settings.getdict("NIANBAO_SPIDERS") if settings is not None else {}) or {}
    path = mapping.get(platform) or mapping.get("*")
    if path:
        return load_object(path)
    module = importlib.import_module(f"crawler.spiders.{platform}")
    return getattr(module, f"{platform.capitalize()}Spider")


def run_id_for(job_dir: Path | None, store: CaptureStore) -> tuple[str, bool]:
    """The run id, and whether it continues an unfinished run of this job folder."""
    if job_dir is None:
        return new_run_id(), False
    job_dir.mkdir(parents=True, exist_ok=True)
    marker = job_dir / "run-id"
    if marker.exists():
        run_id = marker.read_text().strip()
        run = store.run(run_id)
        if run_id and (run is None or run["status"] != "finished"):
            return run_id, run is not None
    run_id = new_run_id()
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(run_id)
    tmp.replace(marker)  # atomic: a kill leaves the old id or the new one
    return run_id, False


def user_agent(settings: Settings) -> str:
    contact = (settings.get("NIANBAO_CONTACT") or "").strip()
    version = settings.get("CRAWLER_VERSION", "").split()[0]
    if contact:
        return f"nianbao/{version} (+{contact}; annual-report archive)"
    return f"nianbao/{version} (annual-report archive; no contact configured)"


def build_settings(data_dir: Path, run_id: str, overrides: dict | None = None) -> Settings:
    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    s.setdict(overrides or {}, priority="cmdline")
    s.set("NIANBAO_DATA", str(data_dir), priority="cmdline")
    s.set("NIANBAO_RUN_ID", run_id, priority="cmdline")
    if "USER_AGENT" not in (overrides or {}):
        s.set("USER_AGENT", user_agent(s), priority="cmdline")
    return s


def crawl(portals: list[Portal], data_dir: Path, job_dir: Path | None = None,
          settings_overrides: dict | None = None, progress: Callable[[dict], None] | None = None) -> dict:
    """Crawl the portals into data_dir. Returns
    {"run_id", "status": finished | interrupted, "resumed": bool,
     "portals": {id: {found, new, changed, unchanged, gone, redirect, blocked, failed,
                      robots_denied, offsite}}}.
    `progress`, if given, is called with {"event": "portal-started" | "portal-finished"
    | "capture", ...} dicts as the crawl goes."""
    from scrapy.crawler import CrawlerProcess

    from crawler.middlewares import ArchiveSession

    data_dir = Path(data_dir)
    store = CaptureStore(data_dir)
    run_id, resumed = run_id_for(Path(job_dir) if job_dir else None, store)
    settings = build_settings(data_dir, run_id, settings_overrides)
    if not settings.get("NIANBAO_CONTACT"):
        logger.warning("no NIANBAO_CONTACT set: the User-Agent gives portal operators no way to reach you")
    ids = [p.id for p in portals]
    store.open_run(run_id, ids, {k: v for k, v in (settings_overrides or {}).items()
                                 if isinstance(v, (str, int, float, bool))},
                   settings.get("CRAWLER_VERSION"), str(job_dir) if job_dir else None)
    done = store.finished_portals(run_id) if resumed else set()
    todo = [p for p in portals if p.id not in done]
    # One WARC file for all portals, and one connection for the whole run: capture rows
    # commit in batches, and a second connection writing in this thread would wait on its lock.
    session = ArchiveSession.get(settings, store).acquire()
    session.progress = progress
    outcome: dict[str, str] = {}
    state = {"stopping": False}

    def emit(event: dict) -> None:
        session.emit(event)

    # The resolver serves the whole process: every portal's IP version goes in at once.
    settings.set("NIANBAO_IP_VERSIONS", {**ip_versions(portals), **settings.getdict("NIANBAO_IP_VERSIONS")},
                 priority="cmdline")
    process = CrawlerProcess(settings)

    def start(portal: Portal):
        if state["stopping"]:
            return None
        # A crawler per portal, with the portal's own TLS profile and proxy (crawler.network).
        crawler = process.create_crawler(spider_class(portal.platform, settings))
        apply_portal_settings(portal, crawler.settings)

        def opened(spider):
            store.portal_started(run_id, portal.id, portal.platform, spider.name)
            emit({"event": "portal-started", "portal": portal.id})

        def closed(spider, reason):
            outcome[portal.id] = reason
            if reason != "finished":
                state["stopping"] = True  # a shutdown: start no further portal
            counts = store.portal_finished(run_id, portal.id, reason, crawler.stats.get_stats())
            emit({"event": "portal-finished", "portal": portal.id, "reason": reason, "counts": counts})

        crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
        crawler.signals.connect(closed, signal=signals.spider_closed, weak=False)
        return process.crawl(crawler, portal=portal, run_id=run_id)

    if todo:
        from twisted.internet import defer

        semaphore = defer.DeferredSemaphore(max(1, settings.getint("NIANBAO_PARALLEL_PORTALS", 8)))
        jobs = [semaphore.run(start, p) for p in todo]
        everything = defer.DeferredList(jobs, consumeErrors=True)

        def stop(result):
            for ok, failure in result:
                if not ok:
                    logger.error("a portal's crawl failed: %s", failure.getTraceback())
            from twisted.internet import reactor
            if reactor.running:
                reactor.stop()

        everything.addBoth(stop)
        process.start(stop_after_crawl=False)
    finished = all(outcome.get(p.id) == "finished" for p in todo)
    counts = store.close_run(run_id, "finished" if finished else "interrupted")
    session.release()
    session.close()
    portals_out = {pid: counts.get(pid) or dict.fromkeys(("found", "new", "changed", "unchanged", "gone", "redirect",
                                                           "blocked", "failed", "robots_denied", "offsite"), 0)
                   for pid in ids}
    summary = {"run_id": run_id, "status": "finished" if finished else "interrupted", "resumed": resumed,
               "portals": portals_out}
    return summary


def setting_value(text: str):
    """A -s VALUE: JSON when it parses (numbers, booleans, dicts), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    from crawler import registry

    ap = argparse.ArgumentParser(prog="python -m crawler.run", description="Crawl registry portals into an archive.")
    ap.add_argument("--data", default="data", help="archive folder (archive.db, blobs/, warc/)")
    ap.add_argument("--job", help="job folder: makes the crawl resumable after a kill")
    ap.add_argument("--registry", help="registry CSV (default: the built-in one)")
    ap.add_argument("--site", action="append", help="only this portal id (repeatable)")
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for this crawl; VALUE is read as JSON when it parses, else as text")
    ap.add_argument("--progress", action="store_true", help="print one JSON line per event")
    args = ap.parse_args(argv)
    reg = registry.load(args.registry)
    portals = reg.select(ids=args.site)
    if not portals:
        print("no portal matches", file=sys.stderr)
        return 1
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name.strip()] = setting_value(value.strip())
    show = (lambda e: print(json.dumps(e, ensure_ascii=False), flush=True)) if args.progress else None
    summary = crawl(portals, Path(args.data), Path(args.job) if args.job else None, overrides, show)
    print(json.dumps({"summary": summary}, ensure_ascii=False), flush=True)
    return 0 if summary["status"] == "finished" else 2


if __name__ == "__main__":
    sys.exit(main())
