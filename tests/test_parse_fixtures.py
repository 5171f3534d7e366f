"""Parser cases as fixture folders, discovered automatically.

Each folder under tests/fixtures/parse/ holds one input file (input.*) and
expected.json with the contract keys the parser must print for it: any of
agency, year, format, published, table2/3/4 (null = must be absent), legacy
(a subset), error (a substring; null = must parse without error) and checks
(a list of {id, passed} that must appear as given).
"""
from __future__ import annotations

import pytest

from parsers import parse_file

from .conftest import FIXTURES, load_json, same, wrong_cells

CASES = sorted(p for p in (FIXTURES / "parse").iterdir() if (p / "expected.json").is_file())


def params():
    for case in CASES:
        marks = [pytest.mark.slow] if load_json(case / "expected.json").get("slow") else []
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", list(params()))
def test_fixture(case):
    inputs = sorted(case.glob("input.*"))
    assert len(inputs) == 1, f"{case.name}: exactly one input.* expected"
    want = load_json(case / "expected.json")
    got = parse_file(str(inputs[0]))

    if "error" in want:
        if want["error"] is None:
            assert got["error"] is None, got["error"]
        else:
            assert got["error"] and want["error"] in got["error"], got["error"]
    for key in ("agency", "year", "format", "published"):
        if key in want:
            assert got.get(key) == want[key], f"{key}: got {got.get(key)!r}, want {want[key]!r}"
    assert wrong_cells(want, got) == []
    for key, value in (want.get("legacy") or {}).items():
        assert same((got.get("legacy") or {}).get(key), value), f"legacy.{key}"
    checks = {c["id"]: c["passed"] for c in got["checks"]}
    for c in want.get("checks", []):
        assert c["id"] in checks, f"check {c['id']} not run"
        assert checks[c["id"]] == c["passed"], f"check {c['id']}: got {checks[c['id']]}, want {c['passed']}"


def test_every_case_has_an_input():
    assert CASES, "no parser fixtures found"
    for case in (FIXTURES / "parse").iterdir():
        if case.is_dir():
            assert (case / "expected.json").is_file(), f"{case.name} has no expected.json"
