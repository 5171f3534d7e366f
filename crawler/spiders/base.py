"""Base classes of the spiders. A platform spider is a few attributes on one of them.

PortalSpider
    Crawls one registry portal (argument `portal`, a crawler.registry.Portal;
    `run_id` names the crawl run). It starts from the portal's start URLs
    (a report column or the homepage) and fetches its known report URLs
    directly. On every page it:

    - recognises a report by its title (…年(度)政府信息公开工作年度报告 and
      variants, report year read from the title) or, for a column page that
      is itself the report, by its content (the form's table labels);
    - on a report, yields a ReportItem and fetches every attachment (PDF,
      DOC, DOCX, WPS, XLS/XLSX, ZIP, images; CMS download endpoints);
    - on a list, follows links whose anchor text names a report, and the
      next list pages given by `next_pages()` (plain 下一页 links by default);
    - on the homepage, follows links to the 年报 column by link text and URL
      tokens (zfxxgknb, xxgknb, ndbg, gknb, …).

    Attributes a platform spider sets:
        platform      the registry platform name (also the spider's `name`)
        list_pages    a regex: URLs that are list pages of the column
        detail_pages  a regex: URLs that are article pages
        max_list_pages  how many list pages of one column to follow

Every request carries meta["nianbao"] = {portal, platform, role, list_page,
anchor}, which the recorder writes into the capture row.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import scrapy

from crawler.items import ReportItem

REPORT_TITLE = re.compile(
    r"((?:19|20)\d{2})\s*年度?.{0,30}?(?:信息|政务)公开(?:工作)?(?:年度)?(?:报告|年报)"
    r"|(?:信息|政务)公开(?:工作)?年度报告.{0,6}?((?:19|20)\d{2})")
REPORT_CONTENT = ("第二十条第", "本年新收政府信息公开申请数量", "政府信息公开行政复议")
COLUMN_TEXT = re.compile(r"(?:政府)?信息公开(?:工作)?年(?:度)?报|年度报告|年报")
COLUMN_TOKENS = re.compile(r"zfxxgknb|xxgknb|gknb|ndbg|xxgkndbg|zfxxgkbg|zfgknb|xxgk_nb|niandubaogao|annualreport",
                           re.I)
ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|zip|rar|jpe?g|png|tiff?|ofd)(?:$|[?#])|downfile\.jsp|download\.jsp"
                        r"|/attachment/", re.I)
NEXT_PAGE_TEXT = re.compile(r"^\s*(下一页|下页|>|›|»)\s*$")
TWIN = re.compile(r"_(?:wap|app)(?=\.s?html?$)")


def report_year(title: str) -> int | None:
    m = REPORT_TITLE.search(re.sub(r"\s+", "", title or ""))
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def canonical(url: str) -> str:
    """The URL without fragment, with TRS mobile twins (_wap, _app) folded onto the page."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, TWIN.sub("", parts.path), parts.query, ""))


class PortalSpider(scrapy.Spider):
    platform = "generic"
    list_pages: str | None = None
    detail_pages: str | None = None
    max_list_pages = 50

    def __init__(self, portal=None, run_id: str = "run", *args, **kwargs):
        super().__init__(*args, **kwargs)
        if portal is None:
            raise ValueError(f"{type(self).__name__} needs a portal (crawler.registry.Portal)")
        self.portal = portal
        self.run_id = run_id
        self.list_pages_seen: set[str] = set()

    # -- requests ------------------------------------------------------------------------

    def request(self, url: str, callback, role: str, list_page: str | None = None, anchor: str | None = None,
                **kwargs) -> scrapy.Request:
        meta = kwargs.pop("meta", {})
        meta["nianbao"] = {"portal": self.portal.id, "platform": self.platform, "role": role,
                           "list_page": list_page, "anchor": (anchor or "").strip()[:200] or None}
        return scrapy.Request(url, callback=callback, meta=meta, errback=self.failed, **kwargs)

    async def start(self):
        for url in self.portal.start_urls:
            yield self.request(url, self.parse_page, "seed")
        for url in self.portal.report_urls:
            yield self.request(url, self.parse_page, "detail")

    def start_requests(self):  # Scrapy < 2.13
        for url in self.portal.start_urls:
            yield self.request(url, self.parse_page, "seed")
        for url in self.portal.report_urls:
            yield self.request(url, self.parse_page, "detail")

    def failed(self, failure):
        # Every failure is already a capture row (crawler.middlewares.Recorder).
        self.logger.debug("fetch failed: %s\n%s", failure.value, failure.getTraceback())

    # -- pages ---------------------------------------------------------------------------

    def parse_page(self, response):
        if not hasattr(response, "text"):
            yield from self.attachment_item(response)  # a report served as a file at a report URL
            return
        title = self.page_title(response)
        year = report_year(title)
        if year or self.is_report_content(response):
            yield from self.report(response, title, year)
            return
        yield from self.list_links(response)
        if response.meta["nianbao"]["role"] == "seed":
            yield from self.column_links(response)

    def report(self, response, title: str, year: int | None):
        info = response.meta["nianbao"]
        yield ReportItem(portal=self.portal.id, url=canonical(response.url), title=title, year=year, role="page",
                         list_page=info.get("list_page"), anchor=info.get("anchor"),
                         capture_id=(response.meta.get("capture") or {}).get("id"),
                         sha256=(response.meta.get("capture") or {}).get("sha256"))
        for link in self.attachments(response):
            yield self.request(link["url"], self.parse_attachment, "attachment", list_page=response.url,
                               anchor=link["text"], meta={"report_title": title, "report_year": year})

    def parse_attachment(self, response):
        yield from self.attachment_item(response)

    def attachment_item(self, response):
        info = response.meta["nianbao"]
        title = response.meta.get("report_title") or info.get("anchor")
        yield ReportItem(portal=self.portal.id, url=response.url, title=title,
                         year=response.meta.get("report_year") or report_year(title or ""), role="attachment",
                         list_page=info.get("list_page"), anchor=info.get("anchor"),
                         capture_id=(response.meta.get("capture") or {}).get("id"),
                         sha256=(response.meta.get("capture") or {}).get("sha256"))

    # -- what a page holds ---------------------------------------------------------------

    def page_title(self, response) -> str:
        for query in ("//meta[@name='ArticleTitle']/@content", "//h1//text()", "//title/text()"):
            text = " ".join(t.strip() for t in response.xpath(query).getall() if t.strip())
            if text and report_year(text):
                return text
        return " ".join(response.xpath("//title/text()").getall()).strip()

    def is_report_content(self, response) -> bool:
        text = response.text
        return sum(marker in text for marker in REPORT_CONTENT) >= 2

    def links(self, response):
        for a in response.xpath("//a[@href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            text = " ".join(t.strip() for t in a.xpath(".//text()").getall() if t.strip()) or a.attrib.get("title", "")
            yield {"url": canonical(response.urljoin(href)), "text": text.strip()}

    def attachments(self, response):
        for link in self.links(response):
            if ATTACHMENT.search(link["url"]):
                yield link
        # TRS editors keep the file in appendix/OLDSRC attributes.
        for src in response.xpath("//@oldsrc | //@OLDSRC | //a/@appendix").getall():
            if ATTACHMENT.search(src):
                yield {"url": response.urljoin(src), "text": ""}

    def list_links(self, response):
        for link in self.links(response):
            if report_year(link["text"]) and not ATTACHMENT.search(link["url"]):
                yield self.request(link["url"], self.parse_page, "detail", list_page=response.url, anchor=link["text"])
            elif report_year(link["text"]):
                yield self.request(link["url"], self.parse_attachment, "attachment", list_page=response.url,
                                   anchor=link["text"], meta={"report_title": link["text"]})
        for url in self.next_pages(response):
            if url not in self.list_pages_seen and len(self.list_pages_seen) < self.max_list_pages:
                self.list_pages_seen.add(url)
                yield self.request(url, self.parse_page, "list", list_page=response.url)

    def next_pages(self, response):
        """Further pages of this list; plain 下一页 links by default."""
        for link in self.links(response):
            if NEXT_PAGE_TEXT.match(link["text"]):
                yield link["url"]

    def column_links(self, response):
        """From a homepage: the annual-report column, by link text or URL token."""
        for link in self.links(response):
            if COLUMN_TEXT.search(link["text"]) or COLUMN_TOKENS.search(link["url"]):
                yield self.request(link["url"], self.parse_page, "column", list_page=response.url,
                                   anchor=link["text"])

