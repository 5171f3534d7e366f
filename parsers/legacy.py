"""Figures of free-form (pre-2019) reports, read from the prose where it states them clearly.

Only plain statements are read ("主动公开政府信息425条", "未收到…申请");
an appended statistics table whose cells were glued together by a text dump
("行政复议数条00") is read only when the glued digits are unambiguous (all zero).
"""
from __future__ import annotations

import re
import unicodedata

_N = r"(\d+(?:\.\d+)?)"
STATED = {
    "proactive_disclosed": [r"主动公开(?:政府)?信息(?:共计|共|总数|数量)?(?:为|达)?" + _N + r"条"],
    "applications_received": [r"(?:收到|受理)[^。；，]{0,16}?申请(?:共计|共)?" + _N + r"(?:件|条|份)"],
    "application_replies": [r"答复[^。；，\d]{0,10}?" + _N + r"(?:件|条)"],
    "admin_review": [r"行政复议(?:申请)?(?:案件)?(?:共)?" + _N + r"(?:件|起)"],
    "litigation": [r"行政诉讼(?:案件)?(?:共)?" + _N + r"(?:件|起)"],
    "admin_appeal": [r"申诉(?:案件)?(?:共)?" + _N + r"(?:件|起)"],
}
NONE_STATED = {
    "applications_received": r"(?:未|没有)(?:收到|受理)[^。；]{0,16}?(?:公开)?申请",
    "admin_review": r"(?:未|没有)(?:收到|发生)[^。；]{0,20}?行政复议",
    "litigation": r"(?:未|没有)(?:收到|发生)[^。；]{0,20}?行政诉讼",
}
# Rows of the old statistics table as a text dump glues them: 名称 + 单位 + figures.
GLUED = {
    "applications_received": "受理依申请公开信息总数",
    "application_replies": "对申请的答复数",
    "admin_review": "行政复议数",
    "litigation": "行政诉讼数",
    "admin_appeal": "行政申诉数",
}
_FEES = re.compile(r"收取[^。；]{0,20}?费(?:用)?(?:共计|共)?" + _N + r"(万元|元)")
_NO_FEES = re.compile(r"(?:未|没有|无)收取[^。；]{0,12}?费")


def figures(text: str) -> dict:
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    out: dict = {}
    for key, patterns in STATED.items():
        for p in patterns:
            m = re.search(p, t)
            if m:
                out[key] = number(m.group(1))
                break
        if key not in out and key in NONE_STATED and re.search(NONE_STATED[key], t):
            out[key] = 0
    for key, name in GLUED.items():
        m = re.search(re.escape(name) + r"(?:件|条)(\d+)", t)
        if m and key not in out and set(m.group(1)) == {"0"}:
            out[key] = 0
    m = _FEES.search(t)
    if m:
        out["fees_collected"] = number(m.group(1))
        out["fees_collected_unit"] = m.group(2)
    elif _NO_FEES.search(t):
        out["fees_collected"] = 0
    return out


def number(s: str) -> int | float:
    f = float(s)
    return int(f) if f.is_integer() else f
