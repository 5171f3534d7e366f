"""The Datasette site over an archive built from the parser fixtures, through Datasette's own client."""
from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
from datasette.app import Datasette

from archive import site

from .conftest import build_fixture_archive

@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    db = build_fixture_archive(tmp_path_factory.mktemp("data"))
    return Datasette(immutables=[str(db)], metadata=site.metadata(),
                     template_dir=str(site.TEMPLATES), plugins_dir=str(site.PLUGINS))


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
                                         ("reports", "format"), ("checks", "passed")])
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
