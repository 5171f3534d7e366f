"""Hanweb 大汉 JCMS spider: /col/colN/index.html columns paged through dataproxy.jsp.

Platform: hanweb.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

Page 1 of a column is an XML island in the column page (<script
type="text/xml"><datastore>…<recordset><record><![CDATA[<li><a href='/art/…'>
…]]></record>…). Later pages come from /module/web/jpage/dataproxy.jsp,
POSTed with the column's jpage parameters (col, appid, webid, path,
columnid, sourceContentType, unitid, webname, permissiontype) and
startrecord/endrecord/perpage for a group of pages; the answer's
<totalrecord> says how many records there are. Details are
/art/YYYY/M/D/art_col_id.html; attachments /module/download/downfile.jsp.
A column page that is itself the report, and xxgkAnnualReport.jsp pages,
are recognised by their content.
"""
import re
from urllib.parse import urlencode

import scrapy

from crawler.spiders.base import PortalSpider, report_year

RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
TOTAL = re.compile(r"(?:totalRecord|totalrecord)\s*[:=>]\s*['\"]?(\d+)", re.I)
PER_PAGE = re.compile(r"perPage\s*:\s*['\"]?(\d+)", re.I)
PARAM = re.compile(r"(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*:\s*['\"]([^'\"]*)['\"]")
PROXY = re.compile(r"proxyUrl\s*:\s*['\"]([^'\"]+)['\"]")
GROUP = 3  # pages per dataproxy answer, as jpage asks


def records(text: str) -> list[str]:
    """The <li> rows of a datastore (the column's XML island or a dataproxy answer)."""
    return RECORD.findall(text)


def dataproxy_requests(text: str) -> list[tuple[str, dict]]:
    """(URL, form) for every group after the first page, from the column's jpage call."""
    total, per = TOTAL.search(text), PER_PAGE.search(text)
    if not total or not per:
        return []
    total, per = int(total.group(1)), int(per.group(1))
    form = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
    form.update(dict(PARAM.findall(text)))
    proxy = PROXY.search(text)
    url = proxy.group(1) if proxy else "/module/web/jpage/dataproxy.jsp"
    out = []
    start = per + 1  # records of page 1 are in the island
    while start <= total:
        end = min(start + per * GROUP - 1, total)
        out.append((f"{url}?startrecord={start}&endrecord={end}&perpage={per}", dict(form)))
        start = end + 1
    return out


class HanwebSpider(PortalSpider):
    """Hanweb JCMS portals. Arguments: portal, run_id."""

    name = "hanweb"
    platform = "hanweb"

    def list_links(self, response):
        yield from super().list_links(response)
        yield from self.record_links(response, records(response.text))
        for url, form in dataproxy_requests(response.text):
            yield self.request(response.urljoin(url), self.parse_dataproxy, "list", list_page=response.url,
                               method="POST", body=urlencode(form),
                               headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                        "X-Requested-With": "XMLHttpRequest", "Referer": response.url})

    def parse_dataproxy(self, response):
        yield from self.record_links(response, records(response.text))

    def record_links(self, response, rows: list[str]):
        for row in rows:
            for a in scrapy.Selector(text=row).xpath("//a[@href]"):
                text = a.attrib.get("title") or " ".join(a.xpath(".//text()").getall())
                if not report_year(text):
                    continue  # other articles of the column
                url = response.urljoin(a.attrib["href"])
                yield self.request(url, self.parse_page, "detail", list_page=response.url, anchor=text)
