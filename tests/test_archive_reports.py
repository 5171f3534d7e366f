"""Parsed reports in the archive: parses kept per blob and version, one report per body and year."""
from __future__ import annotations

import hashlib

import sqlite_utils

from archive import reports as R
from parsers import PARSER_VERSION, parse_bytes

from .conftest import FIXTURES


def stored(db, name: str, url: str, body: str | None = None) -> R.Source:
    path = next((FIXTURES / "parse" / name).glob("input.*"))
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    if R.parsed(db, sha, PARSER_VERSION) is None:
        R.record_parse(db, sha, parse_bytes(data, str(path)))
    return R.Source(sha256=sha, url=url, body_id=body)


def test_page_and_attachment_resolve_to_one_report_with_both_sources():
    db = sqlite_utils.Database(memory=True)
    R.ensure_schema(db)
    page = stored(db, "html-gbk-wordpaste-pingwu", "http://pw.gov.cn/nb/t1.html", "pingwu")
    pdf = stored(db, "pdf-ruled-pagebreak-pingwu", "http://pw.gov.cn/nb/P0.pdf", "pingwu")
    legacy = stored(db, "text-one-cell-per-line-pingwu", "http://pw.gov.cn/nb/t1_wap.html", "pingwu")
    ids = R.resolve(db, [page, pdf, legacy], PARSER_VERSION)
    assert len(ids) == 1
    report = db["reports"].get(ids[0])
    assert (report["body_id"], report["year"], report["format"]) == ("pingwu", 2023, "2021")
    sources = list(db.query("select url, chosen, kind from report_sources where report_id = ? order by url", ids))
    assert len(sources) == 3 and sum(s["chosen"] for s in sources) == 1
    chosen = next(s for s in sources if s["chosen"])
    assert report["url"] == chosen["url"]
    # the chosen source's cells, with raw text and where they were printed
    cell = next(db.query("select * from cells where report_id = ? and tbl = 'table3' and row = 'new_received' "
                         "and col = 'total'", ids))
    assert cell["value"] == 7 and cell["raw"] == "7" and cell["source"]
    assert db["checks"].count_where("report_id = ?", ids) > 40
    assert db["sections"].count_where("report_id = ?", ids) >= 4


def test_parses_are_idempotent_and_resolution_is_repeatable():
    db = sqlite_utils.Database(memory=True)
    R.ensure_schema(db)
    src = stored(db, "docx-merged-pingwu", "http://x.gov.cn/a.docx")
    stored(db, "docx-merged-pingwu", "http://x.gov.cn/a.docx")  # same bytes again
    assert db["parses"].count == 1
    first = R.resolve(db, [src], PARSER_VERSION)
    counts = {t: db[t].count for t in ("reports", "cells", "checks", "sections", "report_sources")}
    assert R.resolve(db, [src], PARSER_VERSION) == first
    assert {t: db[t].count for t in counts} == counts
    assert db["bodies"].get("平武县人民政府办公室")["name"] == "平武县人民政府办公室"


def test_a_file_that_is_not_a_report_is_kept_as_a_parse_but_makes_no_report():
    db = sqlite_utils.Database(memory=True)
    R.ensure_schema(db)
    sha = hashlib.sha256(b"junk").hexdigest()
    R.record_parse(db, sha, parse_bytes(b"\x00\x01junk" * 50, "junk.bin"))
    assert db["parses"].get(1)["error"]
    assert R.resolve(db, [R.Source(sha)], PARSER_VERSION) == []


def index_names(db, table):
    return {tuple(i.columns) for i in db[table].indexes}


def test_a_first_resolve_loads_without_indexes_and_ends_with_every_index():
    db = sqlite_utils.Database(memory=True)
    R.ensure_schema(db)
    src = stored(db, "docx-merged-pingwu", "http://x.gov.cn/a.docx")
    R.resolve(db, [src], PARSER_VERSION)
    for table, indexes in R.INDEXES.items():
        assert {tuple(cols) for cols, _ in indexes} <= index_names(db, table), table
    # an archive whose build stopped with the indexes dropped gets them back
    db.execute("drop index idx_cells_report_id")
    R.ensure_schema(db)
    assert ("report_id",) in index_names(db, "cells")


def test_record_parse_commits_alone_and_joins_a_callers_transaction(tmp_path):
    import sqlite3

    import pytest

    db = sqlite_utils.Database(tmp_path / "a.db")
    R.ensure_schema(db)
    R.record_parse(db, "a" * 64, {"parser_version": PARSER_VERSION, "year": 2023})
    assert sqlite3.connect(tmp_path / "a.db").execute("select count(*) from parses").fetchone()[0] == 1
    with pytest.raises(RuntimeError):
        with R.transaction(db):
            R.record_parse(db, "b" * 64, {"parser_version": PARSER_VERSION, "year": 2023})
            raise RuntimeError("the batch fails")
    assert db["parses"].count == 1
