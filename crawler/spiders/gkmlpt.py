"""Guangdong gkmlpt spider: the disclosure catalogue's JSON list API.

Platform: gkmlpt.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

The catalogue page /gkmlpt/index carries window._CONFIG with SID and TREE
(categories); categories whose name names annual reports (年报, 年度报告)
are listed through /gkmlpt/api/all/<category>?page=N&sid=<SID>, whose
JSON `articles` give titles, detail URLs (content/…/post_<id>.html) and
attachment files (/attachment/…).
"""
import json
import re

from crawler.spiders.base import PortalSpider, report_year

SID = re.compile(r"SID\s*:\s*['\"]?(\w+)")
TREE = re.compile(r"TREE\s*:\s*(\[.*?\])\s*[,}]", re.S)
REPORT_CATEGORY = re.compile(r"年报|年度报告")
MAX_API_PAGES = 20


def categories(html: str) -> tuple[str | None, list[int]]:
    """The site id and the ids of annual-report categories from _CONFIG."""
    sid = SID.search(html)
    tree = TREE.search(html)
    ids = []
    if tree:
        try:
            for node in json.loads(tree.group(1)):
                if REPORT_CATEGORY.search(str(node.get("name", ""))):
                    ids.append(int(node["id"]))
        except (ValueError, KeyError, TypeError):
            pass
    return (sid.group(1) if sid else None), ids


class GkmlptSpider(PortalSpider):
    """Guangdong gkmlpt portals. Arguments: portal, run_id."""

    name = "gkmlpt"
    platform = "gkmlpt"

    def list_links(self, response):
        yield from super().list_links(response)
        sid, ids = categories(response.text)
        for cat in ids if sid else []:
            yield self.request(response.urljoin(f"/gkmlpt/api/all/{cat}?page=1&sid={sid}"), self.parse_api, "list",
                               list_page=response.url, meta={"gkmlpt": (cat, sid, 1)})

    def parse_api(self, response):
        try:
            data = json.loads(response.text)
        except ValueError:
            return
        articles = data.get("articles") or []
        for art in articles:
            title = art.get("title") or ""
            url = response.urljoin(art.get("url") or art.get("post_url") or "")
            if not report_year(title):
                continue
            yield self.request(url, self.parse_page, "detail", list_page=response.url, anchor=title)
            for f in art.get("attachment") or []:
                if f.get("url"):
                    yield self.request(response.urljoin(f["url"]), self.parse_attachment, "attachment",
                                       list_page=url, anchor=f.get("name"),
                                       meta={"report_title": title, "report_year": report_year(title)})
        cat, sid, page = response.meta["gkmlpt"]
        if articles and page < MAX_API_PAGES:
            yield self.request(response.urljoin(f"/gkmlpt/api/all/{cat}?page={page + 1}&sid={sid}"), self.parse_api,
                               "list", list_page=response.url, meta={"gkmlpt": (cat, sid, page + 1)})
