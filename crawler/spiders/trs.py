"""TRS WCM spider: static columns paged by a JavaScript call.

Platform: trs.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

List pages are index.html, index_1.html, … announced only by
createPageHTML(total, current, "index", "html") (0-based: index k is
index_k.html) or by the six-argument form (div, total, current, prefix,
extension, records; 1-based: page n is index_n.html, page 1 index.html), or
by `var countPage = N` (0-based). Details are YYYYMM/tYYYYMMDD_id.html with
_wap/_app twins folded onto them; attachments are P0….pdf in the same folder.
"""
import re
from urllib.parse import urljoin

from crawler.spiders.base import PortalSpider

CREATE_PAGE = re.compile(r"createPageHTML\(([^)]*)\)")
COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")


def trs_pages(url: str, html: str) -> list[str]:
    """Every list page a TRS column announces, in order."""
    suffix = re.search(r"\.(s?html?)$", url)
    ext = suffix.group(1) if suffix else "html"  # a bare column directory serves index.html
    m = CREATE_PAGE.search(html)
    if m:
        args = [a.strip().strip("'\"") for a in m.group(1).split(",")]
        if len(args) >= 6 and args[1].isdigit():  # (div, total, current, prefix, ext, records): 1-based
            total, prefix, ext = int(args[1]), args[3] or "index", args[4] or ext
            return [urljoin(url, f"{prefix}.{ext}" if n == 1 else f"{prefix}_{n}.{ext}") for n in range(1, total + 1)]
        if len(args) >= 4 and args[0].isdigit():  # (total, current, prefix, ext): 0-based
            total, prefix, ext = int(args[0]), args[2] or "index", args[3] or ext
            return [urljoin(url, f"{prefix}.{ext}" if k == 0 else f"{prefix}_{k}.{ext}") for k in range(total)]
    m = COUNT_PAGE.search(html)
    if m:
        return [urljoin(url, f"index.{ext}" if k == 0 else f"index_{k}.{ext}") for k in range(int(m.group(1)))]
    return []


class TrsSpider(PortalSpider):
    """TRS WCM portals. Arguments: portal, run_id."""

    name = "trs"
    platform = "trs"

    def next_pages(self, response):
        yield from super().next_pages(response)
        yield from trs_pages(response.url, response.text)
