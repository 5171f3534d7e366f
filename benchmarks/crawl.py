"""Crawl speed: nianbao's archiving crawl against a bare Scrapy spider over the same pages.

    .venv/bin/python benchmarks/crawl.py                  # 20 sites × 500 reports
    .venv/bin/python benchmarks/crawl.py --sites 4 --reports 100   # a smoke run

A generated portal (one HTTP server on 127.0.0.1, one virtual host per site,
each site a TRS-style column of list pages and report pages) is crawled
twice in one run, with politeness off: once by `nianbao crawl` (blobs, capture
rows, WARC, found reports), once by a bare spider that requests the same URLs
and throws the bodies away. Each crawl runs in its own process, whose peak
memory (ru_maxrss) is reported. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PER_LIST = 20


def serve(n_sites: int, n_reports: int):
    """Site k: /nb/index.html, index_1.html … (createPageHTML), /nb/t<i>.html report pages."""
    pages = (n_reports + PER_LIST - 1) // PER_LIST
    filler = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》。" * 40

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            host = (self.headers.get("Host") or "").split(":")[0]
            site = host.split(".")[1] if host.count(".") >= 2 else "0"
            path = self.path
            if path == "/robots.txt":
                body = b"User-agent: *\n"
            elif path.startswith("/nb/index"):
                k = 0 if path == "/nb/index.html" else int(path[len("/nb/index_"):-len(".html")])
                links = "".join(f"<li><a href='/nb/t{i}.html'>某县{site}机关{2000 + i % 24}年政府信息公开工作年度报告</a></li>"
                                for i in range(k * PER_LIST, min((k + 1) * PER_LIST, n_reports)))
                body = (f"<html><head><meta charset='utf-8'></head><body><ul>{links}</ul>"
                        f"<script>createPageHTML({pages}, {k}, 'index', 'html');</script></body></html>").encode()
            elif path.startswith("/nb/t"):
                i = int(path[len("/nb/t"):-len(".html")])
                body = (f"<html><head><meta charset='utf-8'><title>某县{site}机关{2000 + i % 24}年政府信息公开工作年度报告"
                        f"</title></head><body><p>{filler}</p><p>{i}</p></body></html>").encode()
            else:
                body = b"not found"
            self.send_response(200 if body != b"not found" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, pages


BARE = textwrap.dedent("""
    import re, sys, json, resource, time
    import scrapy
    from scrapy.crawler import CrawlerProcess
    starts, hosts = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    count = {"pages": 0}

    class Bare(scrapy.Spider):
        name = "bare"
        start_urls = starts
        def parse(self, response):
            count["pages"] += 1
            for href in response.xpath("//a/@href").getall():
                yield response.follow(href, self.parse)
            m = re.search(r"createPageHTML\\((\\d+), (\\d+)", response.text)
            if m and m.group(2) == "0":
                for k in range(1, int(m.group(1))):
                    yield response.follow(f"index_{k}.html", self.parse)

    settings = {"LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
                "CONCURRENT_REQUESTS": 32, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
                "DNS_RESOLVER": "crawler.resolver.MappedResolver", "NIANBAO_HOST_MAP": hosts}
    process = CrawlerProcess(settings)
    process.crawl(Bare)
    t = time.perf_counter()
    process.start()
    print(json.dumps({"pages": count["pages"], "seconds": time.perf_counter() - t,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def run_bare(starts: list[str], hosts: dict) -> dict:
    import json

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:  # Scrapy reads the spider's source
        f.write(BARE)
    out = subprocess.run([sys.executable, f.name, json.dumps(starts), json.dumps(hosts)], capture_output=True,
                         text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    os.unlink(f.name)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_nianbao(registry: Path, data: Path, hosts: dict) -> dict:
    import json

    settings = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "CONCURRENT_REQUESTS=32",
                "-s", "DNS_RESOLVER=crawler.resolver.MappedResolver", "-s", f"NIANBAO_HOST_MAP={json.dumps(hosts)}"]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "crawl", "--registry", str(registry), "--data",
                             str(data), "--fast", *settings], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(err[-3000:])
    import sqlite3

    pages = sqlite3.connect(data / "archive.db").execute("select count(*) from captures").fetchone()[0]
    return {"pages": pages, "seconds": seconds, "rss_mb": usage.ru_maxrss / 1024}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--reports", type=int, default=500)
    args = ap.parse_args()
    server, pages = serve(args.sites, args.reports)
    port = server.server_port
    hosts = {f"www.s{k}.bench.gov.cn": "127.0.0.1" for k in range(args.sites)}
    starts = [f"http://{h}:{port}/nb/index.html" for h in hosts]
    total = args.sites * (args.reports + pages + 1)
    print(f"nianbao crawl benchmark: {args.sites} sites × {args.reports} reports ({total} pages with lists and "
          f"robots.txt), Python {sys.version.split()[0]}, {os.cpu_count()} cores; politeness off")
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "portals.csv"
        rows = ["id,body,level,province,platform,start_urls,report_urls,hosts,tls_profile,ip_version,proxy_country,notes"]
        rows += [f"s{k},某县{k}机关,county,四川,trs,{u},,,,,," for k, u in enumerate(starts)]
        registry.write_text("\n".join(rows) + "\n", encoding="utf-8")
        bare = run_bare(starts, hosts)
        archived = run_nianbao(registry, Path(tmp) / "data", hosts)
        size = sum(p.stat().st_size for p in (Path(tmp) / "data").rglob("*") if p.is_file())
    server.shutdown()
    b_rate, n_rate = bare["pages"] / bare["seconds"], archived["pages"] / archived["seconds"]
    print(f"\n{'crawl':<22} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}")
    print(f"{'bare Scrapy spider':<22} {bare['pages']:>7} {bare['seconds']:>8.1f} {b_rate:>8.1f} {bare['rss_mb']:>8.0f}")
    print(f"{'nianbao (archiving)':<22} {archived['pages']:>7} {archived['seconds']:>8.1f} {n_rate:>8.1f} "
          f"{archived['rss_mb']:>8.0f}")
    cost = 1 - n_rate / b_rate
    print(f"\narchiving costs {cost:.0%} of the bare spider's throughput (target ≤ 15%: "
          f"{'met' if cost <= 0.15 else 'NOT MET'}); nianbao peak memory {archived['rss_mb']:.0f} MB "
          f"(target ≤ 300 MB: {'met' if archived['rss_mb'] <= 300 else 'NOT MET'}); archive {size / 1e6:.0f} MB on disk")
    print("(nianbao's time includes process start-up and the run's closing summary; the bare spider's does not)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
