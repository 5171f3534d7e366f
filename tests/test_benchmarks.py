"""The benchmark scripts still run (a smoke run; figures are printed, never asserted)."""
from __future__ import annotations

import subprocess
import sys

from .conftest import REPO


def test_parse_benchmark_smoke():
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "parse.py"), "--quick"], capture_output=True,
                         text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    for kind in ("html", "text", "pdf", "docx"):
        row = next(line for line in lines if line.startswith(kind + " "))
        docs, errors = row.split()[1:3]
        assert int(docs) > 0 and int(errors) == 0, row
    assert any(line.startswith("ratio nianbao / pdfplumber") for line in lines)
