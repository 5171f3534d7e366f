"""Base classes of the spiders. A platform spider is a few attributes on one of them.

Two classes, both documented here (the convention test reads this docstring):

PortalSpider(scrapy.Spider)
    Crawls one registry portal. Arguments: `portal` (a crawler.registry.Portal)
    and `run_id` (the crawl run). It starts from the portal's start URLs (role
    "seed": a report column or the homepage) and fetches its known report URLs
    directly (role "detail"). On every page it:

    - recognises a report by its title (…年(度)政府信息公开工作年度报告, …信息公开
      年报, 政务公开…年度报告 and variants; report year read from the title) or,
      for a page whose title says nothing (a column page that is itself the
      report), by its content: 政府信息公开 + 年度报告 + one of the form's fixed
      labels (第二十条第（一）项, 本年新收政府信息公开申请数量);
    - on a report, yields a ReportItem (role "page") and fetches every
      attachment (PDF, DOC, DOCX, WPS, XLS/XLSX, ZIP/RAR, OFD, images, and
      CMS download endpoints: downfile.jsp, download.jsp, /attachment/),
      each yielding a ReportItem (role "attachment") once it has arrived;
    - elsewhere, follows links whose text is a report title (role "detail",
      or "attachment" for a report published only as a file) and, on seeds
      and columns, links to the 年报 column found by link text or URL token
      (zfxxgknb, xxgknb, ndbg, gknb, …) (role "column"); a homepage with no
      such link leads first to its 政府信息公开 hub.

    URLs are canonicalised before they are requested (`canonical`): no
    fragment, TRS mobile twins (`_wap`, `_app`) folded onto the page; only
    the canonical URL is fetched, the twin is counted in the stats
    (nianbao/twins_folded) and kept in meta["nianbao_twin"]. Navigation
    (columns, hubs, list pages) stays on the portal's hosts
    (Portal.allowed_hosts); report links and attachments may also lead to
    other *.gov.cn hosts (a report kept on the parent government's site).
    Other links are never requested; they are counted as
    nianbao/offsite_refused, like the AllowedHosts middleware's refusals.

    Attributes a platform spider sets:
        platform      the registry platform name (also the spider's `name`)
        body_area     XPath of the article body (images of a scanned report
                      inside it are attachments too)

ListSpider(PortalSpider)
    A PortalSpider for columns that are paginated lists, declared by
    attributes; the platform's paging function is the one method a platform
    may have to write. Attributes:
        detail_url    regex: links that are articles of a list; followed when
                      their text is a report title or says nothing either way
                      (empty, a bare year, a truncated "…")
        list_url      regex: links that are (sub-)column list pages; followed
                      from a 年报 column when under its directory (year
                      folders, departments' and townships' sub-trees)
        list_area     XPath of the list rows (None: the whole page)
        max_list_pages  list pages followed per column; the setting
                      NIANBAO_MAX_LIST_PAGES (default 50) overrides it
    Methods a platform may override:
        pages(response)          URLs of the column's other list pages (default:
                                 下一页/下页 links that stay inside the column)
        list_requests(response)  other requests for list data (POST groups,
                                 JSON APIs), role "list"
        rows(response)           (href, text) of list rows the HTML parser
                                 cannot see (XML islands)

Guards against traps: paging is capped per column (max_list_pages) and a
next link must stay inside the column's directory; link chains outside paging
are cut by DEPTH_LIMIT (custom_settings below); paging requests restart the
depth count (meta depth_reset, Scrapy ≥ 2.18) so that a long list is bounded
by the page cap, not by the depth limit.

Every request carries meta["nianbao"] = {portal, platform, role, list_page,
anchor}, which the recorder writes into the capture row. Spiders never store
anything and never read report numbers.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import scrapy
from scrapy.http import TextResponse

from crawler.items import ReportItem

# -- report recognition ------------------------------------------------------------------------

_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_CN_YEAR = re.compile(r"[〇零○一二三四五六七八九]{4}(?=年)")  # 二〇二三年
YEAR = r"((?:19|20)\d{2})"
# "信息公开…报告/年报" with at most a few characters between (工作, 情况, 年度).
_CORE = r"(?:信息|政务)公开(?:工作)?(?:情况)?(?:年度)?(?:报告|年报)"
REPORT_TITLE = re.compile(rf"{YEAR}年度?[^年]{{0,40}}?{_CORE}|{_CORE}.{{0,4}}?{YEAR}")
REPORT_NO_YEAR = re.compile(_CORE)
# A notice about the report, an interpretation of it, or a work plan: not the report.
NOT_REPORT_AFTER = re.compile(r"通知|通报|编制|报送|发布工作|解读|图解|问答|说明|要点|方案|公告|意见|考核|评估|检查|培训|会议")
NOT_REPORT_BEFORE = re.compile(r"^关于|解读|图解|问答|转发|印发")
YEAR_ONLY = re.compile(rf"^{YEAR}年?度?$")
TRUNCATED = re.compile(r"(…|\.\.\.|。。。)$")
# The form of 国办公开办函〔2021〕30号 (and 2019): labels no other page prints.
FORM_LABELS = (re.compile(r"第二十条第[（(]一[)）]项"), re.compile(r"本年新收政府信息公开申请数量"),
               re.compile(r"收到和处理政府信息公开申请情况"))


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), text)
    return re.sub(r"\s+", "", text)


def _plausible(year: int) -> bool:
    # Local disclosure rules came before the 2008 条例 (广州 2003, 上海 2004).
    return 2000 <= year <= 2100


def _match(title: str, year_needed: bool):
    text = _normalise(title)
    m = (REPORT_TITLE if year_needed else REPORT_NO_YEAR).search(text)
    if not m:
        return None
    if NOT_REPORT_BEFORE.search(text[:m.start()]) or NOT_REPORT_AFTER.search(text[m.end():]):
        return None
    return m


def report_year(title: str) -> int | None:
    """The report year a report title names; None for any other title (and for a
    report title without a year, such as 政府信息公开工作年报)."""
    m = _match(title, year_needed=True)
    if not m:
        return None
    year = int(m.group(1) or m.group(2))
    return year if _plausible(year) else None


def is_report_title(title: str) -> bool:
    """Is this the title of an annual report (with or without a year)?"""
    if report_year(title) is not None:
        return True
    m = _match(title, year_needed=True)
    if m:
        return False  # it names an implausible year
    return _match(title, year_needed=False) is not None


def maybe_report(text: str) -> bool:
    """Link text that does not rule a report out: a report title, nothing, a bare year,
    or a truncated title that still reads like one."""
    text = _normalise(text)
    if not text or YEAR_ONLY.match(text) or is_report_title(text):
        return True
    return bool(TRUNCATED.search(text)) and bool(re.search(r"公开|报告|年报", text)) \
        and not NOT_REPORT_BEFORE.search(text)


def has_report_form(text: str) -> bool:
    """Body text of a report in the national form (a page that is the report whatever its title)."""
    text = _normalise(text)
    return "政府信息公开" in text and ("年度报告" in text or "年报" in text) \
        and any(p.search(text) for p in FORM_LABELS)


# -- links ------------------------------------------------------------------------------------

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "rtf", "odt", "ofd", "xls", "xlsx", "et", "csv", "zip", "rar",
                         "7z", "jpg", "jpeg", "png", "tif", "tiff", "bmp")
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "tif", "tiff", "bmp")  # gif is left out: icons
_EXT = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")$", re.I)
# CMS download endpoints: Hanweb downfile.jsp, VSB download.jsp, gkmlpt /attachment/.
DOWNLOAD_ENDPOINT = re.compile(r"downfile\.jsp|/download\.jsp|DownloadAttachUrl|/module/download/|/attachment/\d", re.I)
TWIN = re.compile(r"_(?:wap|app)(?=\.\w+$)")
NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|下一頁|>|›|»|>>)$")
INDEX_PAGE = re.compile(r"(?:index|default)(?:_\d+)?\.\w+$", re.I)

COLUMN_TEXT = re.compile(r"信息公开(?:工作)?年(?:度)?报|信息公开(?:工作)?(?:年度)?报告|政务公开(?:工作)?年度报告|^年度报告$|^年报$")
COLUMN_TOKENS = re.compile(r"zfxxgknb|xxgknb|gknb|ndbg|gkndbg|zfxxgkbg|zfgknb|xxgk_nb|ndxxgkbg|niandubaogao"
                           r"|zfxxgkgzndbg|annualreport|xxgknbgs", re.I)
HUB_TEXT = re.compile(r"^(?:政府)?信息公开$|政府信息公开(?:目录|专栏|平台)?$|^政务公开$|^信息公开目录$")
HUB_TOKENS = re.compile(r"^(?:zfxxgk|xxgk|zwgk|gkml|zfxxgkzl|xxgkml)(?:_\w+)?$", re.I)
FILE_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*",
              b"Rar!", b"7z\xbc\xaf", b"{\\rtf")


def canonical(url: str) -> str:
    """The URL without fragment, with TRS mobile twins (_wap, _app) folded onto the page."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), TWIN.sub("", parts.path), parts.query, ""))


def is_attachment(url: str) -> bool:
    """A file link: by extension (of the path or of a file-name parameter) or by CMS download endpoint."""
    parts = urlsplit(url)
    if _EXT.search(parts.path) or DOWNLOAD_ENDPOINT.search(url):
        return True
    return any(_EXT.search(v) for _, v in parse_qsl(parts.query))


def column_dir(url: str) -> str:
    """The directory a column's pages and sub-columns live in: …/zfxxgknb/ for
    …/zfxxgknb/index.html and for a VSB column …/zfxxgknb.htm."""
    path = urlsplit(url).path or "/"
    last = path.rsplit("/", 1)[1]
    if not last or INDEX_PAGE.match(last) or "." not in last:
        return path.rsplit("/", 1)[0] + "/"
    return path.rsplit(".", 1)[0] + "/"


def column_key(url: str) -> str:
    """One key for a column however linked (bare directory or its index page)."""
    parts = urlsplit(canonical(url))
    path = parts.path
    if INDEX_PAGE.search(path.rsplit("/", 1)[-1]) and not re.search(r"_\d+\.\w+$", path):
        path = path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path or "/", parts.query, ""))


def text_of(selector) -> str:
    """A link's text: its visible text, or its title attribute when that is longer (lists truncate)."""
    text = " ".join(t.strip() for t in selector.xpath(".//text()").getall() if t.strip())
    title = (selector.attrib.get("title") or "").strip()
    return title if len(title) > len(text) else text


def detail_match(pattern, url: str) -> bool:
    return bool(pattern and pattern.search(url))


class PortalSpider(scrapy.Spider):
    platform = "generic"
    body_area = ("//*[contains(@class,'TRS_Editor') or contains(@class,'trs_editor_view') or @id='zoom'"
                 " or @id='UCAP-CONTENT' or starts-with(@id,'vsb_content') or contains(@class,'v_news_content')"
                 " or contains(@class,'news_cont_d_wrap') or contains(@class,'article-content')]")
    custom_settings = {
        # Link chains away from list paging are short: seed -> hub -> 年报 column ->
        # year folder -> sub-column -> report -> attachment is 6 hops. A calendar
        # or an endless archive keeps going; this cuts it (paging restarts the
        # count and is bounded by max_list_pages instead).
        "DEPTH_LIMIT": 8,
    }

    def __init__(self, portal=None, run_id: str = "run", *args, **kwargs):
        super().__init__(*args, **kwargs)
        if portal is None:
            raise ValueError(f"{type(self).__name__} needs a portal (crawler.registry.Portal)")
        self.portal = portal
        self.run_id = run_id
        self.hosts = {h.lower() for h in portal.allowed_hosts}
        self.columns_seen: set[str] = set()
        self.list_pages_of: Counter[str] = Counter()
        self.list_urls_seen: set[str] = set()
        self.twins: dict[str, str] = {}  # canonical URL -> the twin URL a page linked
        self.twin_urls: set[str] = set()

    # -- settings and stats (the spider also runs without a crawler, in unit tests) -------

    def setting(self, name: str, default):
        crawler = getattr(self, "crawler", None)
        if crawler is None:
            return default
        value = crawler.settings.get(name)
        return default if value is None else value

    def count(self, key: str) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value(key)

    # -- requests ------------------------------------------------------------------------

    def canonical(self, url: str) -> str:
        return canonical(url)

    def request(self, url: str, callback, role: str, list_page: str | None = None, anchor: str | None = None,
                **kwargs) -> scrapy.Request:
        meta = kwargs.pop("meta", {})
        target = self.canonical(url)
        if target != url.split("#")[0]:
            self.note_twin(url, target)
        if target in self.twins:
            meta["nianbao_twin"] = self.twins[target]  # as linked; only the canonical URL is fetched
        meta["nianbao"] = {"portal": self.portal.id, "platform": self.platform, "role": role,
                           "list_page": list_page, "anchor": (anchor or "").strip()[:200] or None}
        return scrapy.Request(target, callback=callback, meta=meta, errback=self.failed, **kwargs)

    def note_twin(self, url: str, target: str) -> None:
        """Remember a twin a page links (TRS _wap/_app, a platform's dynamic URL), counted once."""
        raw = url.split("#")[0]
        if raw in self.twin_urls:
            return
        if TWIN.search(urlsplit(raw).path) or target != canonical(raw):
            self.twin_urls.add(raw)
            self.twins.setdefault(target, raw)
            self.count("nianbao/twins_folded")

    def setting_list(self, name: str, default: list) -> list:
        crawler = getattr(self, "crawler", None)
        return crawler.settings.getlist(name, default) if crawler is not None else default

    def may_follow(self, url: str, report: bool = False) -> bool:
        """Navigation: the portal's hosts only (Portal.allowed_hosts: a province's
        sibling subdomains are other bodies' sites). Reports and their files: also any
        host the recorder's policy allows (*.gov.cn, NIANBAO_ALLOWED_HOSTS)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return False
        if host in self.hosts:
            return True
        if report:
            extra = {h.lower() for h in self.setting_list("NIANBAO_ALLOWED_HOSTS", [])}
            suffixes = tuple(s.lower() for s in self.setting_list("NIANBAO_ALLOWED_SUFFIXES", [".gov.cn"]))
            if host in extra or any(host.endswith(s) or host == s.lstrip(".") for s in suffixes):
                return True
        self.count("nianbao/offsite_refused")  # the same count as crawler.middlewares.AllowedHosts
        return False

    async def start(self):
        for request in self.start_requests():
            yield request

    def start_requests(self):  # Scrapy < 2.13 calls this; start() above wraps it
        for url in self.portal.start_urls:
            self.columns_seen.add(column_key(url))
            yield self.request(url, self.parse_page, "seed", meta={"column": url})
        for url in self.portal.report_urls:
            yield self.request(url, self.parse_page, "detail")

    def failed(self, failure):
        # Every failure is already a capture row (crawler.middlewares.Recorder).
        self.logger.debug("fetch failed: %s", failure.value)

    # -- what a response is ----------------------------------------------------------------

    @staticmethod
    def blocked(response) -> bool:
        return (response.meta.get("capture") or {}).get("outcome") == "blocked"

    @staticmethod
    def is_file(response) -> bool:
        """A file (PDF, Office, image, archive) rather than a page, by its bytes first."""
        head = response.body[:8]
        if any(head.startswith(m) for m in FILE_MAGIC):
            return True
        if not isinstance(response, TextResponse):
            return True
        ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        return bool(ctype) and not any(t in ctype for t in ("html", "xml", "json", "text", "javascript"))

    def page_title(self, response) -> str:
        """The article title: the first of ArticleTitle, <h1>, <title> (cut at _ or -) that
        names a report, else ArticleTitle or <title>."""
        found = []
        for query in ("//meta[@name='ArticleTitle']/@content", "//h1//text()", "//title/text()"):
            text = " ".join(t.strip() for t in response.xpath(query).getall() if t.strip())
            if text:
                found.append(text)
        for text in found:
            for part in [text] + re.split(r"\s*[_|－—-]\s*", text):
                if is_report_title(part):
                    return part.strip()
        return found[0] if found else ""

    def body_text(self, response) -> str:
        return " ".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())

    def content_year(self, response) -> int | None:
        """The report year printed in the page (a column page that is the report has no report title)."""
        text = _normalise(self.body_text(response))[:5000]
        for m in REPORT_TITLE.finditer(text):
            year = report_year(m.group(0))
            if year:
                return year
        return None

    def is_report(self, response, title: str) -> bool:
        if report_year(title):
            # A year folder titled like a report ("2023年政府信息公开年度报告") lists many: a list.
            listed = {link for link, text in self.links(response) if is_report_title(text)}
            listed.discard(self.canonical(response.url))
            return len(listed) < 3 or has_report_form(self.body_text(response))
        # No report title (or one without a year, which is also how 年报 columns are
        # named): a report only if the page prints the form.
        return has_report_form(self.body_text(response))

    # -- callbacks -------------------------------------------------------------------------

    def parse(self, response, **kwargs):
        yield from self.parse_page(response)

    def parse_page(self, response):
        if self.blocked(response):
            return  # a challenge page: recorded as blocked, never parsed
        if self.is_file(response):
            yield from self.file_item(response)  # a report served as a file at a report URL
            return
        title = self.page_title(response)
        if self.is_report(response, title):
            yield from self.report(response, title)
            return
        yield from self.list_page(response)

    def report(self, response, title: str):
        info = response.meta["nianbao"]
        year = report_year(title) or self.content_year(response)
        capture = response.meta.get("capture") or {}
        yield ReportItem(portal=self.portal.id, url=self.canonical(response.url), title=title, year=year,
                         role="page", list_page=info.get("list_page"), anchor=info.get("anchor"),
                         capture_id=capture.get("id"), sha256=capture.get("sha256"))
        for url, text in self.attachments(response):
            yield self.request(url, self.parse_attachment, "attachment", list_page=response.url, anchor=text,
                               meta={"report": {"title": title, "year": year}})
        for url in self.report_parts(response):
            yield self.request(url, self.parse_page, "detail", list_page=response.url, anchor=title)

    def parse_attachment(self, response):
        if self.blocked(response):
            return
        if self.is_file(response):
            yield from self.file_item(response)
            return
        # An HTML answer at a file link: a report page after all, or an error page (skipped).
        title = self.page_title(response)
        if self.is_report(response, title):
            yield from self.report(response, title)

    def file_item(self, response):
        info = response.meta["nianbao"]
        report = response.meta.get("report") or {}
        title = report.get("title") or info.get("anchor")
        year = report.get("year") or report_year(title or "")
        capture = response.meta.get("capture") or {}
        yield ReportItem(portal=self.portal.id, url=response.url, title=title, year=year, role="attachment",
                         list_page=info.get("list_page"), anchor=info.get("anchor"),
                         capture_id=capture.get("id"), sha256=capture.get("sha256"))

    # -- what a page links to --------------------------------------------------------------

    def links(self, response, area: str | None = None):
        """(canonical absolute URL, text) of every link, in page order."""
        root = response.xpath(area) if area else response
        for a in root.xpath(".//a[@href]"):
            href = a.attrib.get("href", "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "tel:", "#")):
                continue
            url = response.urljoin(href)
            target = self.canonical(url)
            if target != url.split("#")[0]:
                self.note_twin(url, target)
            yield target, text_of(a)

    def attachments(self, response):
        """(URL, text) of the report's files: linked files and download endpoints anywhere
        on the page (the DOM, not the inline scripts, which repeat ./P0….pdf strings;
        not OLDSRC, which points at unpublished /protect/ copies); images inside the
        body when the body is little more than images (a scanned report)."""
        seen = set()
        for url, text in self.links(response):
            if url not in seen and is_attachment(url) and self.may_follow(url, report=True):
                seen.add(url)
                yield url, text or (urlsplit(url).path.rsplit("/", 1)[-1])
        body = response.xpath(self.body_area)
        if body and len(_normalise(" ".join(body.xpath(".//text()").getall()))) < 300:
            for src in body.xpath(".//img/@src").getall():
                url = self.canonical(response.urljoin(src.strip()))
                ext = urlsplit(url).path.rsplit(".", 1)[-1].lower()
                if url not in seen and ext in IMAGE_EXTENSIONS and self.may_follow(url, report=True):
                    seen.add(url)
                    yield url, "图片"

    def report_parts(self, response):
        """Further pages of a report split over several pages (TRS, Hanweb override)."""
        return ()

    def list_page(self, response):
        """A page that is not a report: report links, and columns if it is a seed or a column."""
        yield from self.report_links(response)
        if response.meta["nianbao"]["role"] in ("seed", "column"):
            yield from self.column_links(response)

    def report_links(self, response, links=None):
        for url, text in (self.links(response) if links is None else links):
            if not is_report_title(text) or url == self.canonical(response.url):
                continue
            if not report_year(text) and not is_attachment(url):
                continue  # "政府信息公开年报" names the column more often than a report
            yield from self.follow_report(response, url, text)

    def follow_report(self, response, url: str, text: str):
        if not self.may_follow(url, report=True):
            return
        if is_attachment(url):  # a report published only as a file
            yield self.request(url, self.parse_attachment, "attachment", list_page=response.url, anchor=text,
                               meta={"report": {"title": text, "year": report_year(text)}})
        else:
            yield self.request(url, self.parse_page, "detail", list_page=response.url, anchor=text)

    def column_links(self, response, exclude: set[str] = frozenset()):
        """The 年报 column(s) linked from a seed or column page, by link text or by a URL
        token in the link's last path segment; from a homepage without one, its
        政府信息公开 hub (one hop, no hub of a hub)."""
        here = column_key(response.url)
        found, hubs, reports = [], [], 0
        for url, text in self.links(response):
            key = column_key(url)
            if report_year(text):
                reports += 1  # a report, not a column
                continue
            if key == here or url in exclude or is_attachment(url):
                continue
            last = [s for s in urlsplit(url).path.split("/") if s]
            last = last[-1].rsplit(".", 1)[0] if last else ""
            if COLUMN_TEXT.search(_normalise(text)) or COLUMN_TOKENS.search(last):
                found.append((url, text, key))
            elif HUB_TEXT.search(_normalise(text)) or HUB_TOKENS.match(last):
                hubs.append((url, text, key))
        # A homepage that links no 年报 column (and lists no report): try its 信息公开 hub,
        # one hop only (from the hub, role "column", no further hub).
        is_hub = not found and not reports and response.meta["nianbao"]["role"] == "seed"
        if is_hub:
            found = hubs
        for url, text, key in found:
            if key in self.columns_seen or not self.may_follow(url):
                continue
            self.columns_seen.add(key)
            yield self.request(url, self.parse_page, "column", list_page=response.url, anchor=text,
                               meta={"column": url, "hub": is_hub})


class ListSpider(PortalSpider):
    detail_url: str | None = None
    list_url: str | None = None
    list_area: str | None = None
    max_list_pages = 50

    @property
    def list_page_cap(self) -> int:
        return int(self.setting("NIANBAO_MAX_LIST_PAGES", self.max_list_pages))

    # -- hooks a platform overrides --------------------------------------------------------

    def pages(self, response):
        """The column's other list pages: 下一页 links that stay inside the column."""
        column = response.meta.get("column") or response.url
        for url, text in self.links(response):
            if NEXT_TEXT.match(_normalise(text)) and self.in_column(url, column, response.url):
                yield url

    def list_requests(self, response):
        return ()

    def rows(self, response):
        return ()

    # -- the list ----------------------------------------------------------------------------

    @staticmethod
    def in_column(url: str, column: str, here: str) -> bool:
        """A next page of this column: same host, and inside the column's directory, or
        in the column page's own directory, or the same page with another query
        (list.jsp?PAGENUM=…)."""
        u, c, h = urlsplit(url), urlsplit(column), urlsplit(here)
        if u.netloc != c.netloc:
            return False
        return u.path.startswith(column_dir(column)) or u.path.rsplit("/", 1)[0] == c.path.rsplit("/", 1)[0] \
            or (u.path == h.path and u.query != h.query)

    def take_list_page(self, column: str, url: str | None = None) -> bool:
        """May one more list page of this column be asked for? Every page re-announces
        its siblings: a URL already asked for is refused without being counted."""
        if url is not None:
            if url in self.list_urls_seen:
                return False
            self.list_urls_seen.add(url)
        key = column_key(column)
        if self.list_pages_of[key] >= self.list_page_cap:
            self.count("nianbao/list_pages_capped")
            return False
        self.list_pages_of[key] += 1
        return True

    def list_request(self, response, url: str, callback=None, **kwargs) -> scrapy.Request:
        """A further page of the current column (role "list"); depth restarts, the page cap counts."""
        meta = kwargs.pop("meta", {})
        meta.update(column=response.meta.get("column") or response.url, depth_reset=True)
        return self.request(url, callback or self.parse_page, "list", list_page=response.url, meta=meta, **kwargs)

    def list_page(self, response):
        role = response.meta["nianbao"]["role"]
        if role in ("seed", "column"):
            response.meta["column"] = response.url  # where it ended up, after any redirect
            if self.canonical(response.url) not in self.list_urls_seen:
                self.list_urls_seen.add(self.canonical(response.url))
                self.list_pages_of[column_key(response.url)] += 1  # the column's first page
        column = response.meta.get("column") or response.url
        links = list(self.links(response, self.list_area))
        if self.list_area and not links:
            links = list(self.links(response))
        links += [(self.canonical(response.urljoin(h)), t) for h, t in self.rows(response)]
        here = self.canonical(response.url)
        paging = []
        for url in self.pages(response):
            url = self.canonical(url)
            if url != here and url not in paging:
                paging.append(url)
        yield from self.follow_rows(response, links, exclude=set(paging) | {here})
        for url in paging:
            if self.may_follow(url) and self.take_list_page(column, url):
                yield self.list_request(response, url)
        yield from self.list_requests(response)
        if role in ("seed", "column"):
            yield from self.subcolumn_links(response, links, set(paging))
            yield from self.column_links(response, exclude=set(paging))

    def follow_rows(self, response, links, exclude: set[str] = frozenset()):
        """Reports among a list's rows: a report title, or an article link (detail_url)
        whose text does not rule a report out."""
        detail = re.compile(self.detail_url) if self.detail_url else None
        done = set(exclude)
        for url, text in links:
            if url in done:
                continue  # also a twin listed after its page (hidden mobile lists)
            if is_report_title(text) and not report_year(text) and not detail_match(detail, url) \
                    and not is_attachment(url):
                continue  # "政府信息公开年报": a column link (column_links)
            if is_report_title(text) or (detail_match(detail, url) and maybe_report(text)):
                done.add(url)
                yield from self.follow_report(response, url, text)

    def subcolumn_links(self, response, links, paging: set[str]):
        """Sub-columns under a 年报 column's directory (year folders, departments, townships)."""
        if not self.list_url:
            return
        shape = re.compile(self.list_url)
        detail = re.compile(self.detail_url) if self.detail_url else None
        base = column_dir(response.meta.get("column") or response.url)
        here = urlsplit(response.url)
        # Only a 年报 column has 年报 sub-columns: not a homepage or a 政务公开 hub,
        # whose sub-directories are the whole site.
        name = " ".join(response.xpath("//meta[@name='ColumnName']/@content | //title/text()").getall())
        if base == "/" or not (COLUMN_TOKENS.search(here.path) or COLUMN_TEXT.search(_normalise(name))
                               or any(report_year(text) for _, text in links)):
            return
        for url, text in links:
            parts = urlsplit(url)
            key = column_key(url)
            if parts.netloc != here.netloc or not parts.path.startswith(base) or parts.path == base \
                    or url in paging or key in self.columns_seen or detail_match(detail, url) \
                    or is_attachment(url) or report_year(text) or not shape.search(url):
                continue
            if parts.path.rsplit("/", 1)[0] + "/" == base and re.search(r"_\d+\.\w+$", parts.path):
                continue  # a paging sibling (index_3.html) not announced on this page
            self.columns_seen.add(key)
            yield self.request(url, self.parse_page, "column", list_page=response.url, anchor=text,
                               meta={"column": url})
