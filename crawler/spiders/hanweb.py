"""Hanweb 大汉 JCMS spider: /col/colN/index.html columns paged through dataproxy.jsp.

Platform: hanweb.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

URL shapes:
    column   /col/col<columnid>/index.html. Page 1 is an XML island in it:
             <script type="text/xml"><datastore><nextgroup><![CDATA[<a href="…dataproxy.jsp?
             page=1&appid=1&webid=…&columnid=…&unitid=…">]]></nextgroup><recordset><record>
             <![CDATA[<li><a href='/art/…' title='…'>…</a><span>…</span></li>]]></record>…
             and a jpage call $('#<unitid>').jpage({totalRecord, perPage, groupSize,
             proxyUrl, ajaxParam: {col, appid, webid, path, columnid, unitid, webname,
             permissiontype}}).
    pages    POST /module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P
             (or the proxyUrl the page names), form fields = ajaxParam plus
             sourceContentType=1; one answer is a group of groupSize pages (1–45,
             46–90 … with perPage 15), an XML datastore with <totalrecord> and
             CDATA <record>s. Without a jpage call the first group is asked for
             and the answer's <totalrecord> plans the rest.
    detail   /art/YYYY/M/D/art_<columnid>_<id>.html (month and day not zero-padded);
             jpaas /col/colN/art/YYYY/art_<uuid>.html
    files    /module/download/downfile.jsp?classid=0&filename=<hex>.pdf inside #zoom
    reports  a column page that is itself the report (recognised by its content) and
             /module/xxgk/xxgkAnnualReport.jsp?area=<code>&fbtime=<year> (its links to
             the same body's other years are followed)
"""
from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import scrapy

from crawler.spiders.base import ListSpider, text_of

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)", re.I)
GROUP_SIZE = re.compile(r"groupSize\s*:\s*['\"]?(\d+)", re.I)
PROXY = re.compile(r"proxyUrl\s*:\s*['\"]([^'\"]+)['\"]")
AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{([^{}]*)\}", re.S)
PAIR = re.compile(r"['\"]?(\w+)['\"]?\s*:\s*['\"]?([^'\",}]*)['\"]?")
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]+)['\"]", re.S | re.I)
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"


def records(text: str) -> list[str]:
    """The <li> rows of a datastore (the column's XML island or a dataproxy answer)."""
    return RECORD.findall(text)


def record_links(text: str) -> list[tuple[str, str]]:
    """(href, title) of every record's link."""
    out = []
    for row in records(text):
        for a in scrapy.Selector(text=row).xpath("//a[@href]"):
            out.append((a.attrib["href"], text_of(a)))
    return out


def jpage(text: str) -> dict | None:
    """The column's paging set-up: proxy URL, form, total records (or None), per page,
    group size; None when the page has no XML island and no jpage call."""
    per = PER_PAGE.search(text)
    nextgroup = NEXTGROUP.search(text)
    if not per and not nextgroup:
        return None
    form = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
    proxy = PROXY.search(text)
    url = proxy.group(1) if proxy else DEFAULT_PROXY
    if nextgroup:
        href = nextgroup.group(1).replace("&amp;", "&")
        form.update({k: v for k, v in parse_qsl(urlsplit(href).query) if k in FORM_FIELDS})
        if not proxy:
            url = urlsplit(href).path or DEFAULT_PROXY
    params = AJAX_PARAM.search(text)
    if params:
        form.update({k: v for k, v in PAIR.findall(params.group(1)) if k in FORM_FIELDS})
    total = TOTAL.search(text)
    group = GROUP_SIZE.search(text)
    return {"url": url, "form": form, "total": int(total.group(1) or total.group(2)) if total else None,
            "per": int(per.group(1)) if per else 15, "group": int(group.group(1)) if group else 3}


def groups(setup: dict, first: int = 0) -> list[tuple[str, int]]:
    """(query string, pages in the group) of every group from group `first`, aligned as
    jpage asks for them: records 1..per*group, then the next per*group …"""
    per, size, total = setup["per"], setup["group"], setup["total"]
    span = per * size
    count = 1 if total is None else math.ceil(total / span)
    out = []
    for g in range(first, count):
        start = g * span + 1
        end = (g + 1) * span if total is None else min((g + 1) * span, total)
        out.append((f"startrecord={start}&endrecord={end}&perpage={per}", math.ceil((end - start + 1) / per)))
    return out


def dataproxy_requests(text: str) -> list[tuple[str, dict]]:
    """(URL, form) of every dataproxy group a column page announces beyond its first page."""
    setup = jpage(text)
    if not setup or (setup["total"] is not None and setup["total"] <= setup["per"]):
        return []
    return [(f"{setup['url']}?{query}", dict(setup["form"])) for query, _ in groups(setup)]


class HanwebSpider(ListSpider):
    """Hanweb JCMS portals: XML island + dataproxy.jsp POST groups, /art/ details,
    downfile.jsp files, report columns and xxgkAnnualReport.jsp. Arguments: portal, run_id."""

    name = "hanweb"
    platform = "hanweb"
    detail_url = r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$|/art/\d{4}/art_\w+\.html$|xxgkAnnualReport\.jsp\?"
    list_url = r"/col/col\d+/(?:index\.html)?$"

    def rows(self, response):
        return record_links(response.text)

    def list_requests(self, response):
        setup = jpage(response.text)
        if not setup or (setup["total"] is not None and setup["total"] <= setup["per"]):
            return
        yield from self.group_requests(response, setup, 0)

    def group_requests(self, response, setup: dict, first: int):
        column = response.meta.get("column") or response.url
        for query, pages in groups(setup, first):
            url = response.urljoin(f"{setup['url']}?{query}")
            # a group is `pages` list pages of the column's cap
            if not self.take_list_page(column, url) or not all(self.take_list_page(column) for _ in range(pages - 1)):
                return
            yield self.list_request(
                response, url, self.parse_dataproxy, method="POST", body=urlencode(setup["form"]),
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                         "X-Requested-With": "XMLHttpRequest", "Referer": response.url,
                         "Accept": "application/xml, text/xml, */*; q=0.01"},
                meta={"jpage": setup if setup["total"] is None else None})

    def parse_dataproxy(self, response):
        if self.blocked(response):
            return
        links = [(self.canonical(response.urljoin(h)), t) for h, t in record_links(response.text)]
        yield from self.follow_rows(response, links)
        setup = response.meta.get("jpage")
        total = TOTAL.search(response.text)
        if setup and total:  # the column page did not say how many records there are
            setup = {**setup, "total": int(total.group(1) or total.group(2))}
            yield from self.group_requests(response, setup, 1)

    def report_parts(self, response):
        """On an xxgkAnnualReport.jsp report: the same body's reports of other years."""
        if "xxgkAnnualReport.jsp" not in response.url:
            return
        area = dict(parse_qsl(urlsplit(response.url).query)).get("area")
        for url, _ in self.links(response):
            query = dict(parse_qsl(urlsplit(url).query))
            if "xxgkAnnualReport.jsp" in url and query.get("area") == area and url != self.canonical(response.url):
                yield url
