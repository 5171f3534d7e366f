"""Mutated dev documents: the parser always answers with a contract-shaped line."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse_bytes

from .conftest import DEV_CORPUS

DOCS = {p.name: p.read_bytes() for p in sorted((DEV_CORPUS / "docs").glob("*"))} if DEV_CORPUS.is_dir() else {}
CONTRACT_KEYS = {"path", "agency", "year", "format", "table2", "table3", "table4", "checks", "error"}
pytestmark = pytest.mark.skipif(not DOCS, reason="dev corpus not present")


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(DOCS)))
    data = bytearray(DOCS[name])
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete", "truncate", "duplicate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[i: i + draw(st.integers(1, 4096))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[i]
        elif op == "truncate":
            del data[i:]
        else:
            j = draw(st.integers(i, min(len(data), i + 2048)))
            data[j:j] = data[i:j]
    return name, bytes(data)


def assert_contract(report: dict) -> None:
    assert CONTRACT_KEYS <= set(report)
    assert report["format"] in ("2021", "2019", "legacy", "unknown")
    assert isinstance(report["checks"], list)
    for c in report["checks"]:
        assert set(c) >= {"id", "passed", "detail"} and c["passed"] in (True, False, None)
    for t in ("table2", "table3", "table4"):
        table = report[t]
        assert table is None or isinstance(table, dict)
        for row in (table or {}).values():
            for v in row.values():
                assert v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
    if report["error"]:
        assert isinstance(report["error"], str) and report["table3"] is None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated())
def test_mutated_documents_give_contract_lines(case):
    name, data = case
    report = parse_bytes(data, name)
    assert_contract(report)
    assert "parser failure" not in (report["error"] or ""), report["error"]
