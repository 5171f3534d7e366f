"""What the archive derives from resolved reports: cross-year checks, wide
tables of tables 2, 3 and 4 (one row per report, columns named with the form's
Chinese labels), and full-text search over the reports' text.

Everything here is rebuilt from `reports`, `cells` and `sections`; running
it twice gives the same tables.
"""
from __future__ import annotations

import sqlite_utils

from parsers.labels import APPLICANTS, TABLE3_ROWS, TABLE4_BLOCKS, TABLE4_COLUMNS

from . import reports

APPLICANT_LABELS = dict(zip(APPLICANTS, ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他组织", "总计")))
TABLE4_LABELS = {"review": "行政复议", "litigation_direct": "未经复议直接起诉", "litigation_after_review": "复议后起诉"}
TABLE4_COLUMN_LABELS = dict(zip(TABLE4_COLUMNS, ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")))
TABLE2_COLUMNS = {  # (row, column) -> label, both forms
    ("rules", "issued"): "规章_本年制发", ("rules", "repealed"): "规章_本年废止", ("rules", "in_force"): "规章_现行有效",
    ("normative_docs", "issued"): "规范性文件_本年制发", ("normative_docs", "repealed"): "规范性文件_本年废止",
    ("normative_docs", "in_force"): "规范性文件_现行有效", ("licensing", "decisions"): "行政许可_处理决定",
    ("penalty", "decisions"): "行政处罚_处理决定", ("coercion", "decisions"): "行政强制_处理决定",
    ("fees", "amount_10k_yuan"): "行政事业性收费_万元",
}
CROSS_YEAR = "cross_year"


def cross_year_checks(db: sqlite_utils.Database) -> int:
    """Per body, last year's 结转下年度 = this year's 上年结转, and last year's
    现行有效 + this year's 制发 − 废止 = this year's 现行有效. The result is a
    check on the later year's report; printed values are not touched."""
    value = {}
    for r in db.query("select c.report_id, c.tbl, c.row, c.col, c.value from cells c "
                      "where (c.tbl = 'table3' and c.row in ('carried_over', 'carried_forward') and c.col = 'total') "
                      "or (c.tbl = 'table2' and c.col in ('issued', 'repealed', 'in_force'))"):
        value[(r["report_id"], r["tbl"], r["row"], r["col"])] = r["value"]
    pairs = db.query("select this.id as this, last.id as last, this.year as year from reports this "
                     "join reports last on last.body_id = this.body_id and last.year = this.year - 1")
    rows = []
    for p in pairs:
        this, last, year = p["this"], p["last"], p["year"]
        before = value.get((last, "table3", "carried_forward", "total"))
        now = value.get((this, "table3", "carried_over", "total"))
        rows.append(row(this, f"{CROSS_YEAR}.carried_over", before, now,
                        f"{year - 1} 结转下年度 {fmt(before)}, {year} 上年结转 {fmt(now)}"))
        for kind in ("rules", "normative_docs"):
            start = value.get((last, "table2", kind, "in_force"))
            issued = value.get((this, "table2", kind, "issued"))
            repealed = value.get((this, "table2", kind, "repealed"))
            end = value.get((this, "table2", kind, "in_force"))
            expected = None if None in (start, issued, repealed) else start + issued - repealed
            rows.append(row(this, f"{CROSS_YEAR}.in_force.{kind}", expected, end,
                            f"{year - 1} 现行有效 {fmt(start)} + {year} 制发 {fmt(issued)} − 废止 {fmt(repealed)} "
                            f"= {fmt(expected)}, {year} 现行有效 {fmt(end)}"))
    with reports.transaction(db):
        db.execute("delete from checks where check_id like ?", [CROSS_YEAR + ".%"])
        reports.insert_rows(db, "checks", ("report_id", "check_id", "passed", "detail"),
                            ((r["report_id"], r["check_id"], r["passed"], r["detail"]) for r in rows))
    return len(rows)


def check_status(db: sqlite_utils.Database) -> None:
    """Each report's checks in one word, for the check-status facet: failing (a check
    failed), incomplete (none failed, some could not be assessed), passed, or
    unchecked; and how many failed. Counted once here: a facet over the checks
    table itself counts millions of rows on every request."""
    with reports.transaction(db):
        db.execute("update reports set checks_failed = 0, check_status = 'unchecked'")
        db.execute("update reports set checks_failed = c.failed, check_status = case when c.failed > 0 "
                   "then 'failing' when c.open > 0 then 'incomplete' else 'passed' end "
                   "from (select report_id, sum(passed = 0) as failed, sum(passed is null) as open "
                   "from checks group by report_id) as c where c.report_id = reports.id")


def row(report_id: int, check_id: str, want, got, detail: str) -> dict:
    passed = None if want is None or got is None else int(abs(want - got) < 1e-6)
    return {"report_id": report_id, "check_id": check_id, "passed": passed, "detail": detail}


def fmt(v) -> str:
    if v is None:
        return "?"
    return str(int(v)) if float(v).is_integer() else str(v)


def short_label(full: str) -> str:
    return {"部分公开区分处理的只计这一情形不计其他情形": "部分公开", "其他": "其他处理",
            "总计": "办理结果总计"}.get(full, full)


# The wide tables: name -> (cells.tbl, {(row, col): column label})
WIDE = {
    "table2_wide": ("table2", TABLE2_COLUMNS),
    "table3_wide": ("table3", {(row_key, col): f"{short_label(full)}_{APPLICANT_LABELS[col]}"
                               for row_key, (full, _) in TABLE3_ROWS.items() for col in APPLICANTS}),
    "table4_wide": ("table4", {(b, c): f"{TABLE4_LABELS[b]}_{TABLE4_COLUMN_LABELS[c]}"
                               for b in TABLE4_BLOCKS for c in TABLE4_COLUMNS}),
}
WIDE_HEAD = {"report_id": "integer primary key", "机关": "text", "省份": "text", "层级": "text", "年度": "integer",
             "格式": "text"}


def wide(name: str, row: str, col: str = "total") -> str:
    """SQL for one figure's column of a wide table, e.g. wide("table3_wide", "granted") -> "予以公开_总计"."""
    return f'"{WIDE[name][1][(row, col)]}"'


# Shares that the canned queries sort by, indexed in the wide tables so that a
# query reads the first rows of an index instead of computing and sorting them all.
T3 = "table3_wide"
RATES = {
    "grant_rate": (T3, f"round(({wide(T3, 'granted')} + {wide(T3, 'partially_granted')}) * 1.0 / "
                       f"nullif({wide(T3, 'total_processed')}, 0), 4)"),
    "not_held_share": (T3, f"round({wide(T3, 'unable_not_held')} * 1.0 / nullif({wide(T3, 'total_processed')}, 0), 4)"),
    "carry_over_rate": (T3, f"round({wide(T3, 'carried_forward')} * 1.0 / "
                            f"nullif({wide(T3, 'new_received')} + {wide(T3, 'carried_over')}, 0), 4)"),
}
WIDE_INDEXES = {"table2_wide": [["年度"]], "table3_wide": [["年度"], ["机关", "年度"]], "table4_wide": [["年度"]]}


def create_views(db: sqlite_utils.Database) -> None:
    """Wide tables of tables 2, 3 and 4, one row per report, columns named as the form prints them.

    They are materialised here rather than kept as views: a view pivots every
    cell of every report on each request (counting a 100k-report archive took
    seconds), while the build pivots them once, in one pass over the cells."""
    for name, (_, columns) in WIDE.items():
        for (kind,) in db.execute("select type from sqlite_master where name = ?", [name]).fetchall():
            db.execute(f"drop {kind} {name}")  # a view, in archives built before these were tables
        cols = [f"[{c}] {t}" for c, t in WIDE_HEAD.items()] + [f'"{label}" real' for label in columns.values()]
        db.execute(f"create table {name} ({', '.join(cols)})")
    slot = {(tbl, r, c): (name, i) for name, (tbl, columns) in WIDE.items()
            for i, (r, c) in enumerate(columns, start=len(WIDE_HEAD))}
    inserts = {name: f"insert into {name} values ({', '.join('?' * (len(WIDE_HEAD) + len(cols)))})"
               for name, (_, cols) in WIDE.items()}
    heads = db.execute("select r.id, b.name, b.province, b.level, r.year, r.format from reports r "
                       "join bodies b on b.id = r.body_id order by r.id")
    cells = db.execute("select report_id, tbl, row, col, value from cells where value is not null order by report_id")
    cell = next(cells, None)
    batch: dict[str, list] = {name: [] for name in WIDE}
    with reports.transaction(db):
        for head in heads:
            rows = {name: list(head) + [None] * len(cols) for name, (_, cols) in WIDE.items()}
            while cell is not None and cell[0] <= head[0]:
                report_id, tbl, row, col, value = cell
                where = slot.get((tbl, row, col)) if report_id == head[0] else None
                if where is not None:
                    values, i = rows[where[0]], where[1]
                    if values[i] is None or value > values[i]:  # as max() would pick among duplicates
                        values[i] = value
                cell = next(cells, None)
            for name, values in rows.items():
                batch[name].append(values)
            if len(batch["table3_wide"]) >= 1000:
                flush(db, inserts, batch)
        flush(db, inserts, batch)
    for name, indexes in WIDE_INDEXES.items():
        for cols in indexes:
            db.execute(f"create index {name}_{'_'.join(cols)} on {name} ({', '.join(f'[{c}]' for c in cols)})")
    for query, (name, expr) in RATES.items():
        db.execute(f"create index {name}_{query} on {name} ({expr})")


def flush(db: sqlite_utils.Database, inserts: dict[str, str], batch: dict[str, list]) -> None:
    for name, rows in batch.items():
        db.conn.executemany(inserts[name], rows)
        rows.clear()


# Every CJK character (U+3400-U+9FFF, U+F900-U+FAFF) -> itself between spaces.
_SPACED = {c: f" {chr(c)} " for r in ((0x3400, 0x9FFF), (0xF900, 0xFAFF)) for c in range(r[0], r[1] + 1)}


def spaced(text: str) -> str:
    """Every CJK character a token of its own, for the short-term index."""
    return text.translate(_SPACED)


def build_search(db: sqlite_utils.Database) -> None:
    """Two full-text indexes over the report sections: a trigram index for terms
    of three characters or more, and an index with one token per character so
    that one- and two-character terms (复议, 诉讼) are found as phrases."""
    for name in ("sections_fts", "sections_chars"):
        db.execute(f"drop table if exists {name}")
    db.execute("create virtual table sections_fts using fts5(heading, text, content='sections', "
               "content_rowid='rowid', tokenize='trigram')")
    db.execute("insert into sections_fts(sections_fts) values ('rebuild')")
    db.execute("create virtual table sections_chars using fts5(text, tokenize='unicode61')")
    with db.conn:
        db.conn.executemany("insert into sections_chars(rowid, text) values (?, ?)",
                            ((r["rowid"], spaced(r["heading"] + "\n" + r["text"]))
                             for r in db.query("select rowid, heading, text from sections")))


def search(db: sqlite_utils.Database, term: str, limit: int = 50) -> list[dict]:
    """Sections whose text holds `term`, through the index that can find it."""
    term = term.strip()
    if len(term) >= 3:
        sql = ("select s.report_id, s.number, s.heading from sections_fts f join sections s on s.rowid = f.rowid "
               "where sections_fts match ? order by rank limit ?")
        return [dict(r) for r in db.query(sql, ['"' + term.replace('"', '""') + '"', limit])]
    phrase = '"' + " ".join(term).replace('"', '""') + '"'
    sql = ("select s.report_id, s.number, s.heading from sections_chars f join sections s on s.rowid = f.rowid "
           "where sections_chars match ? order by rank limit ?")
    return [dict(r) for r in db.query(sql, [phrase, limit])]
