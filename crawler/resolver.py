"""DNS resolvers that answer some names from a map: the sample portal's imitation
hosts (www.trs-sample.gov.cn, …) all live on 127.0.0.1.

    TWISTED_DNS_RESOLVER = "crawler.resolver.MappedHostnameResolver"   # DNS_RESOLVER before Scrapy 2.13
    NIANBAO_HOST_MAP = {"www.trs-sample.gov.cn": "127.0.0.1", ...}

Names not in the map are resolved as Scrapy would (its caching resolvers).
MappedHostnameResolver extends Scrapy's CachingHostnameResolver (Twisted's
IHostnameResolver, IPv4 and IPv6); MappedResolver extends the default
CachingThreadedResolver (IPv4 only, honours DNS_TIMEOUT).
"""
from __future__ import annotations

import ipaddress

from scrapy.resolver import CachingHostnameResolver, CachingThreadedResolver, HostResolution
from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address


def host_map(crawler) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in crawler.settings.getdict("NIANBAO_HOST_MAP").items()}


class MappedHostnameResolver(CachingHostnameResolver):
    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.mapped = host_map(crawler)
        return resolver

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,  # noqa: N802, N803
                        transportSemantics="TCP"):  # noqa: N803 - Twisted's interface
        ip = self.mapped.get(hostName.lower()) if isinstance(hostName, str) else None
        if ip is None:
            return super().resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics)
        family = IPv6Address if ipaddress.ip_address(ip).version == 6 else IPv4Address
        resolutionReceiver.resolutionBegan(HostResolution(hostName))
        if addressTypes is None or family in addressTypes:
            resolutionReceiver.addressResolved(family("TCP", ip, portNumber))
        resolutionReceiver.resolutionComplete()
        return resolutionReceiver


class MappedResolver(CachingThreadedResolver):
    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.mapped = host_map(crawler)
        return resolver

    def getHostByName(self, name, timeout=()):  # noqa: N802 - Twisted's interface
        ip = self.mapped.get(name.lower())
        if ip is not None:
            return defer.succeed(ip)
        return super().getHostByName(name, timeout)
