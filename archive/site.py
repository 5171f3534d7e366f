"""The Datasette site over the archive: metadata (descriptions with units for
every table and column), facets, the canned queries researchers compute, and
the command line that serves it read-only.

    nianbao serve --data DIR      # datasette serve -i DIR/archive.db with this configuration
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from . import derived

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"  # the report page
PLUGINS = HERE / "plugins"


T3, T4 = "table3_wide", "table4_wide"


def t3(row: str, col: str = "total") -> str:
    """SQL for one table-3 figure of a report, a column of table3_wide."""
    return derived.wide(T3, row, col)


def t4(block: str, col: str) -> str:
    return derived.wide(T4, block, col)


# The canned queries read the wide tables, which the build materialises and
# indexes (the shares they sort by included), so that a query reads the first
# thousand rows of an index instead of computing the figures of every report.
REPORT_COLUMNS = "report_id, 机关, 省份, 年度"


def rate(query: str) -> str:
    return derived.RATES[query][1]


QUERIES = {
    "grant_rate": {
        "title": "予以公开和部分公开的比例 (grant rate)",
        "description": "(予以公开 + 部分公开) / 办理结果总计, per report, from the printed totals. Share, 0-1.",
        "sql": f"select {REPORT_COLUMNS}, {t3('granted')} as 予以公开, {t3('partially_granted')} as 部分公开, "
               f"{t3('total_processed')} as 总计, {rate('grant_rate')} as 比例 from {T3} order by 比例 desc",
    },
    "not_held_share": {
        "title": "本机关不掌握相关政府信息的比例",
        "description": "三(四)1 本机关不掌握 / 办理结果总计, per report. Share, 0-1.",
        "sql": f"select {REPORT_COLUMNS}, {t3('unable_not_held')} as 不掌握, {t3('total_processed')} as 总计, "
               f"{rate('not_held_share')} as 比例 from {T3} order by 比例 desc",
    },
    "carry_over_rate": {
        "title": "结转下年度的比例 (carry-over rate)",
        "description": "四 结转下年度继续办理 / (一 本年新收 + 二 上年结转), per report. Share, 0-1.",
        "sql": f"select {REPORT_COLUMNS}, {t3('carried_forward')} as 结转下年度, {t3('new_received')} as 本年新收, "
               f"{t3('carried_over')} as 上年结转, {rate('carry_over_rate')} as 比例 from {T3} order by 比例 desc",
    },
    "correction_rate": {
        "title": "复议、诉讼结果纠正的比例 (correction rate)",
        "description": "结果纠正 / 总计 for 行政复议 and for 行政诉讼 (both kinds of suit together), per report. Share, 0-1.",
        "sql": f"select {REPORT_COLUMNS}, {t4('review', 'corrected')} as 复议纠正, {t4('review', 'total')} as 复议总计, "
               f"round({t4('review', 'corrected')} * 1.0 / nullif({t4('review', 'total')}, 0), 4) as 复议纠正率, "
               f"{t4('litigation_direct', 'corrected')} + {t4('litigation_after_review', 'corrected')} as 诉讼纠正, "
               f"{t4('litigation_direct', 'total')} + {t4('litigation_after_review', 'total')} as 诉讼总计, "
               f"round(({t4('litigation_direct', 'corrected')} + {t4('litigation_after_review', 'corrected')}) * 1.0 / "
               f"nullif({t4('litigation_direct', 'total')} + {t4('litigation_after_review', 'total')}, 0), 4) "
               f"as 诉讼纠正率 from {T4} order by 年度 desc",
    },
    "requests_per_body_year": {
        "title": "各机关各年度收到的申请 (requests per body and year)",
        "description": "一 本年新收政府信息公开申请数量 (总计 column), per body and report year. Count of applications.",
        "sql": f"select 机关, 省份, 层级, 年度, {t3('new_received')} as 本年新收 from {T3} order by 机关, 年度",
    },
    "failing_checks": {
        "title": "未通过各项检查的年报 (reports failing each check)",
        "description": "For every check, how many reports fail it and which. A failed check is a finding about "
                       "the printed numbers (publishers make arithmetic errors) as often as a parser error.",
        "sql": "select c.check_id as 检查, count(*) as 未通过, group_concat(b.name || ' ' || r.year, '；') as 年报 "
               "from checks c join reports r on r.id = c.report_id join bodies b on b.id = r.body_id "
               "where c.passed = 0 group by c.check_id order by 未通过 desc",
    },
    "coverage": {
        "title": "年报覆盖情况 (coverage: body × year)",
        "description": "One row per body and year between the first and last year in the archive; 有年报 is 0 "
                       "where the body has no report for that year.",
        "sql": "with recursive years(y) as (select min(year) from reports union all select y + 1 from years "
               "where y < (select max(year) from reports)) select b.name as 机关, b.province as 省份, "
               "b.level as 层级, years.y as 年度, (select count(*) from reports r where r.body_id = b.id "
               "and r.year = years.y) as 有年报 from bodies b cross join years order by 机关, 年度",
    },
}


def metadata() -> dict:
    applicant_note = "Applicant columns: " + ", ".join(
        f"{k} = {v}" for k, v in derived.APPLICANT_LABELS.items())
    tables = {
        "bodies": {"description": "Publishing bodies (机关): from the portal registry, or named by a report.",
                   "facets": ["province", "level"],
                   "columns": {"id": "Registry portal id, or the agency name for bodies known only from a report",
                               "name": "机关名称 as printed", "level": "province, city, county, township or department",
                               "province": "省级行政区", "city": "地级市", "county": "县级行政区",
                               "portal": "Registry portal id"}},
        "reports": {"description": "One row per body and report year; the source whose numbers were taken is "
                                   "blob_sha256 / capture_id.",
                    "facets": ["year", "format", "check_status"],
                    "columns": {"body_id": "The publishing body", "year": "Report year (the year the figures cover)",
                                "format": "2021, 2019 or legacy form", "title": "Title as printed",
                                "published": "Publication or signature date (ISO)", "url": "URL of the chosen source",
                                "capture_id": "The capture of the chosen source", "blob_sha256": "sha256 of its bytes",
                                "parser_version": "Parser version that read it", "parse_id": "The parse used",
                                "check_status": "failing (a check failed), incomplete (none failed, some not "
                                                "assessable), passed, or unchecked",
                                "checks_failed": "How many of its checks failed (the checks table lists them)"}},
        "report_sources": {"description": "Every stored file that carries a report; chosen = 1 for the one whose "
                                          "numbers the report shows.",
                           "columns": {"chosen": "1 if this source's numbers were taken", "kind": "File kind"}},
        "cells": {"description": "Every table cell in long form. value is the printed number (blank, /, — and 无 "
                                 "count as 0 and are marked by kind); raw is the text as printed. " + applicant_note,
                  "columns": {"tbl": "table2, table3 or table4", "row": "Row key of the parse contract",
                              "col": "Column key of the parse contract",
                              "value": "The figure: a count (件/条), or 万元 for table 2 fees",
                              "raw": "The cell's text as printed", "kind": "number, blank, dash or text",
                              "source": "Where it is printed: html element path, pdf page+bbox (points), "
                                        "docx table/row/cell, text line, ocr page+box (pixels)"}},
        "checks": {"description": "Consistency checks on the printed numbers. passed is 1, 0, or null when an "
                                  "operand is missing. Each report's checks in one word: reports.check_status "
                                  "(filter by report or check before faceting: this table has millions of rows).",
                   "columns": {"check_id": "Which check", "passed": "1 passed, 0 failed, null not assessable",
                               "detail": "The numbers compared"}},
        "sections": {"description": "The report's numbered parts (一 总体情况 … 六 其他需要报告的事项) with their text. "
                                    "Search finds terms of three characters or more (trigram index).",
                     "fts_table": "sections_fts", "fts_pk": "rowid",
                     "columns": {"number": "Part number, 1-6", "heading": "Heading as printed", "text": "Its text"}},
        "parses": {"description": "Every parse of every stored file by every parser version (report_json holds "
                                  "the full output).",
                   "facets": ["parser_version", "format"]},
        "table2_wide": {"description": "表二 主动公开政府信息情况, one row per report. Counts of documents (件) and "
                                       "decisions; 行政事业性收费 in 万元."},
        "table3_wide": {"description": "表三 收到和处理政府信息公开申请情况, one row per report; each column is a "
                                       "form row × applicant column. Counts of applications (件).",
                        "size": 20},  # 181 columns: a page of 100 rows takes longer to render than to query
        "table4_wide": {"description": "表四 政府信息公开行政复议、行政诉讼情况, one row per report. Counts of cases (件)."},
    }
    return {
        "title": "nianbao 政府信息公开工作年度报告",
        "description": "Figures of China's government information disclosure annual reports (政府信息公开工作年度报告), "
                       "parsed from the files as published, with their provenance and consistency checks.",
        "source": "Government portals (政府信息公开年报 columns); every figure links to its stored original file",
        "license": "Public government information; archive compilation CC BY 4.0",
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "databases": {"archive": {"tables": tables, "queries": QUERIES}},
    }


def write_metadata(path: Path) -> Path:
    path.write_text(json.dumps(metadata(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# Datasette settings of the served archive (`nianbao serve` and datasette_app alike).
# Suggested facets are off: Datasette tries up to three queries per column on
# every table page, 540 on table3_wide, which cost seconds on a large archive;
# any column can still be faceted from its column menu or with ?_facet=.
SETTINGS = {"sql_time_limit_ms": 3000, "suggest_facets": False}


def inspect_data(db: Path) -> dict:
    """Row counts of every table in the form `datasette inspect` writes them.

    Datasette serves the archive immutable and, given these, shows a table's
    count without running select count(*) on every request of its page (the
    cells table of 100k reports holds 18M rows). The hash is left out: computing
    it reads the whole file, and Datasette only displays it."""
    conn = sqlite3.connect(f"{Path(db).resolve().as_uri()}?immutable=1", uri=True)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        counts = {n: conn.execute(f"select count(*) from [{n}]").fetchone()[0] for n in names}
    finally:
        conn.close()
    return {db.stem: {"hash": None, "size": db.stat().st_size, "file": str(db),
                      "tables": {n: {"count": c} for n, c in counts.items()}}}


def datasette_app(db: Path):
    """The served archive in-process (for tests and benchmarks), configured as `nianbao serve` configures it."""
    from datasette.app import Datasette

    return Datasette(immutables=[str(db)], metadata=metadata(), template_dir=str(TEMPLATES),
                     plugins_dir=str(PLUGINS), settings=SETTINGS, inspect_data=inspect_data(db))


def cli_value(value) -> str:
    return {True: "on", False: "off"}.get(value, str(value)) if isinstance(value, bool) else str(value)


def serve_command(db: Path, port: int = 8001, host: str = "127.0.0.1") -> list[str]:
    meta = write_metadata(db.with_name("metadata.json"))
    inspect = db.with_name("inspect.json")
    inspect.write_text(json.dumps(inspect_data(db), ensure_ascii=False), encoding="utf-8")
    settings = [arg for name, value in SETTINGS.items() for arg in ("--setting", name, cli_value(value))]
    return [sys.executable, "-m", "datasette", "serve", "-i", str(db), "--metadata", str(meta),
            "--inspect-file", str(inspect), "--template-dir", str(TEMPLATES), "--plugins-dir", str(PLUGINS),
            "--host", host, "--port", str(port), *settings]
