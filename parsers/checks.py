"""Consistency checks on the printed numbers. They report; they never change a value.

Each check is {"id", "passed", "detail"}; passed is None when an operand is
missing or unreadable, so the check cannot be assessed.
"""
from __future__ import annotations

import re
import unicodedata

from .labels import APPLICANTS, TABLE4_BLOCKS, TABLE4_COLUMNS

OUTCOME_ROWS = ("granted", "partially_granted", "denied_state_secret", "denied_prohibited_by_law",
                "denied_security_stability", "denied_third_party_rights", "denied_internal_affairs",
                "denied_process_info", "denied_enforcement_files", "denied_admin_inquiry", "unable_not_held",
                "unable_needs_creation", "unable_unclear", "not_processed_petition", "not_processed_duplicate",
                "not_processed_publication", "not_processed_excessive", "not_processed_confirmation",
                "other_no_correction", "other_unpaid_fee", "other_reasons")

# Printed only by the 2021 form; a report that keeps the 2019 form's single
# 其他处理 row has them wholly empty, and they do not count as missing.
SINGLE_ROW_ABSENT = ("other_no_correction", "other_unpaid_fee")


def single_row_form(t3: dict) -> bool:
    return all(all(v is None for v in (t3.get(k) or {}).values()) for k in SINGLE_ROW_ABSENT)


# Figures the prose states, compared with the table: id -> (patterns, table path)
_N = r"(\d+)"
PROSE = {
    "text.new_received": ([r"(?:收到|受理|新收)[^。；，,]{0,20}?申请(?:共计|共|合计)?" + _N + r"件"],
                          ("table3", "new_received", "total")),
    "text.carried_over": ([r"(?:上年度?结转|结转上年度?)[^。；\d]{0,14}?" + _N + r"件"],
                          ("table3", "carried_over", "total")),
    "text.carried_forward": ([_N + r"件[^。；\d]{0,16}?(?:顺延到下年度|顺延至下年度|结转下年度|转入下年度)",
                              r"结转下年度[^。；\d]{0,10}?" + _N + r"件"],
                             ("table3", "carried_forward", "total")),
    "text.review_total": ([r"行政复议(?:申请)?(?:案件)?(?:共)?" + _N + r"件"], ("table4", "review", "total")),
    "text.litigation_total": ([r"(?<!复议)诉讼(?:案件)?(?:共)?" + _N + r"件"], None),
}
_NONE_RECEIVED = re.compile(r"(?:没有|未|无)(?:收到|受理)[^。；]{0,16}?(?:公开申请|依申请)")


def check(id_: str, passed: bool | None, detail: str) -> dict:
    return {"id": id_, "passed": passed, "detail": detail}


def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def equal_sum(id_: str, parts: list, whole, what: str) -> dict:
    if any(num(p) is None for p in parts) or num(whole) is None:
        return check(id_, None, f"{what}: an operand is missing or unreadable")
    total = sum(parts)
    ok = abs(total - whole) < 1e-6
    return check(id_, ok, f"{what}: {' + '.join(str(p) for p in parts)} = {total}, printed {whole}")


def table3_checks(t3: dict) -> list[dict]:
    out = []
    for col in APPLICANTS:
        g = lambda k: (t3.get(k) or {}).get(col)  # noqa: E731
        out.append(equal_sum(f"table3.balance.{col}", [g("new_received"), g("carried_over"), -g("carried_forward")
                                                         if num(g("carried_forward")) is not None else None],
                             g("total_processed"), f"{col}: 一 + 二 − 四 against 三(七)总计"))
        rows = [k for k in OUTCOME_ROWS if k in t3 and not (k in SINGLE_ROW_ABSENT and single_row_form(t3))]
        out.append(equal_sum(f"table3.outcomes.{col}", [g(k) for k in rows], g("total_processed"),
                             f"{col}: outcome rows against 三(七)总计"))
    for key, row in t3.items():
        row = row or {}
        if key in SINGLE_ROW_ABSENT and single_row_form(t3):
            continue
        out.append(equal_sum(f"table3.columns.{key}", [row.get(c) for c in APPLICANTS[:-1]], row.get("total"),
                             f"{key}: six applicant columns against 总计"))
    return out


def table4_checks(t4: dict) -> list[dict]:
    out = []
    for block in TABLE4_BLOCKS:
        b = t4.get(block) or {}
        out.append(equal_sum(f"table4.{block}", [b.get(c) for c in TABLE4_COLUMNS[:-1]], b.get("total"),
                             f"{block}: 维持 + 纠正 + 其他 + 尚未审结 against 总计"))
    return out


def table2_checks(t2: dict) -> list[dict]:
    negatives = [f"{row}.{col}={v}" for row, cols in t2.items() for col, v in (cols or {}).items()
                 if col != "change" and num(v) is not None and v < 0]
    unread = [f"{row}.{col}" for row, cols in t2.items() for col, v in (cols or {}).items() if num(v) is None]
    if negatives:
        return [check("table2.non_negative", False, "negative counts: " + ", ".join(negatives))]
    if unread:
        return [check("table2.non_negative", None, "unreadable cells: " + ", ".join(unread))]
    return [check("table2.non_negative", True, "every count is zero or more")]


def prose_checks(prose: str, report: dict) -> list[dict]:
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", prose))
    out = []
    for id_, (patterns, path) in PROSE.items():
        stated = None
        for p in patterns:
            m = re.search(p, text)
            if m:
                stated = int(m.group(1))
                break
        if stated is None and id_ == "text.new_received" and _NONE_RECEIVED.search(text):
            stated = 0
        if stated is None:
            continue
        if path is None:  # litigation: both blocks together
            t4 = report.get("table4") or {}
            parts = [(t4.get(b) or {}).get("total") for b in ("litigation_direct", "litigation_after_review")]
            table = sum(parts) if all(num(p) is not None for p in parts) else None
            where = "table4 litigation totals"
        else:
            table = ((report.get(path[0]) or {}).get(path[1]) or {}).get(path[2])
            where = ".".join(path)
        if num(table) is None:
            out.append(check(id_, None, f"the text states {stated}; {where} is not available"))
        else:
            out.append(check(id_, abs(table - stated) < 1e-6, f"the text states {stated}; {where} prints {table}"))
    return out


def run(report: dict, prose: str) -> list[dict]:
    out: list[dict] = []
    for name in ("table2", "table3", "table4"):
        if report.get(name) is None and report.get("format") in ("2019", "2021"):
            out.append(check(f"{name}.found", False, report.get("_missing", {}).get(name, "not found in the document")))
    if report.get("table2"):
        out += table2_checks(report["table2"])
    if report.get("table3"):
        out += table3_checks(report["table3"])
    if report.get("table4"):
        out += table4_checks(report["table4"])
    if report.get("format") in ("2019", "2021"):
        out += prose_checks(prose, report)
    return out
