"""The sample portal: imitation government sites on 127.0.0.1, the crawler's test world.

    with SamplePortal() as portal:
        portal.registry_csv()      # a registry of its sites, for `nianbao crawl --registry`
        portal.scrapy_settings()   # name resolution for its hosts
        portal.expected()          # the reports each site publishes

One threaded HTTP server answers for every site by the Host header (name-based
virtual hosting); Scrapy reaches the names through crawler.resolver. Sites
imitate the CMS families of the research notes: TRS (createPageHTML in both
conventions, a GBK site, _wap twins, P0….pdf attachments), Hanweb (XML island,
dataproxy.jsp POST groups, /art/ details, downfile.jsp, a column that is the
report), VSB (static .htm paging, #vsb_content, download.jsp), gkmlpt (the JSON
list API, post_<id> pages, /attachment/ files), Jeecms (index_N.jhtml) and a
generic site found from its homepage. Each lists reports of several years
among ordinary notices, over three list pages. Hostile cases: a column moved
since last year (old path 404, another 301), 412 with `$_ts`, 521 with
document.cookie, a 302 cookie loop, a redirect loop, an endless calendar, a
slow host, a 50 MB file, a spam mirror copying a report, a robots.txt
denial. Static answers carry ETags and honour If-None-Match.
"""
from .server import SamplePortal

__all__ = ["SamplePortal"]
