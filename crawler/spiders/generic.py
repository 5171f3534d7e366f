"""Generic spider: any portal, given only its homepage or a column URL.

Platform: generic (sites of no known CMS family, and unknown ones).
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

From the homepage it finds the 年报 column by link text (政府信息公开年报,
信息公开年度报告, 年报) and by URL tokens in the link's last path segment
(zfxxgknb, xxgknb, ndbg, gknb, xxgkndbg, …); a homepage without such a link
leads first to its 政府信息公开 hub. In a column it follows links whose text is
a report title, links of known report URL shapes (Anhui XxgkAnnualReport/show/N,
Yunnan ?nbYear=, Hanweb xxgkAnnualReport.jsp, TRS t-date pages, /info/ pages,
post_<id> pages) whose text does not rule a report out, sub-columns under the
column's directory, and plain 下一页/下页 links that stay inside the column.
A column page that is itself the report is recognised by its content.
"""
from crawler.spiders.base import ListSpider


class GenericSpider(ListSpider):
    """Portals of no known platform: column by link text and URL token, plain list
    links and 下一页 paging. Arguments: portal, run_id."""

    name = "generic"
    platform = "generic"
    detail_url = (r"XxgkAnnualReport/show/\d+|Xxgknb/show/\d+|[?&]nbYear=\d{4}|xxgkAnnualReport\.jsp\?"
                  r"|/t\d{8}_\d+\.s?html?$|/info/\d+/\d+\.htm$|/post_\d+\.html$|/art_\d+_\d+\.html$"
                  r"|/content_\d+(?:\.html?)?$|/\d+\.jhtml$")
    list_url = r"/(?:(?:index|list|default)(?:_\d+)?\.\w+)?$"
