"""Read one printed cell: its kind and its value, without changing what was printed.

Kinds: number, blank, dash (/, -, —, 无: the form's "none"), text (anything
else). Blank and dash count as 0 in count cells (contract); text is null.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_NUMBER = re.compile(r"^[+\-−]?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^[+\-−]?\d{1,3}([,，]\d{3})+(\.\d+)?$")
# Units printed inside the cell; the value is the figure as printed.
_UNIT = re.compile(r"(万元|元|件|条|个|项|次|份|人次|宗)$")
DASHES = {"/", "-", "—", "——", "–", "－", "―", "一", "无", "/ ", "\\", "×", "-/-", "——/——"}
_INVISIBLE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


@dataclass(slots=True, frozen=True)
class Value:
    kind: str  # number | blank | dash | text
    value: int | float | None


def norm_text(s: str) -> str:
    """Full-width digits and punctuation to ASCII; invisible spaces removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", s))


@lru_cache(maxsize=65536)
def read(raw: str) -> Value:
    s = norm_text(raw)
    if not s:
        return Value("blank", 0)
    if s in DASHES or set(s) <= {"-", "—", "/", "–", "－", "―"}:
        return Value("dash", 0)
    s = _UNIT.sub("", s)
    if _GROUPED.match(s):
        s = s.replace(",", "").replace("，", "")
    s = s.replace("−", "-")
    if _NUMBER.match(s):
        return Value("number", to_number(s))
    return Value("text", None)


def to_number(s: str) -> int | float:
    if "." in s:
        f = float(s)
        return int(f) if f.is_integer() else f
    return int(s)


def is_value(raw: str) -> bool:
    """Could this cell be a figure of a table row (as opposed to a label)?"""
    return read(raw).kind != "text"


def is_number(raw: str) -> bool:
    return read(raw).kind == "number"
