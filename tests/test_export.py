"""The researcher export: every file kind, a data dictionary, checksums, and byte-identical reruns."""
from __future__ import annotations

import csv
import hashlib
import json

import pyarrow.parquet as pq
import sqlite_utils

from archive import reports
from archive.export import TABLES, export
from parsers import PARSER_VERSION, parse_bytes

from .conftest import FIXTURES


def archive(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = sqlite_utils.Database(data / "archive.db")
    reports.ensure_schema(db)
    sources = []
    for case in ("docx-merged-pingwu", "pdf-unruled-biaokou", "text-2021-single-other-row"):
        raw = next((FIXTURES / "parse" / case).glob("input.*")).read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        report = parse_bytes(raw, case)
        if case.startswith("text"):
            report["agency"] = "测试镇人民政府"
        reports.record_parse(db, sha, report)
        sources.append(reports.Source(sha, url=f"http://x.gov.cn/{case}"))
    reports.resolve(db, sources, PARSER_VERSION)
    return data


def test_export_writes_a_release_and_is_byte_identical_twice(tmp_path):
    data = archive(tmp_path)
    first = export(data, tmp_path / "out1")
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert {"nianbao.db", "datapackage.json", "README.md", "SHA256SUMS"} <= set(files)
    for table in TABLES:
        assert f"csv/{table}.csv" in files and f"parquet/{table}.parquet" in files
    second = export(data, tmp_path / "out2")
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    raw = (first / "csv" / "cells.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert {"report_id", "tbl", "row", "col", "value", "raw", "kind", "source"} <= set(rows[0])
    assert pq.read_table(first / "parquet" / "cells.parquet").num_rows == len(rows)

    package = json.loads((first / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert field["type"] and field["description"]
    value = next(f for r in package["resources"] if r["name"] == "cells" for f in r["schema"]["fields"]
                 if f["name"] == "value")
    assert "万元" in value["unit"]
    sums = (first / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((first / name).read_bytes()).hexdigest() == digest
    assert "How to cite" in (first / "README.md").read_text(encoding="utf-8")
    exported = sqlite_utils.Database(first / "nianbao.db")
    assert "parses" not in exported.table_names() and exported["reports"].count == 3
