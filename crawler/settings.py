"""Scrapy settings for nianbao. Every override says why.

Per-run values (NIANBAO_DATA, NIANBAO_RUN_ID, the User-Agent built from
NIANBAO_CONTACT) are set by crawler/run.py; anything here can be overridden
there (`nianbao crawl -s NAME=VALUE`).
"""
import os

import scrapy

from parsers import PARSER_VERSION

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- who we are -------------------------------------------------------------------------------
# One version for the whole project, with Scrapy's, written into every capture row.
CRAWLER_VERSION = f"{PARSER_VERSION} scrapy/{scrapy.__version__}"
# How portal operators reach whoever runs the crawl (a URL or an e-mail address).
# Empty means none was given: the User-Agent says so and the runner warns.
NIANBAO_CONTACT = os.environ.get("NIANBAO_CONTACT", "")
# Honest and specific, never a browser's: run.user_agent() rebuilds it with the contact.
USER_AGENT = f"nianbao/{PARSER_VERSION} (annual-report archive)"

# -- where things go --------------------------------------------------------------------------
NIANBAO_DATA = "data"      # archive.db, blobs/, warc/ (run.py sets it per crawl)
NIANBAO_RUN_ID = None      # set by run.py; a bare `scrapy crawl` makes one up
NIANBAO_PARALLEL_PORTALS = 8  # portals (one crawler each) crawled at once by run.py
# Capture rows are committed in batches (archive/captures.py): readers of the
# archive see a fetch at most this many seconds after it; a kill loses at most
# this much, which a resumed run fetches again.
NIANBAO_COMMIT_SECONDS = 0.5

# -- politeness -------------------------------------------------------------------------------
# Obey robots.txt; every denial is recorded as a capture (robots-denied).
ROBOTSTXT_OBEY = True
# County and township portals are small servers: one request at a time per host.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Many hosts at once is fine: each still sees one request at a time.
CONCURRENT_REQUESTS = 16
# Follow the server's pace: AutoThrottle widens the gap when answers slow down,
# and never narrows it on error answers.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0     # Scrapy's 5 s would make a 200-page column take 17 minutes
AUTOTHROTTLE_MAX_DELAY = 30.0      # a struggling host gets one request every 30 s at worst
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # matches CONCURRENT_REQUESTS_PER_DOMAIN
# A floor under AutoThrottle (randomised ×0.5–1.5). Keep it above 0: with no delay
# Scrapy 2.19 starts all of a host's queued requests at once when one finishes,
# and CONCURRENT_REQUESTS_PER_DOMAIN = 1 no longer holds.
DOWNLOAD_DELAY = 0.5
# Retry server errors and timeouts twice, after growing pauses: Scrapy 2.x has no
# backoff, so crawler.middlewares.Backoff (a RetryMiddleware subclass) waits
# NIANBAO_RETRY_BACKOFF × 2^(attempt-1) s (or the server's Retry-After) first.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # Scrapy's list; 412/521 challenges are not retried
NIANBAO_RETRY_BACKOFF = 2.0
NIANBAO_RETRY_BACKOFF_MAX = 120.0
# A stuck host must not hold its slot for Scrapy's 3 minutes; slow county servers
# still answer a multi-megabyte PDF within a minute.
DOWNLOAD_TIMEOUT = 60
# No report is larger than this (scanned PDFs reach tens of MB); a bigger body is
# cut off and recorded as too-large instead of filling memory (Scrapy's default is 1 GiB).
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024  # log a warning for files this big (default 32 MiB)
# Longer redirect chains are loops; cookie-setting loops are caught earlier (blocked).
REDIRECT_MAX_TIMES = 5
# Calendar pages and endless archives: never follow a chain of links deeper than this.
DEPTH_LIMIT = 12
# -- network ------------------------------------------------------------------------------------
# Scrapy's default resolver speaks IPv4 only; this one also does IPv6 and connects
# a registry host with an ip_version over that family alone (crawler/resolver.py).
# It has no DNS timeout of its own: a lookup that hangs ends with DOWNLOAD_TIMEOUT.
TWISTED_DNS_RESOLVER = "crawler.resolver.MappedHostnameResolver"
NIANBAO_HOST_MAP: dict = {}      # names answered without DNS (the sample portal's hosts)
NIANBAO_IP_VERSIONS: dict = {}   # host -> "4" | "6"; run.py adds the registry's ip_version
# Proxies by country for portals with a proxy_country (crawler/network.py); the
# environment's NIANBAO_PROXY_<CC> variables work too. None by default.
NIANBAO_PROXIES: dict = {}
# Extra hosts links may lead to, besides *.gov.cn and the registry's (Portal.allowed_hosts).
NIANBAO_ALLOWED_HOSTS: list[str] = []
NIANBAO_ALLOWED_SUFFIXES = [".gov.cn"]

# -- components -------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # Our host policy (*.gov.cn + registry hosts) replaces Scrapy's allowed_domains
    # check; as a downloader middleware it also stops redirects to spam mirrors.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.AllowedHosts": 50,
    # Retries with backoff replace Scrapy's immediate retries.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.Backoff": 550,
    # A portal's proxy (registry proxy_country) goes into meta before Scrapy's
    # HttpProxyMiddleware (750) reads it.
    "crawler.network.PortalProxy": 740,
    # Next to the downloader, below HttpCompression (590) and Redirect (600): the
    # recorder sees every attempt and every redirect hop, with the body as transferred.
    "crawler.middlewares.Recorder": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.FoundReports": 300}
# A line per portal every few seconds: a crawl of the whole registry runs for hours.
EXTENSIONS = {"crawler.progress.Progress": 500}
NIANBAO_PROGRESS_INTERVAL = 10.0
# Scrapy's HTTP/1.1 handler, noting when a request actually leaves (after the
# politeness delay) so that fetched_at and duration_ms measure the fetch alone.
DOWNLOAD_HANDLERS = {"http": "crawler.handlers.TimedHTTP11DownloadHandler",
                     "https": "crawler.handlers.TimedHTTP11DownloadHandler"}

# -- machinery --------------------------------------------------------------------------------
# REQUEST_FINGERPRINTER_IMPLEMENTATION is gone from Scrapy 2.13+: the one
# fingerprinter (method, canonical URL, body) is what capture keys use.
# JOBDIR is not used: crawler/run.py resumes from the capture table instead,
# because Scrapy writes its queue state only on a clean shutdown.
# Scrapy's default reactor, named so that an upgrade cannot change it under us:
# asyncio, which Backoff's pauses and the async middlewares run on.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"  # Chinese titles readable in any feed export
LOG_LEVEL = "INFO"  # Scrapy's DEBUG logs every request; the captures table already does
TELNETCONSOLE_ENABLED = False  # nothing listens on this machine but what we ask for
REMOTE_CONTROL_ENABLED = False  # likewise: no control port for a scheduled crawl
