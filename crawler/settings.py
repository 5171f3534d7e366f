"""Scrapy settings for nianbao. Every override says why.

Per-run values (data folder, run id, job folder) are set by crawler/run.py.
"""
from parsers import PARSER_VERSION

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

CRAWLER_VERSION = PARSER_VERSION  # one version for the whole project
# Who we are and how to reach us: portal operators should be able to ask.
NIANBAO_CONTACT = "https://github.com/nianbao/nianbao (set NIANBAO_CONTACT to your address)"
USER_AGENT = f"nianbao/{CRAWLER_VERSION} (+{NIANBAO_CONTACT}; annual-report archive)"

# Obey robots.txt; every denial is recorded as a capture (robots-denied).
ROBOTSTXT_OBEY = True
# County and township portals are small servers: one request at a time per host.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_REQUESTS = 16  # many hosts at once is fine; each host still sees one at a time
# Back off when a host slows down.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 0.5  # a floor under AutoThrottle
# Retry server errors and timeouts a few times (with a growing delay, see middlewares.Backoff).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429]
# A stuck host must not hold a slot for minutes.
DOWNLOAD_TIMEOUT = 60
# No report is larger; a bigger body is refused and recorded as too-large.
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 20 * 1024 * 1024
# Redirect chains longer than this are loops (a cookie-setting 302 to itself).
REDIRECT_MAX_TIMES = 5
# Calendar pages and endless archives: never follow a chain of links deeper than this.
DEPTH_LIMIT = 12

DOWNLOADER_MIDDLEWARES = {
    # Decode gzip/deflate before recording, so blobs hold the resource itself;
    # moved above the redirect middleware so that recording sees every hop too.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 810,
    "crawler.middlewares.Recorder": 800,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.Backoff": 550,
}
SPIDER_MIDDLEWARES = {
    # Links only to allowed hosts: *.gov.cn and the registry's hosts (no spam mirrors).
    "crawler.middlewares.AllowedHosts": 500,
}
ITEM_PIPELINES = {"crawler.pipelines.FoundReports": 300}
# A line per portal every few seconds: a crawl of the whole registry runs for hours.
EXTENSIONS = {"crawler.progress.Progress": 500}
NIANBAO_PROGRESS_INTERVAL = 10.0

# The same request is fetched again in a later run; within a run, not twice.
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False  # nothing listens on this machine but what we ask for
REMOTE_CONTROL_ENABLED = False  # likewise: no control port for a scheduled crawl
