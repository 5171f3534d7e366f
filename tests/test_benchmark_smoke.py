"""The parser benchmark's corpus builder and measurement run in-process on a handful of
documents and give figures of the right shape. Speed is printed by the benchmark, never asserted."""
from __future__ import annotations

import importlib.util
import sys

from .conftest import REPO


def load_benchmark():
    # benchmarks/ is not a package: load the script as a module, registered so that its
    # dataclasses and the pool's pickled worker function can find it by name.
    spec = importlib.util.spec_from_file_location("benchmark_parse", REPO / "benchmarks" / "parse.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_benchmark_quick_run(tmp_path, capsys):
    bench = load_benchmark()
    corpus = bench.build_corpus(2, out=tmp_path / "corpus")
    assert set(bench.KINDS) <= set(corpus)
    for kind in bench.KINDS:
        assert corpus[kind] and len(list((tmp_path / "corpus" / kind).iterdir())) == len(corpus[kind])

    results = bench.measure(corpus, runs=1, workers=2)
    for kind in bench.KINDS:
        row = results["kinds"][kind]
        assert row["docs"] == len(corpus[kind])
        assert row["rate_1"] > 0 and row["rate_2"] > 0
        assert row["table3_found"] <= row["docs"]
    for kind in ("html", "text"):
        assert results["kinds"][kind]["errors"] == 0, results["kinds"][kind]["problems"]
    base = results["baseline"]
    assert base["docs"] == len(corpus["pdf"])
    assert base["pdfplumber_text"] > 0 and base["pdfplumber_tables"] > 0 and base["ratio_text"] > 0
    assert {t["what"].split()[0] for t in results["targets"]} == set(bench.KINDS)
    assert results["machine"]["cpu_count"]

    bench.print_results(results, "corpus: smoke")
    out = capsys.readouterr().out
    assert all(any(line.startswith(kind + " ") for line in out.splitlines()) for kind in bench.KINDS)
    assert "ratio nianbao / pdfplumber extract_text" in out
