"""The `nianbao` command: one subcommand per job.

    nianbao parse FILE...      report JSON, one line per file (see the parse contract)
"""
from __future__ import annotations

import argparse
import json
import sys


def cmd_parse(args: argparse.Namespace) -> int:
    from parsers import parse_file
    from parsers.report import empty

    for path in args.files:
        try:
            report = parse_file(path)
        except Exception as e:  # noqa: BLE001 - one bad file must not stop the batch
            report = empty(path, f"parser failure: {type(e).__name__}: {e}")
            print(f"nianbao parse: {path}: {type(e).__name__}: {e}", file=sys.stderr)
        if not args.full:
            for key in ("cells", "sections"):
                report.pop(key, None)
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="nianbao", description="Harvest, parse and archive 政府信息公开工作年度报告.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report files and print one JSON line per file")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--full", action="store_true",
                   help="also print every cell (raw text, kind, source location) and the report's sections")
    p.set_defaults(func=cmd_parse)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
