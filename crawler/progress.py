"""Progress of a crawl on the terminal: one line per portal every few seconds,
and a last one when the portal is done.

    [trs-sample] 124 fetched, 9 reports, 0 blocked, 2 failed (31.0/s)

NIANBAO_PROGRESS_INTERVAL sets the seconds between lines (0 turns it off).
"""
from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def opened(self, spider=None):
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.line)
        self.loop.start(self.interval, now=False)

    def closed(self, spider=None, reason=None):
        if self.loop and self.loop.running:
            self.loop.stop()
        self.line(done=True)

    def line(self, done: bool = False) -> None:
        stats = self.crawler.stats.get_stats()
        outcomes = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("nianbao/outcome/")}
        fetched = sum(outcomes.values())
        failed = sum(outcomes.get(k, 0) for k in ("failed", "http-error", "too-large"))
        rate = fetched / max(time.monotonic() - self.started, 1e-6)
        portal = getattr(getattr(self.crawler.spider, "portal", None), "id", "?")
        print(f"[{portal}] {fetched} fetched, {stats.get('item_scraped_count', 0)} reports, "
              f"{outcomes.get('blocked', 0)} blocked, {failed} failed ({rate:.1f}/s){' done' if done else ''}",
              file=sys.stderr, flush=True)
