"""Shared test helpers: where the fixtures and the read-only dev corpus are."""
from __future__ import annotations

import json
import math
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
# The dev corpus is read in place, never copied into the project.
DEV_CORPUS = REPO.parent / "shared" / "corpus" / "dev"


def leaves(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, prefix + (k,))
    else:
        yield prefix, obj


def dig(obj, path):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


def same(a, b) -> bool:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return a == b
    return math.isclose(float(a), float(b), abs_tol=1e-6)


def wrong_cells(want: dict, got: dict) -> list[str]:
    """Every contract cell of `want` that `got` does not print the same."""
    out = []
    for table in ("table2", "table3", "table4"):
        if table not in want:
            continue
        if want[table] is None:
            if got.get(table) is not None:
                out.append(f"{table}: parsed but absent in the document")
            continue
        if got.get(table) is None:
            out.append(f"{table}: missing")
            continue
        for path, value in leaves(want[table]):
            g = dig(got[table], path)
            if not same(g, value):
                out.append(f"{table}.{'.'.join(path)}: got {g!r}, want {value!r}")
        for path, _ in leaves(got[table]):
            if dig(want[table], path) is None and path[0] not in want[table]:
                out.append(f"{table}.{'.'.join(path)}: row not in the contract")
    return out


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
