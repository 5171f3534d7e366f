"""The dev corpus, read in place from ../shared: every hand-checked cell must match."""
from __future__ import annotations

import subprocess
import sys

import pytest

from parsers import parse_file

from .conftest import DEV_CORPUS, REPO, load_json, same, wrong_cells

TRUTHS = sorted((DEV_CORPUS / "truth").glob("*.json")) if DEV_CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not TRUTHS, reason="dev corpus (../shared/corpus/dev) not present")

# The contract's legacy keys; truth files may hold more detail than the contract asks for.
LEGACY_KEYS = ("proactive_disclosed", "applications_received", "application_replies", "admin_review",
               "litigation", "admin_appeal", "fees_collected")


@pytest.mark.parametrize("truth_path", TRUTHS, ids=lambda p: p.stem)
def test_dev_document(truth_path):
    truth = load_json(truth_path)
    got = parse_file(str(DEV_CORPUS / "docs" / truth["doc"]))
    assert got["error"] is None
    assert got["year"] == truth["year"]
    assert got["format"] == truth["format"]
    assert got["agency"] == truth["agency"]
    assert wrong_cells(truth, got) == []
    for key in LEGACY_KEYS:
        if key in (truth.get("legacy") or {}):
            assert same(got["legacy"].get(key), truth["legacy"][key]), key


def test_kaicheng_missing_table3_is_reported_not_zeroed():
    got = parse_file(str(DEV_CORPUS / "docs" / "kaicheng-2022.txt"))
    assert got["table3"] is None
    found = [c for c in got["checks"] if c["id"] == "table3.found"]
    assert found and found[0]["passed"] is False and "not found" in found[0]["detail"]


def test_shanghai_blank_totals_are_reported_by_checks():
    got = parse_file(str(DEV_CORPUS / "docs" / "shanghai-2019.html"))
    checks = {c["id"]: c for c in got["checks"]}
    assert checks["table3.columns.granted"]["passed"] is False  # printed total blank, row sums to 272
    assert got["table3"]["granted"]["total"] == 0  # kept as printed
    assert checks["table3.balance.total"]["passed"] is True  # 859 + 18 = 805 + 72


def test_score_tool_reports_full_marks():
    score = REPO.parent / "shared" / "tools" / "score.py"
    cmd = f"{sys.executable} -m archive.cli parse"
    run = subprocess.run([sys.executable, str(score), "--cmd", cmd, "--json"], capture_output=True, text=True,
                         cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"cell_accuracy_pct": 100.0' in run.stdout
