"""Parser speed: reports per second per core for each file kind, and the PDF
path against a plain pdfplumber extraction of the same files, in one run.

    .venv/bin/python benchmarks/parse.py            # the full corpus (≥ 200 documents)
    .venv/bin/python benchmarks/parse.py --quick    # a smoke run
    .venv/bin/python benchmarks/parse.py --doc --scan   # also DOC (LibreOffice) and scans (OCR)

The corpus is generated: the fixture generators (tests/fixtures/make_*.py)
render the form with figures varied per document, so every document is
distinct and parses to known numbers. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import copy
import io
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "fixtures")]

TARGETS = {"html": 100, "text": 100, "pdf": 10, "docx": 50}
PDF_BASELINE_RATIO = 5


def varied(truth: dict, rng: random.Random) -> dict:
    """The same report with other figures (each row's total kept consistent)."""
    t = copy.deepcopy(truth)
    for row in t["table3"].values():
        cols = [k for k in row if k != "total"]
        for k in cols:
            row[k] = rng.randint(0, 40)
        row["total"] = sum(row[k] for k in cols)
    for block in t["table4"].values():
        for k in ("upheld", "corrected", "other", "pending"):
            block[k] = rng.randint(0, 5)
        block["total"] = sum(block[k] for k in ("upheld", "corrected", "other", "pending"))
    for row in t["table2"].values():
        for k in row:
            row[k] = rng.randint(0, 300)
    return t


def build_corpus(n_per_kind: int, with_doc: bool = False, with_scan: bool = False) -> dict[str, list[bytes]]:
    import make_docx
    import make_html_text
    import make_pdf
    from form import truth

    rng = random.Random(2024)
    base = truth()
    corpus: dict[str, list[bytes]] = {"html": [], "text": [], "pdf": [], "docx": []}
    for i in range(n_per_kind):
        t = varied(base, rng)
        corpus["html"].append(make_html_text.html_page(t).encode("gb18030"))
        layout = (make_html_text.markdown, make_html_text.layout_text, make_html_text.tab_text_variant)[i % 3]
        corpus["text"].append(layout(t).encode("utf-8"))
        # Most office suites embed their fonts; one PDF in four relies on a
        # reader's CJK font instead (pdfium then spends ~12 ms a page finding one).
        corpus["pdf"].append(make_pdf.render(t, "平武县人民政府办公室", 2023, ruled=(i % 3 != 2), filler=i % 10,
                                             embed=(i % 4 != 3)))
        corpus["docx"].append(make_docx.report(t, "平武县人民政府办公室", 2023, nested=(i % 5 == 4)))
    dev = REPO.parent / "shared" / "corpus" / "dev" / "docs"
    if dev.is_dir():  # real documents read in place, never copied
        corpus["pdf"] += [p.read_bytes() for p in dev.glob("*.pdf")]
        corpus["html"] += [p.read_bytes() for p in dev.glob("*.html")]
        corpus["text"] += [p.read_bytes() for p in dev.glob("*.txt")]
    if with_doc:
        corpus["doc"] = [make_docx.to_doc(d) for d in corpus["docx"][:3]]
    if with_scan:
        scans = REPO / "tests" / "fixtures" / "parse"
        corpus["scan"] = [(scans / "scan-pdf-pingwu" / "input.pdf").read_bytes()]
    return corpus


def parse_all(docs: list[bytes]) -> tuple[int, int]:
    from parsers import parse_bytes

    errors = table3 = 0
    for data in docs:
        report = parse_bytes(data)
        errors += bool(report["error"])
        table3 += report["table3"] is not None
    return errors, table3


def pdfplumber_text(docs: list[bytes]) -> None:
    import pdfplumber

    for data in docs:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            [page.extract_text() for page in pdf.pages]


def pdfplumber_tables(docs: list[bytes]) -> None:
    import pdfplumber

    for data in docs:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            [page.extract_tables() for page in pdf.pages]


def rate(fn, docs: list[bytes], runs: int) -> float:
    """Documents per second, the median of `runs` timed passes after a warm-up."""
    fn(docs[:2])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(docs)
        times.append(time.perf_counter() - start)
    return len(docs) / statistics.median(times)


def _worker(docs: list[bytes]) -> int:
    parse_all(docs)
    return len(docs)


def rate_parallel(docs: list[bytes], workers: int) -> float:
    chunks = [docs[i::workers] for i in range(workers)]
    with mp.get_context("fork").Pool(workers) as pool:
        pool.map(_worker, [c[:2] for c in chunks])  # warm each worker
        start = time.perf_counter()
        pool.map(_worker, chunks)
        return len(docs) / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few documents and one timed pass")
    ap.add_argument("--doc", action="store_true", help="also DOC through LibreOffice (slow)")
    ap.add_argument("--scan", action="store_true", help="also a scanned PDF through OCR (slow)")
    args = ap.parse_args()
    n, runs = (4, 1) if args.quick else (50, 3)

    print(f"nianbao parser benchmark: Python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    start = time.perf_counter()
    corpus = build_corpus(n, args.doc, args.scan)
    total = sum(len(v) for v in corpus.values())
    print(f"corpus: {total} documents ({', '.join(f'{k} {len(v)}' for k, v in corpus.items())}), "
          f"built in {time.perf_counter() - start:.1f} s\n")

    print(f"{'kind':<6} {'docs':>5} {'errors':>6} {'table3':>6} {'1 core/s':>9} {'2 procs/s':>10} {'target':>8}")
    results = {}
    for kind, docs in corpus.items():
        errors, table3 = parse_all(docs)
        single = rate(parse_all, docs, runs if kind not in ("doc", "scan") else 1)
        double = rate_parallel(docs, 2) if kind not in ("doc", "scan") and not args.quick else float("nan")
        target = TARGETS.get(kind)
        mark = "" if target is None else ("met" if single >= target else "NOT MET") + f" ≥{target}"
        results[kind] = single
        print(f"{kind:<6} {len(docs):>5} {errors:>6} {table3:>6} {single:>9.1f} {double:>10.1f} {mark:>8}")

    pdfs = corpus["pdf"]
    plumber = rate(pdfplumber_text, pdfs, runs)
    plumber_tables = rate(pdfplumber_tables, pdfs, 1)
    ratio = results["pdf"] / plumber
    print(f"\nsame {len(pdfs)} PDFs: nianbao {results['pdf']:.1f}/s (full parse), "
          f"pdfplumber extract_text {plumber:.1f}/s, pdfplumber extract_tables {plumber_tables:.1f}/s")
    print(f"ratio nianbao / pdfplumber extract_text: {ratio:.1f}x "
          f"({'met' if ratio >= PDF_BASELINE_RATIO else 'NOT MET'} ≥{PDF_BASELINE_RATIO}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
