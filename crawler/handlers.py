"""Download handler: Scrapy's HTTP/1.1 handler, noting when the request really leaves.

Scrapy's request_reached_downloader signal fires when a request joins its
host's queue, before DOWNLOAD_DELAY and AutoThrottle have let it go; a
capture's fetched_at and duration_ms must not include that wait, so the
handler stamps the moment it starts the transfer into the recorder's state.
"""
from __future__ import annotations

import time

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class TimedHTTP11DownloadHandler(HTTP11DownloadHandler):
    async def download_request(self, request):
        state = request.meta.get("_nianbao")
        if state is not None:
            state["sent"] = time.time()
        return await super().download_request(request)
