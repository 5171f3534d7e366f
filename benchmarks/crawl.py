"""Crawl speed: nianbao's archiving crawl against the same crawl with archiving off.

    .venv/bin/python benchmarks/crawl.py                           # 20 sites × 500 reports, 3 rounds
    .venv/bin/python benchmarks/crawl.py --sites 4 --reports 60 --rounds 1   # a smoke run

The sample portal (crawler/sampleportal) generates the sites: TRS, Hanweb, VSB,
gkmlpt, Jeecms and generic sites in turn, each a paginated 年报 column with
report pages, report files (PDF, DOCX, DOC, WPS) and ordinary notices. One
server on 127.0.0.1 serves them; the crawls run in their own processes, one
after the other, with politeness off (`nianbao crawl --fast`):

- bare: the same spiders with the archive taken out (no recorder, no found-reports
  pipeline, no progress line), so it requests exactly the same URLs, POSTs
  included, and throws the bodies away;
- nianbao: the crawl as it runs for real: every body hashed and stored as a
  blob, a capture row per fetch, WARC records, found reports.

The two crawls take turns, a round being one of each, because two runs of the
same crawl on this machine differ by up to 15% (mostly in garbage
collection, whose cost depends on what is in memory when it runs); the cost
is computed over all rounds together, and each round's is printed too.
Both count pages by Scrapy's own downloader/response_count. Each crawl's
resident memory is sampled every 0.2 s from /proc, so the figures show
whether memory grows with the pages fetched, not just its peak; the figure
is the crawl process and its children (the archive writer) together. CPU
time is read the same way, per process: the crawl, its archive writer, and
the sample-portal server (this benchmark's own process). The figures are
printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.sampleportal import SamplePortal  # noqa: E402

# The archiving components; the bare crawl turns them off and keeps everything else.
ARCHIVE_OFF = {"DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.Recorder": None},
               "ITEM_PIPELINES": {"crawler.pipelines.FoundReports": None},
               "EXTENSIONS": {"crawler.progress.Progress": None}}
# Politeness off goes further than --fast's 8 per host: the loopback server is the limit.
LOAD = {"CONCURRENT_REQUESTS_PER_DOMAIN": 8, "CONCURRENT_REQUESTS": 64, "NIANBAO_PARALLEL_PORTALS": 8}


def rss_mb(pid: int) -> float | None:
    """Resident memory of the process and its children (the crawl's archive writer)."""
    total, seen = 0.0, False
    for p in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
                        seen = True
        except OSError:
            pass
    return total if seen else None


def descendants(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out += [int(child), *descendants(int(child))]
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run_crawl(registry: Path, data: Path, settings: dict) -> dict:
    args = [sys.executable, "-m", "archive.cli", "crawl", "--registry", str(registry), "--data", str(data), "--fast"]
    for key, value in settings.items():
        args += ["-s", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    samples: list[tuple[float, float]] = []
    cpu: dict[int, float] = {}  # pid -> CPU seconds at its last sample
    start, server_cpu = time.perf_counter(), time.process_time()
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: dict[str, str] = {}
    readers = [threading.Thread(target=lambda k=k, s=s: out.__setitem__(k, s.read()), daemon=True)
               for k, s in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for r in readers:
        r.start()
    while proc.poll() is None:
        mb = rss_mb(proc.pid)
        if mb:
            samples.append((time.perf_counter() - start, mb))
        for pid in [proc.pid, *descendants(proc.pid)]:
            cpu[pid] = cpu_seconds(pid) or cpu.get(pid, 0.0)
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    server_cpu = time.process_time() - server_cpu  # this process serves the sample portal
    for r in readers:
        r.join()
    if proc.returncode:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{out.get('stderr', '')[-3000:]}")
    db = sqlite3.connect(data / "archive.db")
    pages = 0
    for (stats,) in db.execute("select stats from run_portals"):
        pages += int(json.loads(stats or "{}").get("downloader/response_count", 0))
    captures = db.execute("select count(*) from captures").fetchone()[0]
    db.close()
    return {"pages": pages, "captures": captures, "seconds": seconds, "samples": samples,
            "peak_mb": max((mb for _, mb in samples), default=0.0), "crawl_cpu": cpu.get(proc.pid, 0.0),
            "writer_cpu": sum(v for pid, v in cpu.items() if pid != proc.pid), "server_cpu": server_cpu}


def memory_curve(samples: list[tuple[float, float]]) -> str:
    """Resident memory at each quarter of the crawl's time (the sample nearest to it)."""
    if not samples:
        return "-"
    end = samples[-1][0]
    marks = [min(samples, key=lambda s: abs(s[0] - q * end))[1] for q in (0.25, 0.5, 0.75, 1.0)]
    return " → ".join(f"{mb:.0f}" for mb in marks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--reports", type=int, default=500, help="reports per site")
    ap.add_argument("--rounds", type=int, default=3, help="bare and nianbao crawls, in turn, this many times each")
    args = ap.parse_args()
    rounds: list[tuple[dict, dict]] = []
    with tempfile.TemporaryDirectory() as tmp, SamplePortal(Path(tmp) / "portal", sites=args.sites,
                                                            reports_per_site=args.reports) as portal:
        registry = Path(tmp) / "portals.csv"
        registry.write_text(portal.registry_csv(), encoding="utf-8")
        settings = dict(LOAD, **portal.scrapy_settings())
        print(f"nianbao crawl benchmark: {args.sites} generated sites × {args.reports} reports, "
              f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, politeness off, loopback, "
              f"{args.rounds} rounds", flush=True)
        # Warm the server's file cache (PDF/DOCX bodies are rendered on first request) with a first bare crawl.
        run_crawl(registry, Path(tmp) / "warm", dict(settings, **ARCHIVE_OFF))
        for i in range(args.rounds):
            # In turn, so that whatever else the machine does falls on both alike.
            bare = run_crawl(registry, Path(tmp) / f"bare{i}", dict(settings, **ARCHIVE_OFF))
            archived = run_crawl(registry, Path(tmp) / f"data{i}", settings)
            archived["size"] = sum(p.stat().st_size for p in (Path(tmp) / f"data{i}").rglob("*") if p.is_file())
            for folder in (f"bare{i}", f"data{i}"):
                shutil.rmtree(Path(tmp) / folder)
            rounds.append((bare, archived))
            print(f"round {i + 1}: bare {bare['pages'] / bare['seconds']:.1f} pages/s, nianbao "
                  f"{archived['pages'] / archived['seconds']:.1f} pages/s", flush=True)

    def rate(rs: list[dict]) -> float:
        return sum(r["pages"] for r in rs) / sum(r["seconds"] for r in rs)

    print(f"\n{'crawl':<22} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}  memory at ¼ ½ ¾ end (MB)")
    for i, pair in enumerate(rounds):
        for name, r in zip(("bare (archive off)", "nianbao (archiving)"), pair):
            print(f"{i + 1} {name:<20} {r['pages']:>7} {r['seconds']:>8.1f} {rate([r]):>8.1f} "
                  f"{r['peak_mb']:>8.0f}  {memory_curve(r['samples'])}")
    print(f"\n{'CPU seconds (last sample)':<26} {'crawl':>7} {'writer':>8} {'server':>8}")
    for i, pair in enumerate(rounds):
        for name, r in zip(("bare (archive off)", "nianbao (archiving)"), pair):
            print(f"{i + 1} {name:<24} {r['crawl_cpu']:>7.1f} {r['writer_cpu']:>8.1f} {r['server_cpu']:>8.1f}")
    bares, archiveds = [b for b, _ in rounds], [a for _, a in rounds]
    per_round = sorted(1 - rate([a]) / rate([b]) for b, a in rounds)
    cost = 1 - rate(archiveds) / rate(bares)
    peak = max(a["peak_mb"] for a in archiveds)
    print(f"\narchiving costs {cost:.0%} of the bare crawl's throughput, all rounds together "
          f"(rounds: {', '.join(f'{c:.0%}' for c in per_round)}; target ≤ 15%: {'met' if cost <= 0.15 else 'NOT MET'})")
    print(f"nianbao peak memory {peak:.0f} MB, crawl and writer (target ≤ 300 MB: "
          f"{'met' if peak <= 300 else 'NOT MET'}); {archiveds[-1]['captures']} capture rows, "
          f"archive {archiveds[-1]['size'] / 1e6:.0f} MB on disk")
    print("(every time includes process start-up and the run's closing summary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
