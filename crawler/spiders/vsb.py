"""博达 VSB spider: static .htm columns and list.jsp lists.

Platform: vsb.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

Columns are <path>.htm with paging siblings <path>/N.htm, or
list.jsp?…&PAGENUM=N&totalpage=T; both are linked from the list as
下页/尾页, and list.jsp pages are also generated from totalpage. Details are
/info/<tree>/<id>.htm with the body in #vsb_content; attachments are
/system/_content/download.jsp?…&wbfileid=….
"""
import re

from crawler.spiders.base import PortalSpider

TOTAL = re.compile(r"[?&]totalpage=(\d+)", re.I)
PAGENUM = re.compile(r"([?&]PAGENUM=)(\d+)", re.I)


def vsb_pages(url: str, hrefs: list[str]) -> list[str]:
    """list.jsp pages 1..totalpage, from any paging link that states the total."""
    for href in hrefs:
        total = TOTAL.search(href)
        if total and PAGENUM.search(href):
            return [PAGENUM.sub(lambda m, n=n: f"{m.group(1)}{n}", href) for n in range(1, int(total.group(1)) + 1)]
    return []


class VsbSpider(PortalSpider):
    """VSB portals. Arguments: portal, run_id."""

    name = "vsb"
    platform = "vsb"

    def next_pages(self, response):
        yield from super().next_pages(response)
        hrefs = [response.urljoin(h) for h in response.xpath("//a/@href").getall() if "PAGENUM" in h.upper()]
        yield from vsb_pages(response.url, hrefs)
