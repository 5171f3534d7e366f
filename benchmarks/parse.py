"""Parser speed: reports per second per core for each file kind, with a plain
pdfplumber extraction of the same PDFs measured in the same run as the baseline.

    .venv/bin/python benchmarks/parse.py            # ≥ 200 documents, median of 3 passes
    .venv/bin/python benchmarks/parse.py --quick    # a handful of documents, one pass (smoke run)
    .venv/bin/python benchmarks/parse.py --out DIR  # where the corpus and results.json go

The corpus is built from the project's parser fixtures and the dev corpus
(../shared/corpus/dev, read in place): HTML and text sources are rewritten
with other figures in their table cells and another agency name (structure
kept), PDFs are rendered with the fixture generator (tests/fixtures/make_pdf.py)
from varied figures, DOCX files are the fixture DOCX with their cell figures
rewritten, and the real 淮安市 2024 PDF joins as it is. DOC (LibreOffice, slow)
is measured separately when soffice exists and is not part of the targets.

Timing excludes imports and model loads: every figure is taken after a warm-up
pass over the same documents. The warm-up pass is also the correctness check:
each kind's error lines, table 3 found (against what the sources print) and
agency names are counted, so a fast but broken parser cannot look good.
Figures are printed (and written to results.json), never asserted.
"""
from __future__ import annotations

import argparse
import copy
import io
import json
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import statistics
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CASES = FIXTURES / "parse"
DEV = REPO.parent / "shared" / "corpus" / "dev"  # read in place, never copied into the project
# The generators import their `form` module as a top-level module.
sys.path[:0] = [p for p in (str(REPO), str(FIXTURES)) if p not in sys.path]

KINDS = ("html", "text", "pdf", "docx")
TARGETS = {"html": 100, "text": 100, "pdf": 10, "docx": 50}  # reports/s on one core
PDF_RATIO_TARGET = 5  # × pdfplumber extract_text on the same PDFs
WORKERS = 2
DEV_TEXT_PDFS = ("huaian-2024.pdf",)  # dev-corpus PDFs with a text layer (a scan would measure OCR instead)

# Replacement agencies: invented combinations of real place and body names, all
# in GBK so that the GBK-encoded HTML fixture can carry them.
PLACES = ("青川县", "江油市", "绵竹市", "安州区", "梓潼县", "三台县", "盐亭县", "涪城区", "剑阁县", "旺苍县",
          "苍溪县", "利州区", "宁强县", "略阳县", "城固县", "洋县", "西乡县", "镇巴县", "佛坪县", "留坝县")
BODIES = ("人民政府办公室", "人民政府", "教育局", "卫生健康局", "自然资源局", "市场监督管理局", "民政局",
          "交通运输局", "财政局", "住房和城乡建设局", "发展和改革局", "生态环境局", "水利局", "司法局")


@dataclass
class Doc:
    name: str             # file name in the corpus folder
    data: bytes
    source: str           # where it came from: "generated", "fixture <case>" or "dev <file>"
    table3: bool          # whether the source prints a readable table 3
    agency: str | None    # the agency the parse must report (None: not checked)


@dataclass
class Source:
    """A document to vary: its text form, how to encode it back, and what it prints."""
    label: str
    suffix: str
    text: str
    encoding: str
    table3: bool
    agency: str | None


# --- corpus ---------------------------------------------------------------------------------

def agency_for(i: int) -> str:
    return PLACES[i % len(PLACES)] + BODIES[(i * 7) % len(BODIES)]


def new_figure(rng: random.Random, old: str) -> str:
    v = int(old)
    if 1900 <= v <= 2100:  # a year (or a figure we cannot tell from one): leave it
        return old
    return str(rng.randint(0, max(9, 2 * v)))


# A figure standing alone between whitespace or pipes (a table cell in text, Markdown or
# pdftotext output); figures glued to words (申请7件, 1.属于, 2023年) are prose or labels.
_TEXT_FIGURE = re.compile(r"(?<![^\s|])\d{1,4}(?![^\s|])")
_HTML_CELL = re.compile(r"(<t[dh]\b[^>]*>)(.*?)(</t[dh]>)", re.S | re.I)
_TAG = re.compile(r"(<[^>]*>)")
_DIGITS = re.compile(r"\d{1,4}")
# A DOCX run whose whole text is a figure (python-docx and Word write one run per cell figure).
_DOCX_FIGURE = re.compile(r"(<w:t(?: [^>]*)?>)(\d{1,4})(</w:t>)")


def rewrite_text(text: str, rng: random.Random) -> str:
    return _TEXT_FIGURE.sub(lambda m: new_figure(rng, m.group(0)), text)


def rewrite_html(html: str, rng: random.Random) -> str:
    """New figures in every table cell that prints only a figure; tags and attributes untouched."""
    def cell(m: re.Match) -> str:
        visible = _TAG.sub("", m.group(2)).replace("&nbsp;", "").strip()
        if not visible.isdigit():
            return m.group(0)
        parts = _TAG.split(m.group(2))  # tags at odd indexes
        parts = [p if k % 2 else _DIGITS.sub(lambda d: new_figure(rng, d.group(0)), p) for k, p in enumerate(parts)]
        return m.group(1) + "".join(parts) + m.group(3)
    return _HTML_CELL.sub(cell, html)


def rewrite_docx(data: bytes, rng: random.Random, old_agency: str | None, new_agency: str) -> tuple[bytes, bool]:
    """The DOCX with new cell figures and agency name; True when the agency was found."""
    out = io.BytesIO()
    found = False
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/document.xml":
                xml = body.decode("utf-8")
                xml = _DOCX_FIGURE.sub(lambda m: m.group(1) + new_figure(rng, m.group(2)) + m.group(3), xml)
                if old_agency and old_agency in xml:
                    xml, found = xml.replace(old_agency, new_agency), True
                body = xml.encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue(), found


def decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def expected_of(path: Path) -> dict:
    """What a source prints, from its fixture expected.json or its dev-corpus truth file."""
    if path.parent.parent == CASES:
        want = path.parent / "expected.json"
    else:
        want = DEV / "truth" / (path.stem + ".json")
    return json.loads(want.read_text(encoding="utf-8")) if want.exists() else {}


def source_of(path: Path, label: str) -> Source:
    want = expected_of(path)
    text, encoding = decode(path.read_bytes())
    return Source(label, path.suffix, text, encoding, want.get("table3") is not None, want.get("agency"))


def fixture_inputs(prefix: str, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in CASES.glob(f"{prefix}*/input.*") if p.suffix in suffixes) if CASES.is_dir() else []


def dev_docs(suffix: str) -> list[Path]:
    return sorted((DEV / "docs").glob(f"*{suffix}")) if (DEV / "docs").is_dir() else []


def label_of(path: Path) -> str:
    return f"fixture {path.parent.name}" if path.parent.parent == CASES else f"dev {path.name}"


def file_name(path: Path) -> str:
    return path.parent.name + path.suffix if path.parent.parent == CASES else path.name


def varied_truth(base: dict, rng: random.Random) -> dict:
    """The same report with other figures; each row's total kept equal to its sum."""
    t = copy.deepcopy(base)
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


def generated_text_sources(base: dict) -> list[Source]:
    """The fixture generators' HTML and text layouts, rendered once; varied like any source."""
    import make_html_text
    from form import AGENCY

    out = [Source("generated", ".html", make_html_text.html_page(base), "gb18030", True, AGENCY)]
    for fn, suffix in ((make_html_text.markdown, ".md"), (make_html_text.layout_text, ".txt"),
                       (make_html_text.tab_text_variant, ".txt")):
        out.append(Source("generated", suffix, fn(base), "utf-8", True, AGENCY))
    return out


def vary_sources(sources: list[Source], n: int, rng: random.Random, kind: str, start: int) -> list[Doc]:
    """n documents taken round-robin from the sources, each with new figures and agency."""
    docs = []
    rewrite = rewrite_html if kind == "html" else rewrite_text
    for i in range(n):
        src = sources[i % len(sources)]
        text, agency = rewrite(src.text, rng), src.agency
        if agency and agency in text:  # only where it is printed as is (not in Traditional characters)
            agency = agency_for(start + i)
            text = text.replace(src.agency, agency)
        docs.append(Doc(f"{i:03d}{src.suffix}", text.encode(src.encoding), src.label, src.table3, agency))
    return docs


def build_corpus(n_per_kind: int = 50, out: Path | None = None, with_doc: bool = False, with_scan: bool = False,
                 seed: int = 2024) -> dict[str, list[Doc]]:
    """At least n_per_kind documents of each kind (plus DOC and scans when asked).
    With `out`, the files are also written to out/<kind>/ for inspection."""
    import make_pdf

    rng = random.Random(seed)
    truths = [json.loads((CASES / case / "expected.json").read_text(encoding="utf-8"))
              for case in ("docx-merged-pingwu", "pdf-unruled-biaokou", "docx-nested-pingan")
              if (CASES / case / "expected.json").exists()]
    generated = generated_text_sources(truths[0])
    corpus: dict[str, list[Doc]] = {}

    html = [source_of(p, label_of(p)) for p in fixture_inputs("html-", (".html", ".htm")) + dev_docs(".html")]
    corpus["html"] = vary_sources(html + generated[:1], n_per_kind, rng, "html", 0)
    text = [source_of(p, label_of(p)) for p in fixture_inputs("text-", (".txt", ".md")) + dev_docs(".txt")]
    corpus["text"] = vary_sources(text + generated[1:], n_per_kind, rng, "text", 100)

    pdfs = []
    for i in range(n_per_kind):  # rendered: ruled and unruled grids, table 3 pushed across page breaks
        base = truths[i % len(truths)]
        agency, year = agency_for(200 + i), 2021 + i % 4
        # Office suites (WPS, Word) embed subsets of their fonts, as the real
        # 淮安 PDF does; one PDF in four relies on the reader's CJK font
        # instead, which costs pdfium a system-font lookup per document.
        data = make_pdf.render(varied_truth(base, rng), agency, year, ruled=(i % 3 != 2), filler=i % 10,
                               embed=(i % 4 != 3))
        pdfs.append(Doc(f"{i:03d}.pdf", data, "generated", True, agency))
    real = [p for p in dev_docs(".pdf") if p.name in DEV_TEXT_PDFS]
    for p in fixture_inputs("pdf-", (".pdf",)) + real:  # fixture and real text-layer PDFs as they are
        want = expected_of(p)
        pdfs.append(Doc(file_name(p), p.read_bytes(), label_of(p), want.get("table3") is not None,
                        want.get("agency")))
    corpus["pdf"] = pdfs

    docx_sources = fixture_inputs("docx-", (".docx",))
    corpus["docx"] = []
    for i in range(n_per_kind):
        p = docx_sources[i % len(docx_sources)]
        want = expected_of(p)
        agency = agency_for(300 + i)
        data, found = rewrite_docx(p.read_bytes(), rng, want.get("agency"), agency)
        corpus["docx"].append(Doc(f"{i:03d}.docx", data, label_of(p), want.get("table3") is not None,
                                  agency if found else want.get("agency")))

    if with_doc:
        corpus["doc"] = doc_corpus(corpus["docx"][:2])
    if with_scan:  # image-only PDF and PNG: the OCR path, as they are
        corpus["scan"] = [Doc(file_name(p), p.read_bytes(), label_of(p), expected_of(p).get("table3") is not None,
                              expected_of(p).get("agency")) for p in fixture_inputs("scan-", (".pdf", ".png"))]
    if out is not None:
        write_corpus(corpus, out)
    return corpus


def doc_corpus(docx_docs: list[Doc]) -> list[Doc]:
    """The DOC fixture plus DOCX variants saved as DOC by LibreOffice (empty without soffice)."""
    import make_docx

    docs = []
    for p in fixture_inputs("doc-", (".doc",)):
        want = expected_of(p)
        docs.append(Doc(file_name(p), p.read_bytes(), label_of(p), want.get("table3") is not None,
                        want.get("agency")))
    for d in docx_docs:
        data = make_docx.to_doc(d.data)
        if data:
            docs.append(Doc(d.name.replace(".docx", ".doc"), data, d.source, d.table3, d.agency))
    return docs


def write_corpus(corpus: dict[str, list[Doc]], out: Path) -> None:
    for kind, docs in corpus.items():
        folder = out / kind
        shutil.rmtree(folder, ignore_errors=True)  # only the folders this script writes
        folder.mkdir(parents=True)
        for d in docs:
            (folder / d.name).write_bytes(d.data)


# --- measurement ------------------------------------------------------------------------------

def nianbao(data: bytes) -> dict:
    from parsers import parse_bytes

    return parse_bytes(data)


def pdfplumber_text(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        [p.extract_text() for p in pdf.pages]


def pdfplumber_tables(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        [p.extract_tables() for p in pdf.pages]


def timed_passes(fn, docs: list[Doc], runs: int) -> tuple[list, list[list[float]]]:
    """One warm-up pass (its results are returned), then `runs` timed sequential passes in
    this process; the seconds each document took in each pass."""
    results = [fn(d.data) for d in docs]
    passes = []
    for _ in range(runs):
        times = []
        for d in docs:
            start = time.perf_counter()
            fn(d.data)
            times.append(time.perf_counter() - start)
        passes.append(times)
    return results, passes


def rate(passes: list[list[float]], pick: list[bool] | None = None) -> float:
    """Documents per second: the documents picked over the median of the passes' times."""
    pick = pick or [True] * len(passes[0])
    totals = [sum(t for t, keep in zip(p, pick) if keep) for p in passes]
    median = statistics.median(totals)
    return sum(pick) / median if median > 0 else float("inf")


_SHARED: list[bytes] = []  # the documents a forked worker reads by index, so no bytes are pickled per task


def _parse_at(i: int) -> bool:
    return nianbao(_SHARED[i])["error"] is None


def rate_parallel(docs: list[Doc], workers: int, runs: int) -> float:
    """Documents per second with `workers` processes. The pool is forked after this process's
    warm-up pass, so workers start with everything imported; one more pass warms them anyway."""
    global _SHARED
    _SHARED = [d.data for d in docs]
    chunk = max(1, len(docs) // (workers * 4))  # small chunks so one slow document cannot idle a worker
    times = []
    with mp.get_context("fork").Pool(workers) as pool:
        pool.map(_parse_at, range(len(docs)), chunk)
        for _ in range(runs):
            start = time.perf_counter()
            pool.map(_parse_at, range(len(docs)), chunk)
            times.append(time.perf_counter() - start)
    _SHARED = []
    return len(docs) / statistics.median(times)


def check(docs: list[Doc], reports: list[dict]) -> dict:
    """Did the parse work: error lines, table 3 against what the sources print, agency names."""
    errors = [d.name for d, r in zip(docs, reports) if r["error"]]
    table3_wrong = [d.name for d, r in zip(docs, reports) if (r["table3"] is not None) != d.table3]
    checked = [(d, r) for d, r in zip(docs, reports) if d.agency]
    agency_wrong = [f"{d.name}: {r['agency']} != {d.agency}" for d, r in checked if r["agency"] != d.agency]
    return {"errors": len(errors), "table3_found": sum(r["table3"] is not None for r in reports),
            "table3_expected": sum(d.table3 for d in docs), "table3_wrong": table3_wrong,
            "agency_checked": len(checked), "agency_right": len(checked) - len(agency_wrong),
            "problems": errors[:5] + table3_wrong[:5] + agency_wrong[:5]}


def measure(corpus: dict[str, list[Doc]], runs: int = 3, workers: int = WORKERS) -> dict:
    """Every figure the benchmark prints, as one dict (results.json)."""
    results: dict = {"machine": machine(), "runs": runs, "workers": workers, "kinds": {}, "targets": []}
    pdf_passes: list[list[float]] = []
    for kind, docs in corpus.items():
        if not docs:
            continue
        slow = kind not in KINDS  # DOC (LibreOffice per file) and scans (OCR): one timed pass, no pool
        reports, passes = timed_passes(nianbao, docs, 1 if slow else runs)
        row = check(docs, reports)
        row.update(docs=len(docs), rate_1=rate(passes), spread=[len(docs) / sum(p) for p in passes],
                   rate_2=None if slow or workers < 2 else rate_parallel(docs, workers, runs),
                   by_source={s: {"docs": sum(d.source == s for d in docs),
                                  "rate_1": rate(passes, [d.source == s for d in docs])}
                              for s in dict.fromkeys(d.source for d in docs)})
        results["kinds"][kind] = row
        if kind == "pdf":
            pdf_passes = passes

    pdfs = corpus["pdf"]  # the baseline reads the very same PDFs
    _, text_passes = timed_passes(pdfplumber_text, pdfs, runs)
    _, table_passes = timed_passes(pdfplumber_tables, pdfs, runs)
    base = {"docs": len(pdfs), "pdfplumber_text": rate(text_passes), "pdfplumber_tables": rate(table_passes)}
    base["ratio_text"] = results["kinds"]["pdf"]["rate_1"] / base["pdfplumber_text"]
    base["ratio_tables"] = results["kinds"]["pdf"]["rate_1"] / base["pdfplumber_tables"]
    base["by_source"] = {}
    for s in dict.fromkeys(d.source for d in pdfs):
        pick = [d.source == s for d in pdfs]
        nb, pl = rate(pdf_passes, pick), rate(text_passes, pick)
        base["by_source"][s] = {"docs": sum(pick), "nianbao": nb, "pdfplumber_text": pl, "ratio": nb / pl}
    results["baseline"] = base

    for kind in KINDS:
        got = results["kinds"][kind]["rate_1"]
        results["targets"].append({"what": f"{kind} reports/s on one core", "target": TARGETS[kind],
                                   "got": got, "met": got >= TARGETS[kind]})
        if kind == "pdf":
            results["targets"].append({"what": "pdf × pdfplumber extract_text", "target": PDF_RATIO_TARGET,
                                       "got": base["ratio_text"], "met": base["ratio_text"] >= PDF_RATIO_TARGET})
    return results


def machine() -> dict:
    from importlib.metadata import version

    from parsers import PARSER_VERSION

    cpu = ""
    if Path("/proc/cpuinfo").exists():
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), "")
    return {"python": f"{platform.python_implementation()} {platform.python_version()}",
            "platform": platform.platform(), "cpu": cpu or platform.machine(), "cpu_count": os.cpu_count(),
            "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "load": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
            "parser_version": PARSER_VERSION, "pdfplumber": version("pdfplumber"), "pypdfium2": version("pypdfium2")}


# --- report ---------------------------------------------------------------------------------

def print_results(r: dict, corpus_line: str) -> None:
    m = r["machine"]
    print(f"nianbao parser benchmark (parser {m['parser_version']})")
    print(f"machine: {m['python']}, {m['platform']}, {m['cpu']}, cpu_count {m['cpu_count']} "
          f"(usable {m['usable_cpus']}), load average {m['load']}")
    print(f"         pdfplumber {m['pdfplumber']}, pypdfium2 {m['pypdfium2']}")
    print(corpus_line)
    print(f"timing: after a warm-up pass, median of {r['runs']} passes; '1 core' = sequential in one process, "
          f"'{r['workers']} procs' = a pool of {r['workers']} worker processes\n")

    print(f"{'kind':<5} {'docs':>5} {'errors':>6} {'table3':>7} {'agency':>7} {'1 core/s':>9} {'passes':>11} "
          f"{str(r['workers']) + ' procs/s':>10} {'scaling':>8}  target")
    for kind, k in r["kinds"].items():
        two = f"{k['rate_2']:10.1f} {k['rate_2'] / k['rate_1']:7.2f}x" if k["rate_2"] else f"{'-':>10} {'-':>8}"
        target = (f"≥{TARGETS[kind]}/s {'met' if k['rate_1'] >= TARGETS[kind] else 'NOT MET'}" if kind in TARGETS
                  else "(not targeted; one pass)")
        spread = "-".join(f"{v:.0f}" if v >= 10 else f"{v:.2f}" for v in (min(k["spread"]), max(k["spread"])))
        print(f"{kind:<5} {k['docs']:>5} {k['errors']:>6} {k['table3_found']:>3}/{k['table3_expected']:<3} "
              f"{k['agency_right']:>3}/{k['agency_checked']:<3} {k['rate_1']:9.1f} {spread:>11} {two}  {target}")
    print("(table3: found / sources that print one; agency: right / checked; passes: slowest-fastest timed pass)")
    for kind, k in r["kinds"].items():
        if k["problems"]:
            print(f"  {kind} problems: " + "; ".join(k["problems"]))

    b = r["baseline"]
    nb = r["kinds"]["pdf"]["rate_1"]
    print(f"\nPDF baseline, the same {b['docs']} PDFs, one core:")
    print(f"  nianbao parse_bytes (full report)   {nb:8.1f}/s")
    print(f"  pdfplumber extract_text             {b['pdfplumber_text']:8.1f}/s")
    print(f"  pdfplumber extract_tables (info)    {b['pdfplumber_tables']:8.1f}/s")
    print(f"ratio nianbao / pdfplumber extract_text: {b['ratio_text']:.1f}x "
          f"(target ≥{PDF_RATIO_TARGET}x {'met' if b['ratio_text'] >= PDF_RATIO_TARGET else 'NOT MET'})")
    print(f"ratio nianbao / pdfplumber extract_tables: {b['ratio_tables']:.1f}x (information)")

    print("\nby source (1 core, reports/s):")
    for kind, k in r["kinds"].items():
        for source, s in k["by_source"].items():
            extra = ""
            if kind == "pdf":
                p = b["by_source"][source]
                extra = f"   pdfplumber text {p['pdfplumber_text']:6.1f}/s   ratio {p['ratio']:4.1f}x"
            print(f"  {kind:<5} {source:<40} {s['docs']:>4} docs {s['rate_1']:9.1f}/s{extra}")

    missed = [t for t in r["targets"] if not t["met"]]
    print("\ntargets:")
    for t in r["targets"]:
        print(f"  {t['what']:<34} {t['got']:9.1f}  ≥{t['target']:<4} {'met' if t['met'] else 'NOT MET'}")
    print(f"{len(r['targets']) - len(missed)} of {len(r['targets'])} targets met")


def shown(path: Path) -> str:
    """A path as the user would type it from the project folder."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a handful of documents, one timed pass (smoke run)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out",
                    help="folder for the corpus and results.json (default benchmarks/out, git-ignored)")
    ap.add_argument("--no-doc", action="store_true", help="skip DOC through LibreOffice (done by default when "
                    "soffice exists, except with --quick)")
    ap.add_argument("--doc", action="store_true", help="DOC even with --quick")
    ap.add_argument("--runs", type=int, help="timed passes per figure (default 3, 1 with --quick)")
    ap.add_argument("--scan", action="store_true", help="also the scanned PDF and PNG fixtures through OCR (slow)")
    args = ap.parse_args(argv)
    n, runs = (3, 1) if args.quick else (50, 3)
    runs = args.runs or runs
    # A smoke run must not replace the full corpus someone may be inspecting.
    out = args.out / "quick" if args.quick else args.out
    with_doc = (args.doc or not (args.quick or args.no_doc)) and shutil.which("soffice") is not None

    start = time.perf_counter()
    corpus = build_corpus(n, out / "corpus", with_doc, args.scan)
    counted = sum(len(corpus[k]) for k in KINDS)
    corpus_line = (f"corpus: {counted} documents ({', '.join(f'{k} {len(corpus[k])}' for k in KINDS)})"
                   + "".join(f" + {k} {len(v)}" for k, v in corpus.items() if k not in KINDS)
                   + f", built in {time.perf_counter() - start:.1f} s, written to {shown(out / 'corpus')}")
    results = measure(corpus, runs)
    print_results(results, corpus_line)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
