"""The Datasette site over an archive built from the parser fixtures, through Datasette's own client."""
from __future__ import annotations

import asyncio
import hashlib
import json

import pytest

from archive import site

from .conftest import build_fixture_archive

@pytest.fixture(scope="module")
def archive_db(tmp_path_factory):
    return build_fixture_archive(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def datasette(archive_db):
    return site.datasette_app(archive_db)


def get(ds, path):
    return asyncio.run(ds.client.get(path))


def rows(ds, path):
    response = get(ds, path + ("&" if "?" in path else "?") + "_shape=array")
    assert response.status_code == 200, response.text[:500]
    return response.json()


@pytest.mark.parametrize("query", sorted(site.QUERIES))
def test_every_canned_query_runs(datasette, query):
    result = rows(datasette, f"/archive/{query}.json")
    assert result, f"{query} returned nothing"


def test_grant_rate_is_computed_from_the_printed_figures(datasette):
    pingwu = next(r for r in rows(datasette, "/archive/grant_rate.json") if r["机关"] == "平武县人民政府办公室")
    assert (pingwu["予以公开"], pingwu["部分公开"], pingwu["总计"], pingwu["比例"]) == (0, 2, 7, round(2 / 7, 4))


def test_coverage_shows_missing_years(datasette):
    cover = rows(datasette, "/archive/coverage.json")
    biaokou = {r["年度"]: r["有年报"] for r in cover if r["机关"] == "俵口镇"}
    assert biaokou[2022] == 1 and biaokou[2023] == 0 and biaokou[2021] == 0


@pytest.mark.parametrize("table,facet", [("bodies", "province"), ("bodies", "level"), ("reports", "year"),
                                         ("reports", "format"), ("reports", "check_status"), ("checks", "passed")])
def test_facets(datasette, table, facet):
    response = get(datasette, f"/archive/{table}.json?_facet={facet}")
    assert response.status_code == 200
    facets = response.json()["facet_results"]
    facets = facets.get("results", facets)
    assert facet in facets


def test_descriptions_for_tables_and_columns(datasette):
    meta = site.metadata()["databases"]["archive"]["tables"]
    assert "万元" in meta["cells"]["columns"]["value"]
    page = get(datasette, "/archive/cells")
    assert page.status_code == 200 and "raw is the text as printed" in page.text


def test_report_page_shows_the_official_layout_checks_and_sources(datasette):
    rid = rows(datasette, "/archive/reports.json?year=2023&_col=id")[0]["id"]
    page = get(datasette, f"/report/{rid}")
    assert page.status_code == 200
    html = page.text
    for words in ("三、收到和处理政府信息公开申请情况", "1.本机关不掌握相关政府信息", "行政复议", "结果纠正", "检查 Checks",
                  "来源 Sources", "/blob/"):
        assert words in html, words
    sha = rows(datasette, f"/archive/report_sources.json?report_id={rid}&chosen=1")[0]["sha256"]
    original = get(datasette, f"/blob/{sha}")
    assert original.status_code == 200 and hashlib.sha256(original.content).hexdigest() == sha


def test_missing_report_is_404(datasette):
    assert get(datasette, "/report/99999").status_code == 404


def test_wide_views(datasette):
    t3 = rows(datasette, "/archive/table3_wide.json?年度=2023")
    assert t3 and "本年新收政府信息公开申请数量_总计" in t3[0]
    assert json.dumps(t3[0], ensure_ascii=False)


def cell(row: str, col: str = "total", tbl: str = "table3") -> str:
    return f"(select value from cells where report_id = r.id and tbl = '{tbl}' and row = '{row}' and col = '{col}')"


def share(a: str, b: str) -> str:
    return f"round({a} * 1.0 / nullif({b}, 0), 4)"


# The canned queries as they were written before the wide tables: straight from the cells.
HEAD = "r.id as report_id, b.name as 机关, b.province as 省份, r.year as 年度"
FROM = "from reports r join bodies b on b.id = r.body_id"
T4 = {(b, c): cell(b, c, "table4") for b in ("review", "litigation_direct", "litigation_after_review")
      for c in ("corrected", "total")}
FROM_CELLS = {
    "grant_rate": f"select {HEAD}, {cell('granted')}, {cell('partially_granted')}, {cell('total_processed')}, "
                  f"{share(cell('granted') + ' + ' + cell('partially_granted'), cell('total_processed'))} {FROM}",
    "not_held_share": f"select {HEAD}, {cell('unable_not_held')}, {cell('total_processed')}, "
                      f"{share(cell('unable_not_held'), cell('total_processed'))} {FROM}",
    "carry_over_rate": f"select {HEAD}, {cell('carried_forward')}, {cell('new_received')}, {cell('carried_over')}, "
                       f"{share(cell('carried_forward'), cell('new_received') + ' + ' + cell('carried_over'))} {FROM}",
    "correction_rate": f"select {HEAD}, {T4['review', 'corrected']}, {T4['review', 'total']}, "
                       f"{share(T4['review', 'corrected'], T4['review', 'total'])}, "
                       f"{T4['litigation_direct', 'corrected']} + {T4['litigation_after_review', 'corrected']}, "
                       f"{T4['litigation_direct', 'total']} + {T4['litigation_after_review', 'total']}, "
                       f"round(({T4['litigation_direct', 'corrected']} + {T4['litigation_after_review', 'corrected']})"
                       f" * 1.0 / nullif({T4['litigation_direct', 'total']} + {T4['litigation_after_review', 'total']}"
                       f", 0), 4) {FROM}",
    "requests_per_body_year": f"select b.name, b.province, b.level, r.year, {cell('new_received')} {FROM}",
}


@pytest.mark.parametrize("query", sorted(FROM_CELLS))
def test_canned_queries_give_what_the_cells_give(archive_db, query):
    import sqlite3

    conn = sqlite3.connect(archive_db)
    key = lambda r: tuple((v is None, str(v)) for v in r)  # noqa: E731
    want = sorted(conn.execute(FROM_CELLS[query]).fetchall(), key=key)
    got = sorted(conn.execute(site.QUERIES[query]["sql"]).fetchall(), key=key)
    assert got == want and want


@pytest.mark.parametrize("query", ["grant_rate", "not_held_share", "carry_over_rate", "correction_rate",
                                   "requests_per_body_year"])
def test_canned_queries_read_rows_in_index_order(archive_db, query):
    import sqlite3

    plan = " ".join(r[3] for r in sqlite3.connect(archive_db).execute("explain query plan " + site.QUERIES[query]["sql"]))
    assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan


def test_search_through_datasette(datasette):
    found = rows(datasette, "/archive/sections.json?_search=" + "政府信息公开")
    assert found and all("政府信息公开" in r["text"] + r["heading"] for r in found)


def test_table_counts_are_given_to_datasette(archive_db, datasette):
    import sqlite3

    counts = site.inspect_data(archive_db)["archive"]["tables"]
    conn = sqlite3.connect(archive_db)
    for table in ("reports", "cells", "checks", "table3_wide"):
        assert counts[table]["count"] == conn.execute(f"select count(*) from {table}").fetchone()[0]
    page = get(datasette, "/archive/cells.json?_size=1")
    assert page.json()["filtered_table_rows_count"] == counts["cells"]["count"]


def test_index_and_database_pages_without_a_hash(datasette):
    assert get(datasette, "/").status_code == 200
    assert get(datasette, "/archive").status_code == 200


def test_serve_command_configures_datasette_as_datasette_app(archive_db):
    cmd = site.serve_command(archive_db)
    inspect = cmd[cmd.index("--inspect-file") + 1]
    assert json.loads(open(inspect, encoding="utf-8").read()) == site.inspect_data(archive_db)
    for name, value in site.SETTINGS.items():
        assert ["--setting", name, site.cli_value(value)] == cmd[cmd.index(name) - 1: cmd.index(name) + 2]
