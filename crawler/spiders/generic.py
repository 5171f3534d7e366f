"""Generic spider: any portal, given only its homepage or a column URL.

Platform: generic (sites of no known CMS family, and unknown ones).
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

From the homepage it finds the 年报 column by link text (政府信息公开年报,
年度报告, 年报) and URL tokens (zfxxgknb, xxgknb, ndbg, gknb, …), then
follows plain list links and 下一页 paging; a column page that is itself the
report is recognised by its content.
"""
from crawler.spiders.base import PortalSpider


class GenericSpider(PortalSpider):
    """Portals of no known platform. Arguments: portal, run_id."""

    name = "generic"
    platform = "generic"
