"""A DNS resolver that answers some names from a map: the sample portal's
imitation hosts (www.trs-sample.gov.cn, …) all live on 127.0.0.1.

    DNS_RESOLVER = "crawler.resolver.MappedResolver"
    NIANBAO_HOST_MAP = {"www.trs-sample.gov.cn": "127.0.0.1", ...}

Other names are resolved as usual.
"""
from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver


class MappedResolver(CachingThreadedResolver):
    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.mapped = dict(crawler.settings.getdict("NIANBAO_HOST_MAP"))
        return resolver

    def getHostByName(self, name, timeout=()):  # noqa: N802 - Twisted's interface
        from twisted.internet import defer

        if name in self.mapped:
            return defer.succeed(self.mapped[name])
        return super().getHostByName(name, timeout)


