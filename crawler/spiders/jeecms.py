"""Jeecms spider: lists index.jhtml, index_2.jhtml, index_3.jhtml (1-based, page 1 unsuffixed).

Platform: jeecms.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

Details are <channel>/<id>.jhtml. The next list page is asked for while the
current one lists articles, up to max_list_pages.
"""
import re

from crawler.spiders.base import PortalSpider

LIST = re.compile(r"/index(?:_(\d+))?\.jhtml$")


class JeecmsSpider(PortalSpider):
    """Jeecms portals. Arguments: portal, run_id."""

    name = "jeecms"
    platform = "jeecms"

    def next_pages(self, response):
        yield from super().next_pages(response)
        m = LIST.search(response.url)
        if m and response.xpath("//a[contains(@href, '.jhtml')]"):
            n = int(m.group(1) or 1)
            yield response.url[: m.start()] + f"/index_{n + 1}.jhtml"
