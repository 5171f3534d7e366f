"""The synonym dictionary: how publishers really print the form's row labels.

Tables are found by these labels, never by section numbers or cell order.
A label is first normalised (`norm`): full-width to half-width, spaces,
punctuation, quotes and item numbering (一、 （三） 1. 1、 ①) removed,
Traditional characters to Simplified. It then matches a row when it contains
one of the row's keywords; the longest keyword wins, so
（六）其他处理 1.申请人无正当理由逾期不补正 is other_no_correction, not
other_reasons. Labels with a dropped or wrong character still match by
similarity to the row's full form label (`FULL`).
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

_NUMBERING = re.compile(
    r"(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩])"
)
_PUNCT = re.compile(r"[\s\u00a0\u3000\u200b\ufeff,，。.．、:：;；\"'“”‘’《》〈〉()（）\[\]【】<>/\\|*_~-]+")

# Table 2, both forms: key -> keywords (normalised)
TABLE2_ROWS: dict[str, tuple[str, ...]] = {
    "rules": ("规章",),
    "normative_docs": ("规范性文件", "规范性文",),
    "licensing": ("行政许可", "许可"),
    "other_admin_services": ("其他对外管理服务事项", "对外管理服务"),
    "penalty": ("行政处罚", "处罚"),
    "coercion": ("行政强制", "强制"),
    "fees": ("行政事业性收费", "事业性收费", "收费"),
    "procurement": ("政府集中采购", "集中采购"),
}
TABLE2_COLUMNS = {
    "2021": {
        "rules": ("issued", "repealed", "in_force"),
        "normative_docs": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalty": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("amount_10k_yuan",),
    },
    "2019": {
        "rules": ("new_made", "new_published", "total_published"),
        "normative_docs": ("new_made", "new_published", "total_published"),
        "licensing": ("prior_year_items", "change", "decisions"),
        "other_admin_services": ("prior_year_items", "change", "decisions"),
        "penalty": ("prior_year_items", "change", "decisions"),
        "coercion": ("prior_year_items", "change", "decisions"),
        "fees": ("prior_year_items", "change"),
        "procurement": ("items", "amount"),
    },
}
# Column headers that tell the forms apart (normalised).
FORM_2019_HINTS = ("本年新制作", "新制作数量", "本年新公开", "对外公开总数量", "上一年项目数量", "本年增减", "政府集中采购", "采购项目数量")
FORM_2021_HINTS = ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额")

APPLICANTS = ("natural_person", "commercial_enterprise", "research_institution",
              "social_welfare_org", "legal_service_org", "other_org", "total")

# Table 3 rows in form order: key -> (full form label, keywords)
TABLE3_ROWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "new_received": ("本年新收政府信息公开申请数量", ("本年新收", "新收政府信息公开申请", "本年收到")),
    "carried_over": ("上年结转政府信息公开申请数量", ("上年结转", "上年度结转")),
    "granted": ("予以公开", ("予以公开",)),
    "partially_granted": ("部分公开区分处理的只计这一情形不计其他情形", ("部分公开",)),
    "denied_state_secret": ("属于国家秘密", ("国家秘密",)),
    "denied_prohibited_by_law": ("其他法律行政法规禁止公开", ("法律行政法规禁止", "行政法规禁止", "禁止公开")),
    "denied_security_stability": ("危及三安全一稳定", ("三安全一稳定", "危及")),
    "denied_third_party_rights": ("保护第三方合法权益", ("第三方合法权益", "第三方")),
    "denied_internal_affairs": ("属于三类内部事务信息", ("内部事务",)),
    "denied_process_info": ("属于四类过程性信息", ("过程性信息", "过程性")),
    "denied_enforcement_files": ("属于行政执法案卷", ("执法案卷",)),
    "denied_admin_inquiry": ("属于行政查询事项", ("行政查询", "查询事项")),
    "unable_not_held": ("本机关不掌握相关政府信息", ("不掌握",)),
    "unable_needs_creation": ("没有现成信息需要另行制作", ("另行制作", "没有现成")),
    "unable_unclear": ("补正后申请内容仍不明确", ("仍不明确", "补正后申请")),
    "not_processed_petition": ("信访举报投诉类申请", ("信访举报投诉", "信访")),
    "not_processed_duplicate": ("重复申请", ("重复申请",)),
    "not_processed_publication": ("要求提供公开出版物", ("公开出版物", "出版物")),
    "not_processed_excessive": ("无正当理由大量反复申请", ("大量反复", "反复申请")),
    "not_processed_confirmation": ("要求行政机关确认或重新出具已获取信息", ("重新出具", "确认或重新", "已获取信息")),
    "other_no_correction": ("申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请", ("逾期不补正", "不补正")),
    "other_unpaid_fee": ("申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请", ("收费通知", "缴纳费用")),
    "other_reasons": ("其他", ()),  # matched by `is_other_reasons`
    "total_processed": ("总计", ("总计", "合计")),
    "carried_forward": ("结转下年度继续办理", ("结转下年度", "下年度继续办理", "转下年度")),
}
TABLE3_2019_ABSENT = ("other_no_correction", "other_unpaid_fee")

TABLE4_BLOCKS = ("review", "litigation_direct", "litigation_after_review")
TABLE4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
TABLE4_HEADER_WORDS = ("维持", "纠正", "审结", "复议后起诉", "直接起诉")
TABLE4_BLOCK_WORDS = {
    "litigation_after_review": ("复议后起诉",),
    "litigation_direct": ("未经复议直接起诉", "直接起诉"),
    "review": ("行政复议",),
}

_T2S = None


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC); a no-op for simplified text."""
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


@lru_cache(maxsize=65536)
def norm(label: str) -> str:
    s = unicodedata.normalize("NFKC", label)
    s = _NUMBERING.sub("", s)
    s = _PUNCT.sub("", s)
    s = _NUMBERING.sub("", s)  # numbering exposed once spaces are gone
    return s


def similar(a: str, b: str) -> float:
    m = SequenceMatcher(None, a, b, autojunk=False)
    # quick_ratio is an upper bound: skip the full comparison when it cannot reach the bar.
    return m.ratio() if m.real_quick_ratio() >= 0.8 and m.quick_ratio() >= 0.8 else 0.0


@lru_cache(maxsize=65536)
def match_table3(label: str) -> tuple[str, int] | None:
    """(key, strength) of the table-3 row this normalised label names."""
    best: tuple[str, int] | None = None
    for key, (_, words) in TABLE3_ROWS.items():
        for w in words:
            if w in label and (best is None or len(w) > best[1]):
                best = (key, len(w))
    if best is not None:
        # 总计 inside a longer label (部分公开…) is not the total row.
        if best[0] == "total_processed" and len(re.sub(r"^.*?办理结果", "", label)) > 6:
            best = None
        else:
            return best
    if is_other_reasons(label):
        return ("other_reasons", 2)
    # Typos: a dropped or swapped character in the full label.
    tail = label[-24:]
    scored = max(((similar(tail, full), key) for key, (full, _) in TABLE3_ROWS.items() if len(full) >= 4),
                 default=(0.0, None))
    if scored[0] >= 0.8:
        return (scored[1], 1)
    return None


def is_other_reasons(label: str) -> bool:
    """三(六)3 其他, or the 2019 form's single 其他处理 row."""
    return label.endswith("其他") or label.endswith("其他处理") or label in ("其他情形", "其它", "其他处理情况")


@lru_cache(maxsize=65536)
def match_table2(label: str) -> tuple[str, int] | None:
    best: tuple[str, int] | None = None
    for key, words in TABLE2_ROWS.items():
        for w in words:
            if w in label and (best is None or len(w) > best[1]):
                best = (key, len(w))
    if best is None:
        return None
    # A table-2 label is short; a long one is a sentence or a table-3 row.
    if len(label) > len(TABLE2_ROWS[best[0]][0]) + 8:
        return None
    return best


def table4_block(label: str) -> str | None:
    for block, words in TABLE4_BLOCK_WORDS.items():
        if any(w in label for w in words):
            return block
    return None
