"""The sample portal: imitation government sites on 127.0.0.1, the crawler's test world.

    with SamplePortal(workdir) as portal:
        portal.registry_csv()      # a registry of its sites, for `nianbao crawl --registry`
        portal.scrapy_settings()   # name resolution for its hosts (crawler.resolver)
        portal.expected()          # the reports each site publishes
        portal.change_report("trs-sample", 0); portal.delete_report("vsb-sample", 0)

One threaded HTTP server answers for every site by the Host header (name-based
virtual hosting). Sites imitate the CMS families of the research notes (TRS,
Hanweb, VSB, gkmlpt, Jeecms, a generic site) and the hostile cases crawlers
meet; README.md in this folder has the table. SamplePortal(sites=N,
reports_per_site=K) builds N generated sites instead, for benchmarks.
"""
from .server import SamplePortal

__all__ = ["SamplePortal"]
