"""Name resolution for the crawl: Scrapy's caching resolvers, plus a map of names
answered locally and a per-host IP version.

    TWISTED_DNS_RESOLVER = "crawler.resolver.MappedHostnameResolver"   # DNS_RESOLVER before Scrapy 2.13
    NIANBAO_HOST_MAP = {"www.trs-sample.gov.cn": "127.0.0.1",          # the sample portal's hosts
                        "www.dual-sample.gov.cn": ["127.0.0.1", "::1"]}
    NIANBAO_IP_VERSIONS = {"www.zj-dept.gov.cn": "6"}                 # registry ip_version (crawler.network)

MappedHostnameResolver extends Scrapy's CachingHostnameResolver (Twisted's
IHostnameResolver): IPv4 and IPv6, and a host with an IP version is only
connected over that family. It is the project's resolver (crawler/settings.py).
MappedResolver extends Scrapy's default CachingThreadedResolver (IPv4 only,
honours DNS_TIMEOUT) and knows the map but not IP versions.
"""
from __future__ import annotations

import ipaddress

from scrapy.resolver import CachingHostnameResolver, CachingThreadedResolver, HostResolution
from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address

FAMILY = {"4": IPv4Address, "6": IPv6Address}


def host_map(crawler) -> dict[str, list[str]]:
    out = {}
    for name, ips in crawler.settings.getdict("NIANBAO_HOST_MAP").items():
        out[str(name).lower()] = [str(ip) for ip in (ips if isinstance(ips, (list, tuple)) else [ips])]
    return out


class MappedHostnameResolver(CachingHostnameResolver):
    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.mapped = host_map(crawler)
        resolver.families = {str(k).lower(): FAMILY[str(v)]
                             for k, v in crawler.settings.getdict("NIANBAO_IP_VERSIONS").items() if str(v) in FAMILY}
        return resolver

    def resolveHostName(self, resolutionReceiver, hostName, portNumber=0, addressTypes=None,  # noqa: N802, N803
                        transportSemantics="TCP"):  # noqa: N803 - Twisted's interface
        name = hostName.lower() if isinstance(hostName, str) else hostName
        family = self.families.get(name)
        if family is not None:  # the registry says this host answers over one family only
            addressTypes = [family] if addressTypes is None or family in addressTypes else []  # noqa: N806
        ips = self.mapped.get(name)
        if ips is None:
            return super().resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics)
        resolutionReceiver.resolutionBegan(HostResolution(hostName))
        for ip in ips:
            kind = IPv6Address if ipaddress.ip_address(ip).version == 6 else IPv4Address
            if addressTypes is None or kind in addressTypes:
                resolutionReceiver.addressResolved(kind("TCP", ip, portNumber))
        resolutionReceiver.resolutionComplete()
        return resolutionReceiver


class MappedResolver(CachingThreadedResolver):
    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.mapped = {k: v[0] for k, v in host_map(crawler).items()}
        return resolver

    def getHostByName(self, name, timeout=()):  # noqa: N802 - Twisted's interface
        ip = self.mapped.get(name.lower())
        if ip is not None:
            return defer.succeed(ip)
        return super().getHostByName(name, timeout)
