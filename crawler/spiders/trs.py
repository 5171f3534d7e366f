"""TRS WCM spider: static columns paged by a JavaScript call.

Platform: trs.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

URL shapes:
    column   <dir>/ or <dir>/index.html (.shtml, .htm)
    pages    <dir>/index_<k>.html, announced only by a script call:
             createPageHTML(total, current, "index", "html")        0-based: page k is index_k
             createPageHTML(countPage, currentPage, "index", "html") with var countPage = N,
                                                                     var currentPage = M (0-based)
             createPageHTML(div, total, current, "index", "shtml", records)  1-based:
                                                                     page n ≥ 2 is index_n
             The convention is read off page 1 (its `current` is 0 or 1) and
             otherwise follows the argument count.
    detail   <dir>/YYYYMM/tYYYYMMDD_<id>.html; mobile twins …_wap.html / …_app.shtml
             are folded onto it; a report split over pages (createPageHTML(3, 0,
             "t20151009_67430", "shtml")) has its other parts fetched too
    files    <dir>/YYYYMM/P0<digits>.pdf (.docx, .xlsx …), linked relatively with
             appendix="true"; OLDSRC="/protect/…" copies are not published and not fetched
    sub-columns  year folders and departments' columns under <dir>/
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawler.spiders.base import ListSpider

CALL = re.compile(r"(?<![\w.])createPageHTML\s*\(([^()]*)\)")
VARIABLE = re.compile(r"(?:var\s+)?([A-Za-z_$][\w$]*)\s*=\s*['\"]?(\d+)['\"]?\s*(?:;|//|\n|$)")


def _args(raw: str, variables: dict[str, str]) -> list[str]:
    out = []
    for a in raw.split(","):
        a = a.strip().strip("'\"")
        out.append(variables.get(a, a))
    return out


def trs_pages(url: str, html: str) -> list[str]:
    """Every list page a TRS column announces, in order (page 1 included)."""
    here = urlsplit(url).path.rsplit("/", 1)[-1]
    ext_here = here.rsplit(".", 1)[1] if "." in here else "html"  # a bare directory serves index.html
    variables = dict(VARIABLE.findall(html))
    for m in CALL.finditer(html):
        args = _args(m.group(1), variables)
        if len(args) >= 6 and args[1].isdigit() and args[2].isdigit():
            total, current, prefix, ext, base = int(args[1]), int(args[2]), args[3], args[4], 1
        elif len(args) >= 4 and args[0].isdigit() and args[1].isdigit():
            total, current, prefix, ext, base = int(args[0]), int(args[1]), args[2], args[3], 0
        else:
            continue  # the function's own definition, or variables we cannot resolve
        prefix, ext = prefix or "index", ext or ext_here
        if here in ("", f"{prefix}.{ext}") and current in (0, 1):
            base = current  # page 1 says which convention is in force
        if base == 0:
            names = [f"{prefix}.{ext}"] + [f"{prefix}_{k}.{ext}" for k in range(1, total)]
        else:
            names = [f"{prefix}.{ext}"] + [f"{prefix}_{n}.{ext}" for n in range(2, total + 1)]
        return [urljoin(url, n) for n in names]
    return []


def report_parts(url: str, html: str) -> list[str]:
    """Other pages of a report split by createPageHTML(n, 0, "t…_id", "shtml")."""
    path = urlsplit(url).path
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return [u for u in trs_pages(url, html) if stem and f"/{stem}_" in urlsplit(u).path and urlsplit(u).path != path]


class TrsSpider(ListSpider):
    """TRS WCM portals: createPageHTML paging (both conventions, countPage), t-date
    details, P0 attachments, _wap/_app twins. Arguments: portal, run_id."""

    name = "trs"
    platform = "trs"
    detail_url = r"/t\d{8}_\d+(?:_\d+)?\.s?html?$"
    list_url = r"/(?:index\.s?html?)?$"

    def pages(self, response):
        yield from super().pages(response)
        if not re.match(r"t\d{8}_", urlsplit(response.url).path.rsplit("/", 1)[-1]):
            yield from trs_pages(response.url, response.text)

    def report_parts(self, response):
        return report_parts(response.url, response.text)
