"""A portal's network settings from the registry: TLS profile, IP version, proxy.

crawler/run.py gives every portal a Scrapy crawler of its own, so a portal's
TLS profile and proxy become settings of that crawler (`apply_portal_settings`).
Name resolution serves the whole process, so IP versions go into one host
map, NIANBAO_IP_VERSIONS, that crawler.resolver.MappedHostnameResolver reads
(`ip_versions`).

Proxies are configured by whoever runs the crawl, never in the registry (the
registry only says which country a portal must be reached from):

    nianbao crawl -s 'NIANBAO_PROXIES={"CN": "http://user:pass@proxy.example:3128"}'
    NIANBAO_PROXY_CN=http://proxy.example:3128 nianbao crawl

A portal that needs a proxy nobody configured is crawled directly, with a
warning: from outside its country it will mostly fail, and each failure is
recorded.
"""
from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.contextfactory import _ScrapyCertificateOptions, _ScrapyClientContextFactory
from scrapy.settings import Settings

logger = logging.getLogger(__name__)

# What each registry tls_profile changes. Scrapy by default neither verifies
# certificates nor limits TLS versions beyond OpenSSL's own floor.
TLS_PROFILES: dict[str, dict] = {
    "": {},
    "default": {},
    # County servers left on TLS 1.0/1.1, SHA-1 signatures or 1024-bit keys:
    # OpenSSL refuses all of these at its default security level. Security level
    # 0 and a TLS 1.0 floor let the handshake through; only the portals listed get it.
    "legacy": {"DOWNLOADER_CLIENTCONTEXTFACTORY": "crawler.network.LegacyTLSContextFactory",
               "DOWNLOAD_TLS_MIN_VERSION": "TLSv1.0", "DOWNLOAD_VERIFY_CERTIFICATES": False},
}


def proxies(settings: Settings) -> dict[str, str]:
    """Country code -> proxy URL, from NIANBAO_PROXIES and NIANBAO_PROXY_<CC> variables."""
    found = {k[len("NIANBAO_PROXY_"):].upper(): v for k, v in os.environ.items()
             if k.startswith("NIANBAO_PROXY_") and len(k) == len("NIANBAO_PROXY_") + 2 and v}
    found.update({str(k).upper(): str(v) for k, v in settings.getdict("NIANBAO_PROXIES").items() if v})
    return found


def apply_portal_settings(portal, settings: Settings) -> None:
    """Give a portal's own crawler settings (a copy, not yet frozen) its TLS profile and
    proxy. Registry values outrank -s values (priority "spider"): they are about this
    portal alone."""
    settings.setdict(TLS_PROFILES.get(portal.tls_profile, {}), priority="spider")
    if portal.proxy_country:
        proxy = proxies(settings).get(portal.proxy_country.upper())
        if proxy:
            settings.set("NIANBAO_PROXY", proxy, priority="spider")
        else:
            logger.warning("portal %s is to be reached from %s, but no proxy is configured for it "
                           "(NIANBAO_PROXIES or NIANBAO_PROXY_%s): crawling it directly",
                           portal.id, portal.proxy_country, portal.proxy_country.upper())


def ip_versions(portals) -> dict[str, str]:
    """Host -> "4" or "6" for the hosts of portals that are reachable over one family only."""
    out: dict[str, str] = {}
    for portal in portals:
        if portal.ip_version:
            for host in portal.allowed_hosts:
                out[host.lower()] = portal.ip_version
    return out


def without_credentials(proxy: str | None) -> str | None:
    """A proxy URL fit for a capture row: user and password left out."""
    if not proxy:
        return None
    parts = urlsplit(proxy)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class PortalProxy:
    """Downloader middleware: sends the portal's requests through its NIANBAO_PROXY.
    Runs before Scrapy's HttpProxyMiddleware (750), which does the rest (CONNECT for
    HTTPS, Proxy-Authorization from the URL's credentials)."""

    def __init__(self, proxy: str | None):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("NIANBAO_PROXY") or None)

    def process_request(self, request, spider=None):
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
        return None


class LegacyTLSContextFactory(_ScrapyClientContextFactory):
    """Scrapy's context factory with OpenSSL's security level 0, for tls_profile "legacy".
    DOWNLOADER_CLIENT_TLS_CIPHERS cannot do this: Twisted expands the cipher string
    into cipher names and drops its @SECLEVEL directive."""

    def _get_cert_options(self):
        return _LegacyCertificateOptions(**self._get_cert_options_kwargs())


class _LegacyCertificateOptions(_ScrapyCertificateOptions):
    def _makeContext(self, *args, **kwargs):  # noqa: N802 - Twisted's name
        ctx = super()._makeContext(*args, **kwargs)
        ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
        return ctx
