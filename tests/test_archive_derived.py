"""Cross-year checks, wide views and Chinese full-text search in the archive."""
from __future__ import annotations

import copy
import hashlib

import sqlite_utils

from archive import derived as D
from archive import reports as R
from parsers import PARSER_VERSION, parse_file

from .conftest import FIXTURES


def archive_of_two_years(carried_forward_2022: int, in_force_2022: int):
    """The pingwu 2023 report and a 2022 report of the same body made from it."""
    db = sqlite_utils.Database(memory=True)
    R.ensure_schema(db)
    this = parse_file(str(FIXTURES / "parse" / "text-markdown-pipe-pingwu" / "input.md"))
    last = copy.deepcopy(this)
    last["year"] = 2022
    for c in last["cells"]:
        if (c["table"], c["row"], c["column"]) == ("table3", "carried_forward", "total"):
            c["value"] = carried_forward_2022
        if (c["table"], c["row"], c["column"]) == ("table2", "normative_docs", "in_force"):
            c["value"] = in_force_2022
    sources = []
    for report in (last, this):
        sha = hashlib.sha256(str(report["year"]).encode()).hexdigest()
        R.record_parse(db, sha, report)
        sources.append(R.Source(sha, body_id="pingwu"))
    R.resolve(db, sources, PARSER_VERSION)
    return db


def checks_of(db, year):
    rid = next(db.query("select id from reports where year = ?", [year]))["id"]
    return {r["check_id"]: r for r in db.query("select * from checks where report_id = ? and check_id like "
                                               "'cross_year.%'", [rid])}


def test_cross_year_checks_pass_when_the_years_agree():
    # 2023 prints 上年结转 0, and normative docs 制发 2, 废止 2, 现行有效 8: so 2022 must end at 0 and 8.
    db = archive_of_two_years(carried_forward_2022=0, in_force_2022=8)
    assert D.cross_year_checks(db) == 3
    found = checks_of(db, 2023)
    assert found["cross_year.carried_over"]["passed"] == 1
    assert found["cross_year.in_force.normative_docs"]["passed"] == 1
    assert checks_of(db, 2022) == {}  # no 2021 report to compare with


def test_cross_year_checks_report_disagreement_without_changing_values():
    db = archive_of_two_years(carried_forward_2022=5, in_force_2022=10)
    D.cross_year_checks(db)
    found = checks_of(db, 2023)
    assert found["cross_year.carried_over"]["passed"] == 0
    assert "2022 结转下年度 5, 2023 上年结转 0" in found["cross_year.carried_over"]["detail"]
    assert found["cross_year.in_force.normative_docs"]["passed"] == 0
    assert next(db.query("select value from cells c join reports r on r.id = c.report_id where r.year = 2022 and "
                         "c.row = 'carried_forward' and c.col = 'total'"))["value"] == 5
    D.cross_year_checks(db)  # rebuilt, not duplicated
    assert db["checks"].count_where("check_id like 'cross_year.%'") == 3


def test_check_status_sums_up_each_reports_checks():
    db = archive_of_two_years(carried_forward_2022=5, in_force_2022=10)
    D.cross_year_checks(db)
    D.check_status(db)
    status = {r["year"]: (r["check_status"], r["checks_failed"]) for r in db.query("select * from reports")}
    failed_2023 = db.execute("select count(*) from checks c join reports r on r.id = c.report_id "
                             "where r.year = 2023 and c.passed = 0").fetchone()[0]
    assert failed_2023 >= 2 and status[2023] == ("failing", failed_2023)
    db.execute("update checks set passed = 1 where passed = 0")
    db.execute("update checks set passed = null where check_id = 'cross_year.carried_over'")
    D.check_status(db)
    status = {r["year"]: (r["check_status"], r["checks_failed"]) for r in db.query("select * from reports")}
    assert status[2023] == ("incomplete", 0)
    assert status[2022][1] == 0 and status[2022][0] in ("passed", "incomplete")
    db.execute("delete from checks")
    D.check_status(db)
    assert {r["check_status"] for r in db.query("select check_status from reports")} == {"unchecked"}


def test_wide_views_use_the_forms_labels():
    db = archive_of_two_years(0, 8)
    D.create_views(db)
    row = next(db.query("select * from table3_wide where 年度 = 2023"))
    assert row["本年新收政府信息公开申请数量_自然人"] == 7 and row["本机关不掌握相关政府信息_总计"] == 3
    row4 = next(db.query("select * from table4_wide where 年度 = 2023"))
    assert row4["行政复议_总计"] == 1 and row4["复议后起诉_尚未审结"] == 1
    row2 = next(db.query("select * from table2_wide where 年度 = 2023"))
    assert row2["规范性文件_现行有效"] == 8


def test_search_finds_long_and_short_chinese_terms():
    db = archive_of_two_years(0, 8)
    D.build_search(db)
    assert D.search(db, "政府信息公开申请")          # trigram index
    short = D.search(db, "复议")                    # two characters: the per-character index
    assert short and all(isinstance(r["report_id"], int) for r in short)
    assert D.search(db, "诉") and not D.search(db, "飞机")


def pivot_sql(name: str) -> str:
    """The wide view as the archive defined it before the wide tables were materialised."""
    tbl, columns = D.WIDE[name]
    cols = ", ".join(f"max(case when c.row = '{r}' and c.col = '{k}' then c.value end) as \"{label}\""
                     for (r, k), label in columns.items())
    return (f"select r.id as report_id, b.name as 机关, b.province as 省份, b.level as 层级, r.year as 年度, "
            f"r.format as 格式, {cols} from reports r join bodies b on b.id = r.body_id "
            f"left join cells c on c.report_id = r.id and c.tbl = '{tbl}' group by r.id order by r.id")


def test_wide_tables_hold_what_the_pivot_of_the_cells_gives():
    db = archive_of_two_years(0, 8)
    D.create_views(db)
    for name in D.WIDE:
        assert name in db.table_names() and name not in db.view_names()
        want = [tuple(r) for r in db.execute(pivot_sql(name))]
        got = [tuple(r) for r in db.execute(f"select * from {name} order by report_id")]
        assert got == want and len(got) == 2


def test_wide_tables_replace_the_views_of_an_older_archive_and_rebuild():
    db = archive_of_two_years(0, 8)
    db.execute("create view table3_wide as select 1 as report_id")
    D.create_views(db)
    D.create_views(db)
    assert db["table3_wide"].count == 2 and "table3_wide" in db.table_names()
    assert {i.name for i in db["table3_wide"].indexes} >= {f"table3_wide_{q}" for q in D.RATES}


def test_spaced_puts_every_cjk_character_between_spaces():
    import re

    cjk = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])")
    for text in ("复议abc 12件", "政府信息公开，申请123件。\n诉讼", "\u3400\u9fff\uf900\ufaff\u33ff\ua000 x"):
        assert D.spaced(text) == cjk.sub(r" \1 ", text)
