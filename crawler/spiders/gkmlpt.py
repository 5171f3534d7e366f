"""Guangdong gkmlpt spider: the disclosure catalogue's JSON list API.

Platform: gkmlpt.
Arguments: portal (crawler.registry.Portal), run_id (crawl run id).

URL shapes:
    catalogue  /gkmlpt/index (or /<dept>/gkmlpt/index on a shared city host), a Vue
               page whose window._CONFIG holds SID (the site id) and TREE (the
               categories: id, name, parent, …); categories named 年报 / 年度报告
               are the report columns
    pages      GET <catalogue dir>/api/all/<category>?page=N&sid=<SID> → JSON
               {classify: {post_count}, articles: [{id, title, url, attachment:
               [{name, url}, …]}, …]}; pages from 1 to ceil(post_count / page
               size), or until a page is empty or repeats the previous one
               (some sites answer every page with the same batch)
    detail     /gkmlpt/content/<id÷10⁶>/<id÷10³>/post_<id>.html; NFCMS columns
               …/<column>/content/post_<id>.html
    files      /attachment/<a÷10⁶>/<a÷10³>/<a>/<post id>.<ext>, from the article's
               `attachment` array and from the detail page
"""
from __future__ import annotations

import json
import math
import re

from crawler.spiders.base import ListSpider, report_year

SID = re.compile(r"SID\s*['\"]?\s*:\s*['\"]?(\w+)")
TREE = re.compile(r"TREE\s*['\"]?\s*:\s*\[", re.S)
# {id: 2729, name: '…'} in either order, keys quoted or not (JSON or a JS object literal)
NODE_ID_NAME = re.compile(r"['\"]?\bid['\"]?\s*:\s*['\"]?(\d+)['\"]?\s*,[^{}]*?"
                          r"['\"]?\bname['\"]?\s*:\s*['\"]([^'\"]*)['\"]")
NODE_NAME_ID = re.compile(r"['\"]?\bname['\"]?\s*:\s*['\"]([^'\"]*)['\"]\s*,[^{}]*?['\"]?\bid['\"]?\s*:\s*['\"]?(\d+)")
REPORT_CATEGORY = re.compile(r"年报|年度报告")


def categories(html: str) -> tuple[str | None, list[int]]:
    """The site id and the ids of the annual-report categories, from window._CONFIG."""
    sid = SID.search(html)
    tree = TREE.search(html)
    ids: list[int] = []
    if tree:
        text = html[tree.end():]
        pairs = [(int(i), n) for i, n in NODE_ID_NAME.findall(text)]
        pairs += [(int(i), n) for n, i in NODE_NAME_ID.findall(text)]
        for cid, name in pairs:
            if REPORT_CATEGORY.search(name) and cid not in ids:
                ids.append(cid)
    return (sid.group(1) if sid else None), ids


def api_pages(data: dict) -> int | None:
    """How many pages the category has, from a page's post_count and size; None if unknown."""
    count = (data.get("classify") or {}).get("post_count") or data.get("total")
    size = len(data.get("articles") or [])
    if not count or not size:
        return None
    return math.ceil(int(count) / size)


class GkmlptSpider(ListSpider):
    """Guangdong gkmlpt portals: _CONFIG SID + report categories, JSON API pages,
    post_<id> details, /attachment/ files. Arguments: portal, run_id."""

    name = "gkmlpt"
    platform = "gkmlpt"
    detail_url = r"/post_\d+\.html$"
    list_url = None

    def list_requests(self, response):
        sid, ids = categories(response.text)
        for cat in ids if sid else ():
            url = response.urljoin(f"api/all/{cat}?page=1&sid={sid}")
            if not self.take_list_page(response.meta.get("column") or response.url, url):
                continue
            yield self.list_request(response, url, self.parse_api,
                                    meta={"gkmlpt": {"cat": cat, "sid": sid, "page": 1, "first": None}})

    def parse_api(self, response):
        if self.blocked(response):
            return
        try:
            data = json.loads(response.text)
        except ValueError:
            return
        articles = [a for a in data.get("articles") or [] if isinstance(a, dict)]
        state = response.meta["gkmlpt"]
        first = str(articles[0].get("id")) if articles else None
        if first is not None and first == state.get("first"):
            return  # the same batch again: the server ignores `page`
        rows = []
        for art in articles:
            href = art.get("url") or art.get("post_url")
            if href:
                rows.append((art, self.canonical(response.urljoin(href)), art.get("title") or ""))
        yield from self.follow_rows(response, [(url, title) for _, url, title in rows])
        for art, url, title in rows:
            if not report_year(title):
                continue
            for f in art.get("attachment") or []:
                if not isinstance(f, dict) or not f.get("url"):
                    continue
                file_url = self.canonical(response.urljoin(f["url"]))
                if self.may_follow(file_url, report=True):
                    yield self.request(file_url, self.parse_attachment, "attachment", list_page=url,
                                       anchor=f.get("name"), meta={"report": {"title": title,
                                                                               "year": report_year(title)}})
        column = response.meta.get("column") or response.url
        total = api_pages(data)
        if state["page"] == 1:
            following = range(2, total + 1) if total else (range(2, 3) if articles else ())
        else:
            following = () if (total or not articles) else (state["page"] + 1,)  # planned on page 1, or ended
        for n in following:
            url = response.urljoin(f"{state['cat']}?page={n}&sid={state['sid']}")
            if self.take_list_page(column, url):
                yield self.list_request(response, url, self.parse_api, meta={"gkmlpt": {**state, "page": n,
                                                                                        "first": first}})
