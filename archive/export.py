"""`nianbao export OUT/`: a versioned release of the archive for researchers.

    OUT/nianbao-<version>/
        nianbao.db           the archive without raw bytes or crawl internals
        csv/<table>.csv      one CSV per table, UTF-8 with BOM (Excel shows the Chinese)
        parquet/<table>.parquet
        datapackage.json     the data dictionary: every field with type, description, unit
        README.md            what is in it and how to cite it
        SHA256SUMS           checksums of every file above

The version is the parser version and the date of the newest crawl in the
archive, so the same archive exports to the same folder. Rows are written in
a fixed order and no file carries the time of the export: running it twice
on the same archive produces byte-identical files.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

from parsers import PARSER_VERSION

from . import site

# table -> (order by, {column: (type, description, unit)})
TABLES = {
    "bodies": ("id", {
        "id": ("string", "Body id: registry portal id, or the agency name", None),
        "name": ("string", "机关名称 as printed", None),
        "level": ("string", "province, city, county, township or department", None),
        "province": ("string", "省级行政区", None), "city": ("string", "地级市", None),
        "county": ("string", "县级行政区", None), "portal": ("string", "Registry portal id", None)}),
    "reports": ("id", {
        "id": ("integer", "Report id", None), "body_id": ("string", "Publishing body (bodies.id)", None),
        "year": ("integer", "Report year: the year the figures cover", "year"),
        "format": ("string", "Form: 2021, 2019 or legacy", None), "title": ("string", "Title as printed", None),
        "published": ("date", "Publication or signature date", None), "url": ("string", "URL of the source used", None),
        "blob_sha256": ("string", "sha256 of the source file used", None),
        "parser_version": ("string", "Parser version that read it", None)}),
    "report_sources": ("report_id, sha256, url", {
        "report_id": ("integer", "Report (reports.id)", None), "sha256": ("string", "sha256 of the file", None),
        "url": ("string", "Where it was fetched", None), "kind": ("string", "File kind", None),
        "chosen": ("integer", "1 if the report's numbers come from this file", None)}),
    "cells": ("report_id, tbl, row, col", {
        "report_id": ("integer", "Report (reports.id)", None), "tbl": ("string", "table2, table3 or table4", None),
        "row": ("string", "Row key (see the parse contract)", None),
        "col": ("string", "Column key (see the parse contract)", None),
        "value": ("number", "The printed figure (blank, /, — and 无 count as 0; see kind)",
                  "count of documents, decisions, applications or cases; 万元 for table2 fees"),
        "raw": ("string", "The cell's text as printed", None),
        "kind": ("string", "number, blank, dash or text", None),
        "source": ("string", "Where it is printed in the source file (element path, page+bbox, ...)", None)}),
    "checks": ("report_id, check_id", {
        "report_id": ("integer", "Report (reports.id)", None), "check_id": ("string", "Which check", None),
        "passed": ("integer", "1 passed, 0 failed, empty when it cannot be assessed", None),
        "detail": ("string", "The numbers compared", None)}),
    "sections": ("report_id, number", {
        "report_id": ("integer", "Report (reports.id)", None), "number": ("integer", "Part number (一 = 1)", None),
        "heading": ("string", "Heading as printed", None), "text": ("string", "The part's text", None)}),
}


def version_of(db: sqlite3.Connection) -> str:
    try:
        last = db.execute("select max(started) from crawl_runs").fetchone()[0]
    except sqlite3.Error:
        last = None
    return f"{PARSER_VERSION}-{(last or '0000-00-00')[:10]}"


def export(data_dir: Path, out: Path) -> Path:
    src = sqlite3.connect(Path(data_dir) / "archive.db")
    src.row_factory = sqlite3.Row
    release = Path(out) / f"nianbao-{version_of(src)}"
    if release.exists():
        shutil.rmtree(release)
    (release / "csv").mkdir(parents=True)
    (release / "parquet").mkdir()
    rows = {t: [dict(r) for r in src.execute(f"select {', '.join(cols)} from {t} order by {order}")]
            for t, (order, cols) in TABLES.items()}
    src.close()
    write_sqlite(release / "nianbao.db", rows)
    for table, data in rows.items():
        write_csv(release / "csv" / f"{table}.csv", table, data)
        write_parquet(release / "parquet" / f"{table}.parquet", table, data)
    (release / "datapackage.json").write_text(json.dumps(datapackage(release.name), ensure_ascii=False, indent=1)
                                              + "\n", encoding="utf-8")
    (release / "README.md").write_text(readme(release.name, {t: len(d) for t, d in rows.items()}), encoding="utf-8")
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(release).as_posix()}"
            for p in sorted(release.rglob("*")) if p.is_file()]
    (release / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    return release


def write_sqlite(path: Path, rows: dict[str, list[dict]]) -> None:
    db = sqlite3.connect(path)
    for table, (_, cols) in TABLES.items():
        types = {"integer": "INTEGER", "number": "REAL", "string": "TEXT", "date": "TEXT"}
        db.execute(f"create table {table} ({', '.join(f'[{c}] {types[t]}' for c, (t, _, _) in cols.items())})")
        db.executemany(f"insert into {table} values ({', '.join('?' * len(cols))})",
                       [tuple(r[c] for c in cols) for r in rows[table]])
    db.commit()
    db.execute("vacuum")
    db.close()


def write_csv(path: Path, table: str, data: list[dict]) -> None:
    cols = list(TABLES[table][1])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in data:
        w.writerow(["" if r[c] is None else fmt(r[c]) for c in cols])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))  # BOM: Excel reads UTF-8


def fmt(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def write_parquet(path: Path, table: str, data: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = {"integer": pa.int64(), "number": pa.float64(), "string": pa.string(), "date": pa.string()}
    schema = pa.schema([(c, arrow[t]) for c, (t, _, _) in TABLES[table][1].items()])
    columns = {c: [r[c] for r in data] for c in schema.names}
    pq.write_table(pa.table(columns, schema=schema), path, compression="zstd")


def datapackage(name: str) -> dict:
    resources = []
    for table, (_, cols) in TABLES.items():
        fields = []
        for c, (t, desc, unit) in cols.items():
            field = {"name": c, "type": t, "description": desc}
            if unit:
                field["unit"] = unit
            fields.append(field)
        resources.append({"name": table, "path": f"csv/{table}.csv", "format": "csv", "encoding": "utf-8-sig",
                          "description": site.metadata()["databases"]["archive"]["tables"][table]["description"],
                          "schema": {"fields": fields}})
    return {"name": name, "title": "nianbao: China's government information disclosure annual reports",
            "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
            "resources": resources}


def readme(name: str, counts: dict[str, int]) -> str:
    lines = [f"# {name}", "", "Figures of China's 政府信息公开工作年度报告 as published, parsed by nianbao, with",
             "the place each number is printed in its source file and the checks run on them.", "",
             "| table | rows |", "|---|---|"]
    lines += [f"| {t} | {n} |" for t, n in counts.items()]
    lines += ["", "Files: `nianbao.db` (SQLite), `csv/` (UTF-8 with BOM), `parquet/`, `datapackage.json`",
              "(every field with its type, description and unit), `SHA256SUMS`.", "",
              "## How to cite", "",
              f"nianbao contributors. *{name}: government information disclosure annual reports of China*",
              "(data set). Derived from the reports published on government portals; each report row gives",
              "the URL and sha256 of the file its numbers were read from.", ""]
    return "\n".join(lines)
