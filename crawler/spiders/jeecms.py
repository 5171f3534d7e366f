"""Jeecms spider: channel lists index.jhtml, index_2.jhtml, … (1-based, page 1 unsuffixed).

Platform: jeecms.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

URL shapes:
    column   /<channel>/index.jhtml (or /<channel>/)
    pages    /<channel>/index_<n>.jhtml for n = 2, 3, …: every page up to the highest
             one the pager links (尾页); a page without pager links leads to the
             next number as long as it lists articles (a page with none, or a 404,
             ends it)
    detail   /<channel>/<id>.jhtml
    files    whatever the article links (/u/cms/www/YYYYMM/….pdf)
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.spiders.base import ListSpider

LIST_PAGE = re.compile(r"/index(?:_(\d+))?\.jhtml$")
DETAIL = r"/\d+\.jhtml$"


def jeecms_pages(url: str, hrefs: list[str], has_articles: bool) -> list[str]:
    """The other pages of a Jeecms list, from its URL and its links."""
    url = url.split("?")[0]
    if url.endswith("/"):
        url += "index.jhtml"
    m = LIST_PAGE.search(urlsplit(url).path)
    if not m:
        return []
    stem = url[: url.rindex("/index")]
    current = int(m.group(1) or 1)
    linked = [int(n.group(1)) for h in hrefs if h.startswith(stem + "/")
              and (n := LIST_PAGE.search(urlsplit(h).path)) and n.group(1)]
    if linked:
        return [f"{stem}/index_{n}.jhtml" for n in range(2, max(linked) + 1) if n != current]
    return [f"{stem}/index_{current + 1}.jhtml"] if has_articles else []


class JeecmsSpider(ListSpider):
    """Jeecms portals: index_N.jhtml paging, <id>.jhtml details. Arguments: portal, run_id."""

    name = "jeecms"
    platform = "jeecms"
    detail_url = DETAIL
    list_url = r"/(?:index\.jhtml)?$"

    def pages(self, response):
        yield from super().pages(response)
        hrefs = [response.urljoin(h) for h in response.xpath("//a/@href").getall()]
        has_articles = any(re.search(DETAIL, urlsplit(h).path) for h in hrefs)
        yield from jeecms_pages(response.url, hrefs, has_articles)
