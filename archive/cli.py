"""The `nianbao` command: one subcommand per job.

    nianbao parse FILE...      report JSON, one line per file (see the parse contract)
    nianbao demo               crawl the sample portal, build the archive, serve it
    nianbao portals            list, filter and validate the portal registry
    nianbao crawl              crawl the registry's portals into the archive
    nianbao build              parse what was crawled into the archive's report tables
    nianbao serve              Datasette on the archive, read-only
    nianbao export OUT         a versioned release for researchers (SQLite, CSV, Parquet, data dictionary)
"""
from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path



@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in this (main) thread after `seconds`; 0 = no limit.
    Yields a dict whose "expired" says whether the limit struck, since a C
    extension (onnxruntime) may wrap the TimeoutError in its own error."""
    state = {"expired": False}
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield state
        return

    def expire(signum, frame):
        state["expired"] = True
        raise TimeoutError(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield state
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cmd_parse(args: argparse.Namespace) -> int:
    from parsers import parse_file
    from parsers.report import empty

    if args.summary:
        return print_summaries(args.files)
    for path in args.files:
        limit = {"expired": False}
        try:
            with time_limit(args.timeout) as limit:
                report = parse_file(path)
        except TimeoutError as e:
            report = empty(path, f"parse stopped: {e}")
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the batch
            report = empty(path, f"parser failure: {type(e).__name__}: {e}")
            print(f"nianbao parse: {path}: {type(e).__name__}: {e}", file=sys.stderr)
        if limit["expired"] and not (report.get("error") or "").startswith("parse stopped"):
            report = empty(path, f"parse stopped: took longer than {args.timeout:g} s")
        if args.brief:
            for key in ("cells", "sections"):
                report.pop(key, None)
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for root in map(Path, paths):
        if root.is_dir():
            files += sorted(p for p in root.rglob("*") if p.is_file() and p.name != "expected.json")
        elif root.is_file():
            files.append(root)
    return files


def summary_line(report: dict, name: str) -> str:
    tables = "".join(("2" if report.get("table2") else "-", "3" if report.get("table3") else "-",
                      "4" if report.get("table4") else "-"))
    if report.get("error"):
        return f"{name:<44} error: {report['error']}"
    passed = sum(1 for c in report["checks"] if c["passed"] is True)
    failed = [c["id"] for c in report["checks"] if c["passed"] is False]
    agency = report.get("agency") or "?"
    line = (f"{name:<44} {report.get('kind', '?'):<5} {report.get('year') or '?':<5} {report['format']:<7} "
            f"tables {tables}  checks {passed} ok, {len(failed)} failed  {agency}")
    if failed:
        line += "\n" + " " * 46 + "failed: " + ", ".join(failed[:6]) + (" …" if len(failed) > 6 else "")
    return line


def print_summaries(paths: list[str]) -> int:
    from parsers import parse_file

    files = expand(paths)
    counts = {"parsed": 0, "error": 0}
    for path in files:
        report = parse_file(str(path))
        counts["error" if report.get("error") else "parsed"] += 1
        print(summary_line(report, path.parent.name if path.name.startswith("input.") else path.name))
    print(f"\n{counts['parsed']} parsed, {counts['error']} with an error line.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Start the sample portal, crawl it, build the archive, print what was found, serve it."""
    from archive.build import build
    from crawler import registry
    from crawler.run import crawl
    from crawler.sampleportal import SamplePortal

    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    with SamplePortal(slow_seconds=1.0) as portal:
        reg_path = data / "sample-portals.csv"
        reg_path.write_text(portal.registry_csv(), encoding="utf-8")
        portals = registry.load(reg_path).portals
        print(f"Sample portal on 127.0.0.1:{portal.port}: {len(portals)} sites "
              f"({', '.join(p.platform for p in portals)}). Crawling into {data} …", flush=True)
        overrides = dict(FAST, DOWNLOAD_MAXSIZE=20 * 1024 * 1024, **portal.scrapy_settings())
        result = crawl(portals, data, None, overrides)
    print(f"\n{'portal':<16} {'reports':>7} {'new':>5} {'changed':>7} {'unchanged':>9} {'gone':>5} {'blocked':>7} "
          f"{'failed':>6} {'offsite':>7}")
    for pid, c in result["portals"].items():
        print(f"{pid:<16} {c['found']:>7} {c['new']:>5} {c['changed']:>7} {c['unchanged']:>9} {c['gone']:>5} "
              f"{c['blocked']:>7} {c['failed']:>6} {c['offsite']:>7}")
    stats = build(data, registry_path=str(reg_path))
    print(f"\nBuilt the archive: {stats['parsed']} files parsed ({stats['errors']} with an error), "
          f"{stats['reports']} reports.")
    import sqlite_utils

    db = sqlite_utils.Database(data / "archive.db")
    for r in db.query("select b.name, r.year, r.format, (select count(*) from report_sources s where s.report_id = r.id) "
                      "as sources, (select count(*) from checks c where c.report_id = r.id and c.passed = 0) as failed "
                      "from reports r join bodies b on b.id = r.body_id order by b.name, r.year"):
        print(f"  {r['name']} {r['year']}  form {r['format']}  {r['sources']} source(s)  {r['failed']} failed checks")
    if args.no_serve:
        return 0
    return cmd_serve(argparse.Namespace(data=str(data), host=args.host, port=args.port))


def cmd_portals(args: argparse.Namespace) -> int:
    from crawler import registry

    reg = registry.load(args.registry)
    chosen = reg.select(province=args.province, level=args.level, platform=args.platform, ids=args.site)
    if args.validate:
        for problem in reg.problems:
            print(problem)
        print(f"{len(reg.portals)} valid portals, {len(reg.problems)} problems")
        return 1 if reg.problems else 0
    if args.csv:
        sys.stdout.write(registry.dump(chosen))
    else:
        for p in chosen:
            print(f"{p.id:<28} {p.platform:<8} {p.level:<10} {p.province:<4} {p.body}")
        print(f"{len(chosen)} of {len(reg.portals)} portals")
    for problem in reg.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


FAST = {  # politeness off: only for the sample portal and benchmarks on this machine
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "NIANBAO_RETRY_BACKOFF": 0, "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": "WARNING",
}


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler import registry
    from crawler.run import crawl, setting_value

    reg = registry.load(args.registry)
    for problem in reg.problems:
        print(f"warning: {problem}", file=sys.stderr)
    portals = reg.select(province=args.province, level=args.level, platform=args.platform, ids=args.site)
    if not portals:
        print("nianbao crawl: no portal matches the selection", file=sys.stderr)
        return 1
    overrides = dict(FAST) if args.fast else {}
    for item in args.setting or []:
        key, _, value = item.partition("=")
        overrides[key.strip()] = setting_value(value.strip())
    if args.contact:
        overrides["NIANBAO_CONTACT"] = args.contact
    data = Path(args.data)
    print(f"Crawling {len(portals)} portals into {data} …", flush=True)
    result = crawl(portals, data, Path(args.job) if args.job else None, overrides)
    print(f"\nrun {result['run_id']} {result['status']}{' (resumed)' if result['resumed'] else ''}")
    print(f"{'portal':<28} {'reports':>7} {'new':>5} {'changed':>7} {'unchanged':>9} {'gone':>5} {'blocked':>7} "
          f"{'failed':>6} {'offsite':>7}")
    for pid, c in result["portals"].items():
        print(f"{pid:<28} {c['found']:>7} {c['new']:>5} {c['changed']:>7} {c['unchanged']:>9} {c['gone']:>5} "
              f"{c['blocked']:>7} {c['failed']:>6} {c['offsite']:>7}")
    return 0 if result["status"] == "finished" else 2


def cmd_build(args: argparse.Namespace) -> int:
    from archive.build import build

    stats = build(Path(args.data), registry_path=args.registry)
    print(", ".join(f"{k} {v}" for k, v in stats.items()))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archive.export import export

    release = export(Path(args.data), Path(args.out))
    print(f"Release written to {release}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import subprocess

    from archive import site

    db = Path(args.data) / "archive.db"
    if not db.is_file():
        print(f"nianbao serve: no archive at {db}; crawl and build first", file=sys.stderr)
        return 1
    cmd = site.serve_command(db, port=args.port, host=args.host)
    print(f"Serving {db} read-only at http://{args.host}:{args.port}/", flush=True)
    return subprocess.call(cmd)


def add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", metavar="FILE", help="a registry CSV in the built-in format (default: built-in)")
    p.add_argument("--province", help="only portals of this province, e.g. 云南")
    p.add_argument("--level", help="province, city, county, township or department")
    p.add_argument("--platform", help="trs, hanweb, vsb, gkmlpt, jeecms or generic")
    p.add_argument("--site", action="append", metavar="ID", help="only this portal id (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="nianbao", description="Harvest, parse and archive 政府信息公开工作年度报告.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report files and print one JSON line per file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--timeout", type=float, default=300, metavar="SECONDS",
                   help="give up on one file after this long and print its error line (default 300; 0 = none)")
    p.add_argument("--summary", action="store_true", help="one readable line per file instead of JSON "
                                                          "(files or folders)")
    p.add_argument("--brief", action="store_true",
                   help="leave out `cells` (every cell's raw text, kind and source) and `sections`")
    p.set_defaults(func=cmd_parse)
    d = sub.add_parser("demo", help="crawl the sample portal, build the archive and serve it")
    d.add_argument("--data", default="data/demo", metavar="DIR", help="where the demo archive goes (default data/demo)")
    d.add_argument("--no-serve", action="store_true", help="stop after building (do not start Datasette)")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8001)
    d.set_defaults(func=cmd_demo)
    r = sub.add_parser("portals", help="list, filter and validate the portal registry")
    add_selection(r)
    r.add_argument("--validate", action="store_true", help="report every broken row; exit 1 if any")
    r.add_argument("--csv", action="store_true", help="print the selection as registry CSV")
    r.set_defaults(func=cmd_portals)
    c = sub.add_parser("crawl", help="crawl the registry's portals into the archive")
    add_selection(c)
    c.add_argument("--data", default="data", metavar="DIR", help="folder holding archive.db, blobs and WARC (default ./data)")
    c.add_argument("--job", metavar="DIR", help="job folder: makes the crawl resumable after a kill")
    c.add_argument("--contact", help="contact URL or e-mail for the User-Agent")
    c.add_argument("--fast", action="store_true", help="politeness off (for local test sites and benchmarks only)")
    c.add_argument("--setting", "-s", action="append", metavar="NAME=VALUE", help="a Scrapy setting for this crawl; VALUE is read as JSON when it parses, else as text")
    c.set_defaults(func=cmd_crawl)
    b = sub.add_parser("build", help="parse every stored report file not yet parsed by this parser version")
    b.add_argument("--data", default="data", metavar="DIR")
    b.add_argument("--registry", metavar="FILE", help="registry the crawl used (for body names, levels, provinces)")
    b.set_defaults(func=cmd_build)
    e = sub.add_parser("export", help="write a versioned release of the archive for researchers")
    e.add_argument("out", metavar="OUT", help="folder to write the release into")
    e.add_argument("--data", default="data", metavar="DIR")
    e.set_defaults(func=cmd_export)
    sv = sub.add_parser("serve", help="serve the archive with Datasette, read-only")
    sv.add_argument("--data", default="data", metavar="DIR", help="folder holding archive.db and blobs (default ./data)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8001)
    sv.set_defaults(func=cmd_serve)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
