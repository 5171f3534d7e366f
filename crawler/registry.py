"""The portal registry: which bodies to crawl, where to start, with which spider.

Kept as a CSV in the repository (crawler/portals.csv), one row per portal:

    id             unique slug, used in captures and on the command line
    body           publishing body (机关名称) as printed
    level          province | city | county | township | department
    province       省级行政区 (上海, 云南, ...)
    platform       CMS family; names the spider: trs, hanweb, vsb, gkmlpt, jeecms, generic
    start_urls     report column or homepage; several separated by spaces
    report_urls    known report pages or files, fetched directly (space-separated)
    hosts          extra hosts links may be followed to (space-separated); the
                   start and report URL hosts are always allowed
    tls_profile    optional: "legacy" for hosts that need old ciphers or an unverified chain
    ip_version     optional: 4 or 6, for hosts reachable over one family only
    proxy_country  optional: ISO country code of the proxy a host needs
    notes          free text

`nianbao portals` lists, filters and validates it.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT = Path(__file__).with_name("portals.csv")
FIELDS = ("id", "body", "level", "province", "platform", "start_urls", "report_urls", "hosts",
          "tls_profile", "ip_version", "proxy_country", "notes")
LEVELS = ("province", "city", "county", "township", "department")
PLATFORMS = ("trs", "hanweb", "vsb", "gkmlpt", "jeecms", "generic")
TLS_PROFILES = ("", "default", "legacy")


@dataclass(frozen=True)
class Portal:
    id: str
    body: str
    level: str
    province: str
    platform: str
    start_urls: tuple[str, ...]
    report_urls: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    tls_profile: str = ""
    ip_version: str = ""
    proxy_country: str = ""
    notes: str = ""

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """Hosts whose links the spider may follow: the portal's own and those listed."""
        seen = dict.fromkeys(urlsplit(u).hostname or "" for u in self.start_urls + self.report_urls)
        seen.update(dict.fromkeys(self.hosts))
        return tuple(h for h in seen if h)


@dataclass
class Registry:
    portals: list[Portal] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line N: what is wrong"

    def select(self, province: str | None = None, level: str | None = None, platform: str | None = None,
               ids: list[str] | None = None) -> list[Portal]:
        out = self.portals
        if province:
            out = [p for p in out if p.province == province]
        if level:
            out = [p for p in out if p.level == level]
        if platform:
            out = [p for p in out if p.platform == platform]
        if ids:
            out = [p for p in out if p.id in ids]
        return out


def load(path: str | Path | None = None) -> Registry:
    """Read and validate a registry; broken rows are reported in `problems`, not dropped silently."""
    path = Path(path) if path else DEFAULT
    return parse(path.read_text(encoding="utf-8-sig"), str(path))


def parse(text: str, name: str = "registry") -> Registry:
    reg = Registry()
    reader = csv.DictReader(io.StringIO(text))
    missing = [f for f in FIELDS[:6] if f not in (reader.fieldnames or [])]
    if missing:
        reg.problems.append(f"{name}: missing columns: {', '.join(missing)}")
        return reg
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        portal, errors = validate(row)
        pid = (row.get("id") or "").strip()
        if pid and pid in seen:
            errors.append(f"duplicate id {pid!r}")
        seen.add(pid)
        for e in errors:
            reg.problems.append(f"{name} line {line}: {e}")
        if portal and not errors:
            reg.portals.append(portal)
    return reg


def validate(row: dict) -> tuple[Portal | None, list[str]]:
    get = lambda k: (row.get(k) or "").strip()  # noqa: E731
    errors = []
    if not get("id"):
        errors.append("no id")
    if not get("body"):
        errors.append("no body")
    if get("level") not in LEVELS:
        errors.append(f"level {get('level')!r} is not one of {', '.join(LEVELS)}")
    if get("platform") not in PLATFORMS:
        errors.append(f"platform {get('platform')!r} is not one of {', '.join(PLATFORMS)}")
    starts = tuple(get("start_urls").split())
    reports = tuple(get("report_urls").split())
    if not starts and not reports:
        errors.append("no start_urls and no report_urls")
    for u in starts + reports:
        parts = urlsplit(u)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append(f"not an http(s) URL: {u!r}")
    if get("tls_profile") not in TLS_PROFILES:
        errors.append(f"tls_profile {get('tls_profile')!r} is not one of {', '.join(p for p in TLS_PROFILES if p)}")
    if get("ip_version") not in ("", "4", "6"):
        errors.append(f"ip_version {get('ip_version')!r} is not 4 or 6")
    if get("proxy_country") and (len(get("proxy_country")) != 2 or not get("proxy_country").isalpha()):
        errors.append(f"proxy_country {get('proxy_country')!r} is not a two-letter country code")
    if errors:
        return None, errors
    return Portal(id=get("id"), body=get("body"), level=get("level"), province=get("province"),
                  platform=get("platform"), start_urls=starts, report_urls=reports,
                  hosts=tuple(get("hosts").split()), tls_profile=get("tls_profile"),
                  ip_version=get("ip_version"), proxy_country=get("proxy_country").upper(),
                  notes=get("notes")), []


def dump(portals: list[Portal]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(FIELDS)
    for p in portals:
        w.writerow([p.id, p.body, p.level, p.province, p.platform, " ".join(p.start_urls), " ".join(p.report_urls),
                    " ".join(p.hosts), p.tls_profile, p.ip_version, p.proxy_country, p.notes])
    return out.getvalue()
