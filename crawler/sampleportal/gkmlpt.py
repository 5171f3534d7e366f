"""Guangdong gkmlpt (政府信息公开目录管理平台) sites: a Vue catalogue fed by a JSON list API.

/gkmlpt/index carries window._CONFIG = {SID: '…', TREE: [categories]}; the
list API GET /gkmlpt/api/all/<category>?page=<n>&sid=<SID> answers JSON:
    {"classify": {"id", "name", "post_count"}, "articles": [{"id", "title", "url",
     "date", "display_publish_time", "created_at", "publisher", "identifier",
     "document_number", "attachment": [{"id", "name", "type", "mime", "size", "url"}], …}],
     "total": <articles>, "page": <n>, "page_size": <k>, "page_count": <pages>}
(page 0 and page 1 are the same batch; past the end: "articles": []; a wrong
sid: an empty answer). Details /gkmlpt/content/<id // 10**6>/<id // 1000>/post_<id>.html,
files /attachment/<aid // 10**6>/<aid // 1000>/<aid>/<post id>.<ext>.
"""
from __future__ import annotations

import datetime as dt
import json

from . import content
from .base import Doc, Req, Resp, Site, esc, key, mixed, report


class GkmlptSite(Site):
    platform = "gkmlpt"

    def __init__(self, host: str, portal_id: str, body: str, docs: list[Doc], sid: str = "755041", cat: int = 2729,
                 per: int = 10, id_base: int = 4688900, **kw):
        super().__init__(host, portal_id, body, **kw)
        self.docs, self.sid, self.cat, self.per = docs, sid, cat, per
        self.tree = [{"id": 2590, "name": "政策文件", "parent": 0, "jump_url": "", "post_count": 120},
                     {"id": 2591, "name": "规划计划", "parent": 0, "jump_url": "", "post_count": 18},
                     {"id": 2600, "name": "机构职能", "parent": 0, "jump_url": "", "post_count": 9},
                     {"id": cat, "name": "政府信息公开年报", "parent": 0, "jump_url": "", "post_count": len(docs)}]
        for rank, d in enumerate(sorted(docs, key=lambda d: (d.date, d.n))):
            d.id = id_base + rank * 13 + d.n % 13
            d.path = f"/gkmlpt/content/{d.id // 10**6}/{d.id // 1000}/post_{d.id}.html"
            for k, f in enumerate(d.files):
                aid = 88000 + d.id % 100000 * 3 + k
                f.path = f"/attachment/{aid // 10**6}/{aid // 1000}/{aid}/{d.id}.{content.ext(f.kind)}"
                self.serve_file(f, d.date)
            self.page(d.path, lambda req, d=d: self.detail(d), d.date)
        newest = max((d.date for d in docs), default=dt.date(2024, 1, 1))
        self.page("/gkmlpt/index", lambda req: self.catalogue(), newest)
        self.add_prefix("/gkmlpt/api/all/", self.api)
        self.page("/", lambda req: self.homepage([("/", "首页"), ("/gkmlpt/index", "政府信息公开")]), None)
        self.start_paths = ["/gkmlpt/index"]

    def catalogue(self) -> str:
        tree = json.dumps(self.tree, ensure_ascii=False)
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开_{esc(self.body)}</title>"
                f"<link rel='stylesheet' href='/gkmlpt/static/css/app.css'></head><body><div id='app'></div>"
                f"<script>window._CONFIG = {{\n  SID: '{self.sid}',\n  SITE_NAME: '{esc(self.body)}',\n"
                f"  API_BASE: '/gkmlpt/api',\n  TREE: {tree},\n  PLATFORM: 'gkmlpt'\n}};</script>"
                f"<script src='/gkmlpt/static/js/app.js'></script></body></html>")

    def article(self, d: Doc, req: Req) -> dict:
        base = f"http://{self.host}:{req.port}"  # the API gives absolute URLs
        ts = int(dt.datetime.combine(d.date, dt.time(9, 30), dt.timezone(dt.timedelta(hours=8))).timestamp())
        return {"id": d.id, "title": d.title, "url": base + d.path, "post_url": base + d.path,
                "document_number": "", "publisher": d.publisher,
                "identifier": f"007{d.id % 10**6:06d}/{d.date.year}-{d.n:05d}",
                "date": ts, "created_at": f"{d.date.isoformat()} 09:30:00", "display_publish_time": ts,
                "abstract": "", "classify_main_name": "政府信息公开年报", "classify_genre_name": "其他",
                "is_expired": 0, "is_abolished": 0,
                "attachment": [{"id": int(f.path.split("/")[4]), "name": f.name, "type": content.ext(f.kind),
                                "mime": content.mime(f.kind), "size": len(self.served(f)),
                                "url": base + f.path} for f in d.files]}

    def served(self, f) -> bytes:
        return self.routes[key(f.path)](None).body  # the bytes the file URL serves

    def api(self, req: Req) -> Resp | None:
        tail = req.path[len("/gkmlpt/api/all/"):]
        if not tail.isdigit():
            return None
        if int(tail) != self.cat or req.param("sid") != self.sid:
            answer = {"classify": None, "articles": [], "total": 0}
        else:
            try:
                page = max(1, int(req.param("page", "1")))  # pages 0 and 1: the same first batch
            except ValueError:
                page = 1
            batch = self.docs[(page - 1) * self.per: page * self.per]
            answer = {"classify": {"id": self.cat, "name": "政府信息公开年报", "post_count": len(self.docs)},
                      "articles": [self.article(d, req) for d in batch], "total": len(self.docs), "page": page,
                      "page_size": self.per, "page_count": -(-len(self.docs) // self.per)}
        return Resp(body=json.dumps(answer, ensure_ascii=False).encode(), ctype="application/json;charset=UTF-8")

    def detail(self, d: Doc) -> str:
        files = "".join(f"<p><a href='{f.path}' target='_blank'>{esc(f.name)}</a></p>" for f in d.files)
        detail = json.dumps({"id": d.id, "title": d.title, "publisher": d.publisher}, ensure_ascii=False)
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(d.title)}</title>"
                f"{self.meta(d, '政府信息公开年报')}</head><body><div class='container'>"
                f"<div class='classify'>{self.label_table(d, f'007{d.id % 10**6:06d}/{d.date.year}-{d.n:05d}')}</div>"
                f"<div class='content'><h1 class='title'>{esc(d.title)}</h1>"
                f"<div class='article-content'>{self.report_body(d)}</div>"
                f"<div class='fjdown'>{files}</div></div></div>"
                f"<script>window._CONFIG = {{SID: '{self.sid}', DETAIL: {detail}}};</script></body></html>")


def gkmlpt_sample(files: content.Files) -> GkmlptSite:
    body = "某区人民政府"
    reports = [report(61, body, 2024, day=20, files=("pdf",)), report(62, body, 2023, day=21),
               report(63, body, 2022, day=19, files=("docx",)), report(64, body, 2021, day=22),
               report(65, "某区发展和改革局", 2024, day=23), report(66, "某区教育局", 2024, day=24),
               report(67, "某区发展和改革局", 2023, day=27)]
    docs = mixed(body, reports, 18, start=600)
    site = GkmlptSite("www.gkmlpt-sample.gov.cn", "gkmlpt-sample", body, docs, province="广东", files=files)
    site.notes = "sample portal: gkmlpt, _CONFIG SID/TREE and the JSON list API"
    return site
