"""Report metadata from the document: title, agency, report year, publication date, sections."""
from __future__ import annotations

import re
import unicodedata

from .model import Block, Document

_TITLE = re.compile(r"(?:19|20)\d{2}\s*年.*(?:信息公开|政务公开).*(?:报告|年报)")
# A title without its year (武汉市发改委: 政府信息公开工作年报) is taken only when no line has one.
_TITLE_NO_YEAR = re.compile(r"^[^>＞»|]*(?:信息公开|政务公开)[^>＞»|]*(?:年度报告|年报)\s*$")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_AGENCY_AFTER_YEAR = re.compile(r"(?:19|20)\d{2}\s*年度?\s*(.+?)\s*(?:政府)?信息公开")
_REPORT_WORDS = re.compile(r"(?:关于)?(?:(?:19|20)\d{2}\s*年度?)?\s*(?:政府|政务)?信息公开.*$")
_PERIOD = re.compile(r"统计期限.{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})\s*日?")
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九Ｏ０O]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_PUBLISHED_LABEL = re.compile(r"(?:发布日期|发布时间|发文日期|成文日期|公开日期|日期)\s*[:：]\s*((?:19|20)\d{2}[-/.年]\s*\d{1,2}[-/.月]\s*\d{1,2})")
_SECTION = re.compile(r"^\s*([一二三四五六七八九十])\s*[、.．]\s*(\S.{0,38})$")
_SECTION_WORDS = re.compile(r"总体情况|概述|主动公开|依申请|申请|复议|诉讼|问题|改进|其他需要|其他事项|收费|统计")
# "…年度报告_某某县人民政府" / "…年度报告 - 某某门户网站": the site's name after the title.
_SITE_SUFFIX = re.compile(r"\s*[_|｜—–-]+\s*[^_|｜—–-]*(?:政府|网站|门户|网|办公室|办公厅|局|委员会)[^_|｜—–-]*$")
_PREFIX = re.compile(r"^(?:标题|题目|名称)\s*[:：]\s*")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "０": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMERALS = "一二三四五六七八九十"


def blocks(doc: Document) -> list[Block]:
    return [b for b in doc.items if isinstance(b, Block)]


def find_title(doc: Document) -> str | None:
    """The report's title. A web page's <title> naming a report wins (a sidebar
    of other years' reports may come before the article); otherwise the first
    line naming the report, with a short line just before it (the agency
    printed on its own line)."""
    if doc.kind == "html" and doc.title:
        page_title = _SITE_SUFFIX.sub("", doc.title).strip()
        if _TITLE.search(page_title) and len(page_title) <= 80:
            return re.sub(r"\s+", "", page_title)
    lines = [b.text for b in blocks(doc)[:40]]
    return (_title_matching(lines, _TITLE) or _title_matching(lines, _TITLE_NO_YEAR)
            or (re.sub(r"\s+", "", doc.title) if doc.title and _TITLE.search(doc.title) else None))


def _title_matching(lines: list[str], pattern: re.Pattern) -> str | None:
    for i, line in enumerate(lines):
        title = _PREFIX.sub("", line.strip())
        # A title broken before 年度报告: 俵口镇2022年政府信息公开工作 / 年度报告
        if not pattern.search(title) and i + 1 < len(lines) and len(lines[i + 1].strip()) <= 12:
            title += lines[i + 1].strip()
        if len(title) > 80 or not pattern.search(title):
            continue
        if i > 0:
            prev = _PREFIX.sub("", lines[i - 1].strip())
            if (prev and len(prev) <= 30 and not re.search(r"[。，,：:；]|^-?\s*\d+\s*-?$", prev)
                    and not pattern.search(prev) and _starts_with_year_or_report(title)):
                title = prev + title
        return re.sub(r"\s+", "", title) if re.search(r"[\u4e00-\u9fff]", title) else title
    return None


def _starts_with_year_or_report(title: str) -> bool:
    """Only a title that lacks its agency takes the line above as agency."""
    t = title.strip()
    return bool(re.match(r"^((?:19|20)\d{2}\s*年|政府信息|信息公开)", t))


def agency_of(title: str | None) -> str | None:
    if not title:
        return None
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", title))
    t = t.strip("《》\"“”")
    m = _YEAR_IN_TITLE.search(t)
    if m and m.start() > 0:
        agency = t[: m.start()]
    else:
        m2 = _AGENCY_AFTER_YEAR.search(t)
        agency = m2.group(1) if m2 else _REPORT_WORDS.sub("", t)
    agency = re.sub(r"^关于", "", agency)
    agency = re.sub(r"(关于|的)$", "", agency).strip("（()）:：-—")
    # Year printed after the words (政府信息公开工作年度报告（2023年）): no agency before them.
    if re.search(r"信息公开|年度报告|年报", agency):
        agency = re.split(r"(?:政府|政务)?信息公开", agency)[0]
    return agency or None


def year_of(title: str | None, text: str, published: str | None) -> int | None:
    if title:
        m = _YEAR_IN_TITLE.search(unicodedata.normalize("NFKC", title))
        if m:
            return int(m.group(1))
    m = _PERIOD.search(text[:5000])
    if m:
        return int(m.group(1))
    if published:
        return int(published[:4]) - 1
    return None


def published_of(doc: Document, text: str) -> str | None:
    """A date the page labels as its publication date, else the signature date
    at the end of the report (e.g. 2023年1月18日, 二○一二年二月二十日)."""
    m = _PUBLISHED_LABEL.search(text[:3000])
    if m:
        return iso(_ISO_DATE.match(m.group(1)))
    tail = [b.text.strip() for b in blocks(doc)[-12:]]
    for line in reversed(tail):
        if len(line) > 40:
            # a signature date is on a line of its own; look only at its end
            line = line[-20:]
        m = _ISO_DATE.search(unicodedata.normalize("NFKC", line))
        if m and len(line) <= 40:
            return iso(m)
        m = _CN_DATE.search(line)
        if m:
            return cn_date(m)
    return None


def iso(m: re.Match | None) -> str | None:
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def cn_number(s: str) -> int:
    """二十 -> 20, 十八 -> 18, 三 -> 3."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(s, 0)


def cn_date(m: re.Match) -> str | None:
    year = int("".join(str(_CN_DIGITS.get(ch, 0)) for ch in m.group(1)))
    month, day = cn_number(m.group(2)), cn_number(m.group(3))
    if 1 <= month <= 12 and 1 <= day <= 31:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def sections_of(doc: Document) -> list[dict]:
    """The report's numbered parts (一、总体情况 … 六、其他需要报告的事项) with their text."""
    out: list[dict] = []
    current: dict | None = None
    for b in blocks(doc):
        m = _SECTION.match(b.text)
        number = CN_NUMERALS.index(m.group(1)) + 1 if m else 0
        # Sub-points inside a part are numbered 一、二、 too: a part heading
        # names a part of the form and numbers upwards.
        if (m and not re.search(r"[。；;]", b.text) and _SECTION_WORDS.search(m.group(2))
                and number > (out[-1]["number"] if out else 0)):
            current = {"number": number, "heading": m.group(2).strip(), "text": "", "source": b.source}
            out.append(current)
        elif current is not None:
            current["text"] += (b.text + "\n")
    for s in out:
        s["text"] = s["text"].strip()
    return out
