"""The archive benchmark's generator, build and Datasette measurement run on a small archive and
give figures of the right shape. Speed is printed by the benchmark, never asserted."""
from __future__ import annotations

import asyncio
import importlib.util
import sys

from .conftest import REPO


def load_benchmark():
    spec = importlib.util.spec_from_file_location("benchmark_archive", REPO / "benchmarks" / "archive.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_reports_look_like_the_parsers_and_some_checks_fail():
    bench = load_benchmark()
    bodies = bench.make_bodies(300, seed=1)
    assert sum(len(b["years"]) for b in bodies) == 300
    made = list(bench.generate(bodies, seed=1))
    reports = [r for _, r in made]
    assert len({(s.body_id, r["year"]) for s, r in made}) == 300 and len(made) > 300  # some with two sources
    modern = [r for r in reports if r["format"] == "2021"]
    assert modern and all(len(r["cells"]) == 200 for r in modern if r["table4"] is not None)
    for key in ("path", "agency", "year", "format", "table2", "table3", "table4", "checks", "error", "cells",
                "sections", "parser_version", "kind"):
        assert key in modern[0]
    failed = [c for r in reports for c in r["checks"] if c["passed"] is False]
    assert failed and len(failed) < sum(len(r["checks"]) for r in reports) / 10


def test_benchmark_quick_run(tmp_path, capsys):
    bench = load_benchmark()
    result = bench.build_archive(tmp_path / "data", 150, seed=3)
    assert result["reports"] == 150 and result["sources"] >= 150
    assert {"store parses", "bodies", "reports", "cross-year checks", "wide tables", "search"} <= set(result["steps"])
    again = bench.rebuild(tmp_path / "data")
    assert set(again) == {"bodies", "reports", "cross-year checks", "wide tables", "search"}
    figures = bench.archive_figures(tmp_path / "data" / "archive.db")
    assert figures["reports"] == 150 and figures["cells"] > 150 * 150 and figures["failed checks"] > 0

    from archive import site

    app = site.datasette_app(tmp_path / "data" / "archive.db")
    todo = bench.pages(tmp_path / "data" / "archive.db", 2, seed=3)
    assert {f"query {q}" for q in site.QUERIES} <= set(todo) and "report page" in todo
    assert {"facet reports.check_status", "facet bodies.province", "facet reports.year",
            "facet checks.passed of a check"} <= set(todo)
    rows = asyncio.run(bench.time_pages(app, todo))
    assert all(r["failed"] == 0 for r in rows), [r for r in rows if r["failed"]]
    bench.print_latency(rows)
    assert "query coverage" in capsys.readouterr().out
