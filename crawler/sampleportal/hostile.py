"""Hostile cases, linked from the generic site's first list page so that a crawl meets them.

On www.generic-sample.gov.cn:
  /challenge/412.html   412 with an inline $_ts script (瑞数 / RiverSecurity)
  /challenge/521.html   521 with <script>document.cookie=…</script> (加速乐 / JSL)
  /loop/cookie          302 to itself setting a cookie, forever (a WAF cookie loop)
  /loop/a, /loop/b      302 A -> B -> A
  /calendar?month=…     an endless calendar: each month links the next (the last list page's 下一页 leads in)
  /files/big.pdf        a 50 MB PDF, generated while streaming
  /private/2020.html    a report under a path robots.txt disallows
  /xxgk/zfxxgknb/       last year's column path: 301 to /zwgk/xxgknb/
  /zwgk/xxgknb/2023n/   last year's year folder: 404
Other hosts:
  www.gov-cn-mirror.com   a spam mirror: a copy of a real report with casino text, same path
  www.slow-sample.gov.cn  answers every request after a delay (slow_seconds)
"""
from __future__ import annotations

import datetime as dt

from .base import Doc, Req, Resp, Site, esc, h, report

BIG = 50 * 1024 * 1024
MIRROR = "www.gov-cn-mirror.com"
SLOW = "www.slow-sample.gov.cn"
SPAM = ("澳门新葡京", "皇冠体育官网", "永利娱乐场", "真人百家乐", "bet365体育在线")

RUISHU = ("<!DOCTYPE html><html><head><meta http-equiv='Content-Type' content='text/html; charset=utf-8'>"
          "<meta http-equiv='Pragma' content='no-cache'><meta http-equiv='Expires' content='0'>"
          "<meta id='9DhefwqGPrzGxEp9hPaoag' content='{blob}' r='m'>"
          "<script type='text/javascript' r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd=57129;"
          "$_ts.cd=\"{cd}\";if($_ts.lcd)$_ts.lcd();</script>"
          "<script type='text/javascript' charset='utf-8' src='/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js' r='m'></script>"
          "</head><body></body></html>")
JSL = ("<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')+('c')"
       "+('e')+('_')+('s')+('=')+(+!+[]+'')+(2+5+'')+(-~[]+'')+('.')+(3+4+'')+('|')+('0')+('|')+('r3Y')"
       "+('%')+(2+'')+('F')+('x')+('q')+';max-age=3600;path=/';location.href=location.pathname+location.search"
       "</script>")


def mount(site: Site, mirror: "MirrorSite", slow: "SlowSite", big_bytes: int = BIG) -> None:
    """Put the hostile paths on `site` (a GenericSite) and its first list page."""
    blob = "".join("0123456789abcdefABCDEF"[h(k, "ts") % 22] for k in range(600))
    cd = "".join("qrstuvwxyzABCDEFGHIJ._"[h(k, "cd") % 22] for k in range(900))
    site.add("/challenge/412.html", lambda req: Resp(412, RUISHU.format(blob=blob, cd=cd).encode(), headers={
        "Set-Cookie": "NfBCSins2OywO=60Fkh.jA2Gb2E1vNp3mWbfgFQXMeLpXI; Path=/; HttpOnly"}))
    site.add("/challenge/521.html", lambda req: Resp(521, JSL.encode(), headers={
        "Set-Cookie": "__jsluid_s=3d8c2f1b0a9e7d6c5b4a39281706f5e4; max-age=31536000; path=/; HttpOnly"}))
    site.add("/loop/cookie", lambda req: Resp(302, b"", "text/html", headers={
        "Location": "/loop/cookie", "Set-Cookie": "CT6T=312900; Path=/; HttpOnly"}))
    site.add("/loop/a", lambda req: Resp(302, b"", "text/html", headers={"Location": "/loop/b"}))
    site.add("/loop/b", lambda req: Resp(302, b"", "text/html", headers={"Location": "/loop/a"}))
    site.add_prefix("/calendar", calendar)
    site.add("/files/big.pdf", lambda req: big_file(big_bytes))
    private = report(90, site.body, 2020, day=12)
    private.title += "（内部）"
    private.path = "/private/2020.html"
    site.page(private.path, lambda req: site.detail(private), private.date)
    site.add("/xxgk/zfxxgknb/", lambda req: Resp(301, b"", "text/html", headers={
        "Location": f"http://{site.host}:{req.port}/zwgk/xxgknb/"}))
    site.add("/zwgk/xxgknb/2023n/", lambda req: Resp(404, "<html><body><h1>404</h1>栏目已调整</body></html>".encode()))
    site.start_paths += ["/xxgk/zfxxgknb/", "/zwgk/xxgknb/2023n/"]
    site.extra_hosts.append(SLOW)
    site.after_last = "/calendar?month=2024-01"
    copied = next(d for d in site.docs if d.is_report and not d.as_file)
    mirror.copy(site, copied)
    title = lambda year: f"{site.body}{year}年政府信息公开工作年度报告"  # noqa: E731
    site.first_page_extra = lambda req: [
        (private.path, private.title),
        (f"http://{MIRROR}:{req.port}{copied.path}", copied.title),
        ("/challenge/412.html", title(2019)),
        ("/challenge/521.html", title(2018)),
        ("/loop/cookie", title(2017)),
        ("/loop/a", title(2016)),
        ("/files/big.pdf", title(2015) + "（扫描件）"),
        (f"http://{SLOW}:{req.port}{slow.report.path}", slow.report.title),
    ]


def calendar(req: Req) -> Resp | None:
    if req.path != "/calendar":
        return None
    try:
        y, m = (int(x) for x in req.param("month", "2024-01").split("-")[:2])
        first = dt.date(y, m, 1)
    except ValueError:
        first = dt.date(2024, 1, 1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    prev = (first - dt.timedelta(days=1)).replace(day=1)
    page = (f"<html><head><meta charset='utf-8'><title>活动日历 {first:%Y年%m月}</title></head><body>"
            f"<div class='calendar'><a href='/calendar?month={prev:%Y-%m}'>上一页</a> {first:%Y年%m月} "
            f"<a href='/calendar?month={nxt:%Y-%m}'>下一页</a></div><p>本月无活动安排。</p></body></html>")
    return Resp(body=page.encode())


def big_file(size: int) -> Resp:
    def write(out) -> None:
        chunk = b"0" * (1024 * 1024)
        head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        out.write(head)
        left = size - len(head)
        while left > 0:
            out.write(chunk[:left])
            left -= len(chunk)
    return Resp(ctype="application/pdf", length=size, stream=write)


class MirrorSite(Site):
    """A spam host that copied a government report (same path, same text, casino phrases injected)."""

    def __init__(self, **kw):
        super().__init__(MIRROR, "gov-cn-mirror", "政府信息公开网", level="county", **kw)
        self.listed = False
        self.page("/", lambda req: self.homepage([("/", "首页")], "".join(f"<p>{s}</p>" for s in SPAM)), None)

    def copy(self, source: Site, d: Doc) -> None:
        def render(req: Req) -> str:
            page = source.detail(d)
            spam = "".join(f"<a href='http://www.{k}-bet.com/'>{s}</a> " for k, s in enumerate(SPAM))
            return page.replace("<body>", f"<body><div style='display:none'>{spam}</div>", 1).replace(
                "</body>", f"<div class='ad'>{SPAM[0]}：{SPAM[1]}，{SPAM[3]}</div></body>", 1)
        self.page(d.path, render, d.date)


class SlowSite(Site):
    """A host that answers after a delay: one report, hosted on a parent's server."""

    def __init__(self, delay: float, publisher: str = "某乡人民政府", **kw):
        super().__init__(SLOW, "slow-sample", publisher, level="township", **kw)
        self.listed = False
        self.delay = delay
        self.report = report(91, publisher, 2014, day=10, month=2)
        self.report.path = "/xxgk/2014nb.html"
        self.page(self.report.path, lambda req: self.plain(self.report), self.report.date)
        self.page("/", lambda req: self.homepage([("/", "首页")]), None)

    def plain(self, d: Doc) -> str:
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(d.title)}</title></head><body>"
                f"<h1>{esc(d.title)}</h1><div id='content'>{self.report_body(d)}</div></body></html>")
