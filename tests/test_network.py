"""A portal's network settings from the registry (tls_profile, ip_version, proxy_country)
change how its crawler connects, and every failure they cause is a capture."""
from __future__ import annotations

import sqlite_utils

from crawler.network import apply_portal_settings, ip_versions, proxies, without_credentials
from crawler.registry import Portal
from scrapy.settings import Settings

from .crawlkit import Site, legacy_tls, registry_csv, run_crawl

PAGE = "<html><head><title>2023年政府信息公开工作年度报告</title></head><body>年报</body></html>"
NO_ROBOTS = {"ROBOTSTXT_OBEY": False}


def captures(data) -> dict[str, list[dict]]:
    db = sqlite_utils.Database(data / "archive.db")
    out: dict[str, list[dict]] = {}
    for row in db.query("select * from captures order by id"):
        out.setdefault(row["portal"], []).append(row)
    return out


def portal(**kw) -> Portal:
    base = dict(id="p", body="某县", level="county", province="四川", platform="generic",
                start_urls=("https://www.a.gov.cn/",))
    return Portal(**{**base, **kw})


def test_legacy_tls_profile_reaches_an_old_server_that_the_default_refuses(tmp_path):
    site = Site(tls=legacy_tls(tmp_path))  # TLS 1.0/1.1 only
    site.add("/nb/", PAGE)
    site.add("/old/", PAGE)
    try:
        registry = registry_csv(tmp_path / "portals.csv", [
            {"id": "modern", "start": f"{site.base}/nb/"},
            {"id": "old", "start": f"{site.base}/old/", "tls_profile": "legacy"}])
        run_crawl(registry, tmp_path / "data", **NO_ROBOTS)
    finally:
        site.close()
    rows = captures(tmp_path / "data")
    assert rows["old"][0]["status"] == 200 and rows["old"][0]["outcome"] == "new"
    failed = rows["modern"]
    assert failed and all(r["outcome"] == "failed" and r["error_kind"] == "tls" and r["status"] is None
                          for r in failed)
    assert len(failed) == 1  # a handshake refused is not retried: it would fail the same way


def test_ip_version_connects_over_that_family_only(tmp_path):
    site = Site(bind="::1")  # an IPv6-only site; nothing listens on 127.0.0.1 at its port
    site.add("/nb/", PAGE)
    hosts = {h: ["127.0.0.1", "::1"] for h in ("www.v6.gov.cn", "www.v4.gov.cn", "www.any.gov.cn")}
    try:
        registry = registry_csv(tmp_path / "portals.csv", [
            {"id": "v6", "start": f"http://www.v6.gov.cn:{site.port}/nb/", "ip_version": "6"},
            {"id": "v4", "start": f"http://www.v4.gov.cn:{site.port}/nb/", "ip_version": "4"},
            {"id": "any", "start": f"http://www.any.gov.cn:{site.port}/nb/"}])
        run_crawl(registry, tmp_path / "data", NIANBAO_HOST_MAP=hosts, **NO_ROBOTS)
    finally:
        site.close()
    rows = captures(tmp_path / "data")
    assert rows["v6"][0]["status"] == 200 and rows["v6"][0]["server_ip"] == "::1"
    assert rows["any"][0]["status"] == 200  # both families tried
    assert rows["v4"] and all(r["outcome"] == "failed" and r["error_kind"] == "connection" for r in rows["v4"])


def test_proxy_country_sends_the_portal_through_its_proxy_and_records_it(tmp_path):
    proxy = Site()  # answers whatever URL it is asked for, as a proxy would after fetching it
    proxy.add("/nb/", PAGE)
    try:
        registry = registry_csv(tmp_path / "portals.csv", [
            {"id": "cn", "start": "http://www.proxied.gov.cn/nb/", "proxy_country": "CN"},
            {"id": "jp", "start": "http://www.unreachable.invalid/nb/", "proxy_country": "JP"}])
        done = run_crawl(registry, tmp_path / "data",
                         NIANBAO_PROXIES={"CN": f"http://crawler:secret@127.0.0.1:{proxy.port}"}, **NO_ROBOTS)
    finally:
        proxy.close()
    rows = captures(tmp_path / "data")
    assert rows["cn"][0]["status"] == 200 and rows["cn"][0]["url"] == "http://www.proxied.gov.cn/nb/"
    assert rows["cn"][0]["proxy"] == f"http://127.0.0.1:{proxy.port}"  # no credentials in the archive
    assert proxy.proxied[0][0] == "http://www.proxied.gov.cn/nb/" and proxy.proxied[0][1].startswith("Basic ")
    # No proxy configured for JP: crawled directly (and here it fails), recorded without a proxy.
    assert rows["jp"] and all(r["proxy"] is None and r["outcome"] == "failed" for r in rows["jp"])
    assert done["portals"]["jp"]["failed"] == 1


def test_apply_portal_settings_per_profile(monkeypatch):
    monkeypatch.delenv("NIANBAO_PROXY_CN", raising=False)
    run = Settings({"NIANBAO_PROXIES": {"CN": "http://p:1"}, "DOWNLOAD_TLS_MIN_VERSION": None})
    legacy = run.copy()
    apply_portal_settings(portal(tls_profile="legacy", proxy_country="cn"), legacy)
    assert legacy["DOWNLOADER_CLIENTCONTEXTFACTORY"] == "crawler.network.LegacyTLSContextFactory"
    assert legacy["DOWNLOAD_TLS_MIN_VERSION"] == "TLSv1.0" and legacy["NIANBAO_PROXY"] == "http://p:1"
    plain = run.copy()
    apply_portal_settings(portal(), plain)
    assert plain.get("NIANBAO_PROXY") is None and plain["DOWNLOAD_TLS_MIN_VERSION"] is None


def test_proxies_from_the_environment_and_settings(monkeypatch):
    monkeypatch.setenv("NIANBAO_PROXY_HK", "http://hk:3128")
    monkeypatch.setenv("NIANBAO_PROXY_TIMEOUT", "not a country")
    assert proxies(Settings({"NIANBAO_PROXIES": {"cn": "http://cn:3128"}})) == {"HK": "http://hk:3128",
                                                                               "CN": "http://cn:3128"}


def test_ip_versions_cover_every_host_of_the_portal():
    p = portal(ip_version="6", start_urls=("http://www.zj.gov.cn/",), report_urls=("http://files.zj.gov.cn/a.pdf",))
    assert ip_versions([p, portal(id="q")]) == {"www.zj.gov.cn": "6", "files.zj.gov.cn": "6"}


def test_without_credentials():
    assert without_credentials("http://u:p@proxy.example:3128") == "http://proxy.example:3128"
    assert without_credentials(None) is None
