"""博达 VSB spider: static .htm columns and list.jsp lists.

Platform: vsb.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

URL shapes:
    column   <path>.htm (static), e.g. /xxgk/zfxxgknb.htm
    pages    static siblings <path>/N.htm numbered *down*: page 2 is <path>/(T-1).htm,
             the last page <path>/1.htm; every number below the highest one linked
             from a page is a page. Dynamic lists list.jsp?urltype=tree.TreeTempUrl&
             wbtreeid=<tree>&PAGENUM=<n>&totalpage=<T> or component-scoped
             a<id>p=<n>&a<id>t=<T>&a<id>c=<size>: pages 1..T (page 1 is the list
             URL without a page number).
    detail   /info/<tree>/<id>.htm, body in #vsb_content (div.v_news_content); its
             dynamic twin content.jsp?urltype=news.NewsContentUrl&wbtreeid=<tree>&
             wbnewsid=<id> is folded onto the static URL
    files    /system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=<n>&wbfileid=<id>
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.spiders.base import ListSpider, canonical, column_dir

TOTAL = re.compile(r"(?:^|[?&])totalpage=(\d+)", re.I)
PAGENUM = re.compile(r"((?:^|[?&])PAGENUM=)(\d+)", re.I)
COMPONENT = re.compile(r"(?:^|[?&])a(\w+?)t=(\d+)")
FIRST_PAGE = re.compile(r"(?:^|&)(?:PAGENUM|a\w+p)=1(?:&|$)", re.I)


def vsb_pages(url: str, hrefs: list[str]) -> list[str]:
    """Every page of a VSB list, from the paging links of one of its pages."""
    pages: list[str] = []
    # Static: <column>/N.htm counting down to 1.htm.
    base = column_dir(url)
    numbers = []
    for href in hrefs:
        m = re.fullmatch(re.escape(base) + r"(\d+)\.htm", urlsplit(href).path)
        if m:
            numbers.append(int(m.group(1)))
    if numbers:
        root = urlunsplit(urlsplit(url)[:2] + ("", "", ""))
        pages += [f"{root}{base}{n}.htm" for n in range(max(numbers), 0, -1)]
    # Dynamic: list.jsp?…PAGENUM=n&totalpage=T, or a<id>p=n&a<id>t=T.
    for href in hrefs:
        query = urlsplit(href).query
        total = TOTAL.search(query)
        if total and PAGENUM.search(query):
            pages += [PAGENUM.sub(lambda m, n=n: f"{m.group(1)}{n}", href, count=1)
                      for n in range(1, int(total.group(1)) + 1)]
            break
        comp = COMPONENT.search(query)
        if comp and f"a{comp.group(1)}p=" in query:
            name, total = f"a{comp.group(1)}p", int(comp.group(2))
            params = parse_qsl(query, keep_blank_values=True)
            for n in range(1, total + 1):
                q = urlencode([(k, str(n) if k == name else v) for k, v in params])
                pages.append(urlunsplit(urlsplit(href)[:3] + (q, "")))
            break
    return pages


def vsb_canonical(url: str) -> str:
    """content.jsp?…wbtreeid=T&wbnewsid=N is the same article as /info/T/N.htm."""
    parts = urlsplit(url)
    if parts.path.endswith("content.jsp"):
        q = dict(parse_qsl(parts.query))
        if q.get("wbtreeid") and q.get("wbnewsid"):
            return canonical(urlunsplit((parts.scheme, parts.netloc, f"/info/{q['wbtreeid']}/{q['wbnewsid']}.htm",
                                         "", "")))
    return canonical(url)


class VsbSpider(ListSpider):
    """VSB portals: static reverse-numbered .htm pages and list.jsp paging, /info/
    details, download.jsp files. Arguments: portal, run_id."""

    name = "vsb"
    platform = "vsb"
    detail_url = r"/info/\d+/\d+\.htm$"
    list_url = None  # sub-columns are other <path>.htm pages: found by 年报 link text only

    def canonical(self, url: str) -> str:
        return vsb_canonical(url)

    def pages(self, response):
        yield from super().pages(response)
        column = response.meta.get("column") or response.url
        hrefs = [response.urljoin(h) for h in response.xpath("//a/@href").getall()]
        query = urlsplit(column).query
        first = not PAGENUM.search(query) and not COMPONENT.search(query)
        for url in vsb_pages(column, hrefs):
            if first and FIRST_PAGE.search(urlsplit(url).query):
                continue  # page 1 is the column page itself (list.jsp without a page number)
            yield url
