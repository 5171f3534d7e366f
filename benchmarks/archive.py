"""Archive speed: build an archive of 100k generated reports and time Datasette over it.

    .venv/bin/python benchmarks/archive.py                     # 100,000 reports (≈ 18M cells)
    .venv/bin/python benchmarks/archive.py --reports 2000      # a smoke run
    .venv/bin/python benchmarks/archive.py --reuse             # time Datasette again on the last build
    .venv/bin/python benchmarks/archive.py --rebuild           # and time a second build of the same archive

What is generated: report JSON in the shape `nianbao parse` prints (parse
contract plus cells with raw text, kind and source, checks, sections), for
about 16,000 bodies over 31 provinces and five levels, report years 2008-2025
with the form of each year (legacy up to 2018: no tables, so about a tenth of
the reports have no cells; 2019 form for 2019-2020: 198 cells; 2021 form from
2021: 200 cells), gaps in some bodies' years, a share of reports with a
second source (an HTML page and its PDF attachment), publisher arithmetic
errors and prose that disagrees with the table, so that some checks fail. The
checks themselves are computed by the parser's own code (parsers.checks.run).

What is measured, in one process:

- generation: making the report JSON (not part of the build time);
- build: exactly what `nianbao build` does after parsing a stored file
  (archive.build.open_archive, record_parses and derive): store every parse,
  add the bodies from a registry CSV, resolve one report per body and year
  (reports, report_sources, cells, checks, sections), cross-year checks, the
  wide tables and the search indexes, into an archive.db laid out as a crawl
  leaves it. Not measured: fetching, reading blobs and the parser itself
  (benchmarks/crawl.py and benchmarks/parse.py time those), and a rebuild of
  an archive that already has reports (it updates rows in place);
- serving: p50/p95 latency through Datasette's in-process client, configured
  as `nianbao serve` configures it (archive.site.datasette_app: immutable, the
  project's metadata, templates, plugin and settings, table counts as inspect
  data, which are counted once when it is set up). Rows: every canned query
  (the coverage matrix is the `coverage` query; no parameters, so the same
  request each time); every facet configured in archive/site.py, half the
  requests on the whole table and half filtered by another column with varied
  values; the report page and table pages with varied ids, filters and
  positions; a search of the sections with varied terms. Each row is requested
  --requests times after one warm-up request, and the HTML page is timed, as a
  person would load it; p95 is the nearest-rank 95th percentile. A row where a
  response is not 200, or where the page says a facet or the query timed out,
  does not meet the target whatever its latency.

Figures are printed, never asserted. The machine may be shared with other jobs;
the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from parsers import PARSER_VERSION  # noqa: E402
from parsers import checks as parser_checks  # noqa: E402
from parsers.labels import APPLICANTS, TABLE3_2019_ABSENT, TABLE3_ROWS, TABLE4_BLOCKS, TABLE4_COLUMNS  # noqa: E402

BUILD_TARGET = 600.0  # seconds
LATENCY_TARGET = 0.5  # seconds, p95 of every page

# Provinces and their rough number of county-level divisions (weights for where bodies are).
PROVINCES = {
    "河北": 167, "山西": 117, "内蒙古": 103, "辽宁": 100, "吉林": 60, "黑龙江": 121, "江苏": 95, "浙江": 90,
    "安徽": 104, "福建": 84, "江西": 100, "山东": 136, "河南": 157, "湖北": 103, "湖南": 122, "广东": 122,
    "广西": 111, "海南": 25, "四川": 183, "贵州": 88, "云南": 129, "西藏": 74, "陕西": 107, "甘肃": 86,
    "青海": 44, "宁夏": 22, "新疆": 106, "北京": 16, "天津": 16, "上海": 16, "重庆": 38,
}
LEVELS = {"province": 3, "city": 15, "county": 52, "township": 20, "department": 10}  # share in %
SYLLABLES = ("安", "平", "宁", "和", "江", "山", "河", "源", "阳", "城", "东", "西", "南", "北", "新", "兴", "华", "丰",
             "永", "清", "长", "青", "云", "龙", "泉", "石", "林", "水", "昌", "德", "武", "文", "泰", "福", "嘉", "临",
             "宜", "通", "保", "定", "鹤", "庆", "峰", "溪", "湖", "川", "海", "丘", "桂", "金", "乐", "富", "凤", "义")
DEPARTMENTS = ("人民政府", "人民政府办公室", "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
               "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
               "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
               "林业局", "发展和改革委员会", "退役军人事务局", "行政审批局", "城市管理局", "税务局")
CENTRAL = ("教育部", "公安部", "民政部", "司法部", "财政部", "自然资源部", "生态环境部", "交通运输部", "水利部",
           "农业农村部", "商务部", "审计署", "海关总署", "国家税务总局", "国家市场监督管理总局", "国家统计局",
           "国家医疗保障局", "国家林业和草原局", "国家粮食和物资储备局", "国家能源局", "国家知识产权局")
TOPICS = ("财政预决算", "重大建设项目", "公共资源配置", "社会公益事业建设", "乡村振兴", "生态环境保护", "食品药品监管",
          "安全生产", "义务教育", "医疗卫生", "保障性住房", "征地拆迁", "就业创业", "养老服务", "社会救助",
          "不动产登记", "营商环境", "行政执法公示", "政策解读", "规划计划", "应急管理", "疫情防控", "河长制",
          "农村集体产权", "棚户区改造", "污染防治", "耕地保护", "扶贫资金", "政府采购", "减税降费")
CHANNELS = ("政府门户网站", "政务新媒体", "政府公报", "新闻发布会", "政务服务大厅", "公开栏", "档案馆", "图书馆查阅点",
            "微信公众号", "政务微博", "政府信息公开专栏", "12345热线")
KINDS = (("html", 50), ("pdf", 32), ("docx", 10), ("text", 8))


# -- generated bodies ------------------------------------------------------------------------------


def place(rng: random.Random, suffix: str) -> str:
    return "".join(rng.sample(SYLLABLES, 2)) + suffix


def make_bodies(n_reports: int, seed: int) -> list[dict]:
    """Registry rows, each with its report years, for bodies enough to publish n_reports reports;
    about one body in fifty of the registry published nothing that was found."""
    rng = random.Random(seed)
    provinces, weights = list(PROVINCES), list(PROVINCES.values())
    levels, shares = list(LEVELS), list(LEVELS.values())
    bodies, total = [], 0
    while total < n_reports:
        province = rng.choices(provinces, weights)[0]
        level = rng.choices(levels, shares)[0]
        prov_name = province + ("市" if province in ("北京", "天津", "上海", "重庆") else
                                "自治区" if province in ("内蒙古", "广西", "西藏", "宁夏", "新疆") else "省")
        city, county = place(rng, "市"), place(rng, rng.choice(("县", "区", "市")))
        dept = rng.choice(DEPARTMENTS)
        name = {"province": prov_name + dept, "city": city + dept, "county": county + dept,
                "township": county + place(rng, rng.choice(("镇", "乡", "街道办事处"))) + "人民政府",
                "department": rng.choice(CENTRAL) if rng.random() < 0.02 else rng.choice((prov_name, city)) + dept}[level]
        years = years_of(rng) if rng.random() > 0.02 else []
        years = years[: n_reports - total]
        total += len(years)
        i = len(bodies)
        bodies.append({"id": f"b{i:05d}", "body": name, "level": level, "province": province,
                       "host": f"www.b{i:05d}.gov.cn", "years": years})
    return bodies


def registry_csv(bodies: list[dict]) -> str:
    from crawler.registry import FIELDS

    rows = [",".join(FIELDS)]
    rows += [f"{b['id']},{b['body']},{b['level']},{b['province']},trs,https://{b['host']}/xxgk/nb/,,,,,,generated"
             for b in bodies]
    return "\n".join(rows) + "\n"


def years_of(rng: random.Random) -> list[int]:
    """A body's report years: from when its portal column starts to 2025 (a few stop early), with gaps."""
    first = rng.choice(range(2008, 2019)) if rng.random() < 0.12 else rng.choice((2019, 2019, 2020, 2020, 2021))
    last = 2025 if rng.random() > 0.04 else rng.choice(range(first, 2025))
    return [y for y in range(first, last + 1) if rng.random() > 0.07]


# -- generated reports -----------------------------------------------------------------------------


SCALE = {"province": 800, "city": 300, "county": 90, "township": 6, "department": 150}
APPLICANT_SHARE = (0.78, 0.12, 0.01, 0.01, 0.03, 0.05)
OUTCOME_SHARE = {"granted": 0.42, "partially_granted": 0.1, "denied_state_secret": 0.004,
                 "denied_prohibited_by_law": 0.006, "denied_security_stability": 0.004,
                 "denied_third_party_rights": 0.01, "denied_internal_affairs": 0.01, "denied_process_info": 0.015,
                 "denied_enforcement_files": 0.008, "denied_admin_inquiry": 0.01, "unable_not_held": 0.22,
                 "unable_needs_creation": 0.03, "unable_unclear": 0.02, "not_processed_petition": 0.03,
                 "not_processed_duplicate": 0.02, "not_processed_publication": 0.003, "not_processed_excessive": 0.005,
                 "not_processed_confirmation": 0.005, "other_no_correction": 0.015, "other_unpaid_fee": 0.002,
                 "other_reasons": 0.01}


def split(rng: random.Random, total: int, shares) -> list[int]:
    """total spread over len(shares) parts, roughly by share, summing to total exactly."""
    parts = [int(total * s * rng.uniform(0.5, 1.5)) for s in shares]
    parts[0] += total - sum(parts)
    if parts[0] < 0:  # rounding took too much from the first part: put it back elsewhere
        parts = [0] * len(parts)
        parts[0] = total
    return parts


def table3_values(rng: random.Random, scale: int, carried_over: int, form: str) -> dict:
    """Table 3 that adds up: per applicant column, 一 + 二 = 三(七) + 四, and columns sum to 总计."""
    new = int(rng.lognormvariate(0, 1.1) * scale)
    rows = [k for k in TABLE3_ROWS if not (form == "2019" and k in TABLE3_2019_ABSENT)]
    outcome_keys = [k for k in OUTCOME_SHARE if k in rows]
    if form == "2019":  # one 其他处理 row
        shares = [OUTCOME_SHARE[k] for k in outcome_keys]
        shares[-1] += OUTCOME_SHARE["other_no_correction"] + OUTCOME_SHARE["other_unpaid_fee"]
    else:
        shares = [OUTCOME_SHARE[k] for k in outcome_keys]
    t3 = {k: {} for k in rows}
    new_cols = split(rng, new, APPLICANT_SHARE)
    over_cols = split(rng, carried_over, APPLICANT_SHARE)
    for i, col in enumerate(APPLICANTS[:-1]):
        todo = new_cols[i] + over_cols[i]
        forward = int(todo * rng.uniform(0, 0.08))
        done = split(rng, todo - forward, shares)
        t3["new_received"][col], t3["carried_over"][col] = new_cols[i], over_cols[i]
        for k, v in zip(outcome_keys, done):
            t3[k][col] = v
        t3["total_processed"][col], t3["carried_forward"][col] = todo - forward, forward
    for k in rows:
        t3[k]["total"] = sum(t3[k][c] for c in APPLICANTS[:-1])
    return t3


def table2_values(rng: random.Random, scale: int, form: str, last: dict | None) -> dict:
    if form == "2019":
        made = rng.randint(0, 40)
        return {"rules": {"new_made": rng.randint(0, 3), "new_published": rng.randint(0, 3),
                          "total_published": rng.randint(0, 60)},
                "normative_docs": {"new_made": made, "new_published": made, "total_published": rng.randint(made, 300)},
                **{k: {"prior_year_items": rng.randint(0, 400), "change": rng.randint(-20, 20),
                       "decisions": int(rng.lognormvariate(0, 1.5) * scale * 4)}
                   for k in ("licensing", "other_admin_services", "penalty", "coercion")},
                "fees": {"prior_year_items": rng.randint(0, 30), "change": rng.randint(-3, 3)},
                "procurement": {"items": rng.randint(0, 200), "amount": round(rng.uniform(0, 5000), 2)}}
    out = {}
    for kind, top in (("rules", 3), ("normative_docs", 30)):
        start = (last or {}).get(kind, {}).get("in_force")
        start = rng.randint(0, top * 6) if start is None else start
        issued, repealed = rng.randint(0, top), rng.randint(0, min(start, top // 3))
        out[kind] = {"issued": issued, "repealed": repealed, "in_force": start + issued - repealed}
    for kind in ("licensing", "penalty", "coercion"):
        out[kind] = {"decisions": int(rng.lognormvariate(0, 1.5) * scale * 4)}
    out["fees"] = {"amount_10k_yuan": round(rng.lognormvariate(0, 2) * scale / 10, 2) if rng.random() < 0.4 else 0}
    return out


def table4_values(rng: random.Random, scale: int) -> dict:
    out = {}
    for block in TABLE4_BLOCKS:
        total = int(rng.expovariate(1) * scale / 60)
        parts = split(rng, total, (0.6, 0.1, 0.2, 0.1))
        out[block] = dict(zip(TABLE4_COLUMNS, parts + [total]))
    return out


def source_of(kind: str, table: int, row: int, col: int, rng: random.Random) -> str:
    if kind == "html":
        return f"html:/html/body/div[3]/div[2]/table[{table}]/tbody/tr[{row + 2}]/td[{col + 2}]"
    if kind == "pdf":
        x, y = 72.7 + col * 61.3, 120.4 + row * 18.6
        return f"pdf:p{table + 1}:{x:.1f},{y:.1f},{x + 61.3:.1f},{y + 18.6:.1f}"
    if kind == "docx":
        return f"docx:t{table}/r{row + 2}/c{col + 2}"
    return f"text:L{40 + table * 35 + row}:c{col + 2}"


def printed(rng: random.Random, v) -> tuple[str, str]:
    """The cell as printed: (raw, kind). Zeros are sometimes printed blank or as a dash."""
    if v == 0:
        r = rng.random()
        if r < 0.06:
            return "", "blank"
        if r < 0.11:
            return rng.choice(("/", "—", "无", "-")), "dash"
        return "0", "number"
    return (str(v) if not isinstance(v, float) or not v.is_integer() else str(int(v))), "number"


def cells_of(tables: dict, kind: str, rng: random.Random) -> list[dict]:
    cells = []
    for t, name in enumerate(("table2", "table3", "table4"), start=1):
        for r, (row, cols) in enumerate((tables.get(name) or {}).items()):
            for c, (col, v) in enumerate(cols.items()):
                raw, k = printed(rng, v)
                cells.append({"table": name, "row": row, "column": col, "value": v, "raw": raw, "kind": k,
                              "source": source_of(kind, t, r, c, rng)})
    return cells


def prose_of(rng: random.Random, agency: str, year: int, t3: dict | None, t4: dict | None, legacy: dict | None,
             lie: bool) -> list[dict]:
    """The report's six numbered parts, ~2,000 characters, with the figures the text states."""
    topics = rng.sample(TOPICS, 6)
    channels = rng.sample(CHANNELS, 4)
    n = lambda lo, hi: rng.randint(lo, hi)  # noqa: E731
    overview = [
        f"{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》"
        f"和上级关于政务公开工作的部署要求，围绕{topics[0]}、{topics[1]}等重点领域，持续深化政务公开，"
        f"不断提升政务公开质量和实效。",
        f"（一）主动公开。全年通过{channels[0]}、{channels[1]}等渠道主动公开政府信息{n(50, 5000)}条，"
        f"其中{topics[2]}信息{n(5, 300)}条，{topics[3]}信息{n(5, 300)}条，政策解读{n(1, 80)}篇，"
        f"回应社会关切{n(0, 60)}次。",
    ]
    if t3 is not None:
        received = t3["new_received"]["total"] + (rng.randint(1, 9) if lie else 0)
        overview.append(
            f"（二）依申请公开。本年度共收到政府信息公开申请{received}件，上年结转{t3['carried_over']['total']}件，"
            f"均在法定期限内予以答复，其中予以公开{t3['granted']['total']}件，部分公开{t3['partially_granted']['total']}件，"
            f"另有{t3['carried_forward']['total']}件结转下年度继续办理。")
    elif legacy is not None:
        overview.append(f"（二）依申请公开。全年共收到政府信息公开申请{legacy['applications_received']}件，"
                        f"已全部答复。")
    overview += [
        f"（三）政府信息管理。严格落实公开前保密审查机制，动态更新政府信息公开指南和目录，清理{topics[4]}等领域"
        f"过时信息{n(0, 200)}条，规范性文件实行统一登记、统一编号、统一公布。",
        f"（四）平台建设。优化{channels[2]}栏目设置，推进{topics[5]}专题建设，完善智能检索和无障碍浏览功能，"
        f"全年网站访问量{n(1, 900)}万人次。",
        f"（五）监督保障。将政务公开纳入年度绩效考核，组织业务培训{n(1, 12)}次，参训{n(20, 600)}人次，"
        f"开展社会评议{n(0, 4)}次，全年未发生因政府信息公开引发的责任追究。",
    ]
    reviews = ""
    if t4 is not None:
        lit = t4["litigation_direct"]["total"] + t4["litigation_after_review"]["total"]
        reviews = f"全年因政府信息公开被申请行政复议{t4['review']['total']}件，提起行政诉讼{lit}件。"
    problems = (f"{year}年，{agency}政府信息公开工作取得一定成效，但仍存在一些不足：一是{topics[1]}领域信息公开的"
                f"及时性、完整性有待提高；二是政策解读形式较为单一，{channels[3]}互动回应不够及时；三是基层工作人员"
                f"业务能力有待加强。下一步，将围绕{topics[0]}和{topics[4]}细化公开标准，加强依申请公开办理，"
                f"提升答复规范化水平，强化业务培训和考核评议，推动政务公开工作提质增效。")
    other = (f"本机关依据《政府信息公开信息处理费管理办法》收取信息处理费{n(0, 3)}件，金额{n(0, 900)}元。"
             f"{reviews}本年度办理人大代表建议{n(0, 90)}件、政协提案{n(0, 90)}件，均已按时办结并公开。")
    return [
        {"number": 1, "heading": "总体情况", "text": "\n".join(overview), "source": "html:/html/body/div[3]/p[2]"},
        {"number": 2, "heading": "主动公开政府信息情况", "text": "", "source": "html:/html/body/div[3]/p[9]"},
        {"number": 3, "heading": "收到和处理政府信息公开申请情况", "text": "", "source": "html:/html/body/div[3]/p[10]"},
        {"number": 4, "heading": "政府信息公开行政复议、行政诉讼情况", "text": "", "source": "html:/html/body/div[3]/p[11]"},
        {"number": 5, "heading": "存在的主要问题及改进情况", "text": problems, "source": "html:/html/body/div[3]/p[12]"},
        {"number": 6, "heading": "其他需要报告的事项", "text": other, "source": "html:/html/body/div[3]/p[14]"},
    ]


def make_report(rng: random.Random, body: dict, year: int, kind: str, state: dict) -> dict:
    """One report as `nianbao parse` prints it; `state` carries last year's figures for the body."""
    form = "legacy" if year <= 2018 else ("2019" if year <= 2020 else "2021")
    scale = SCALE[body["level"]]
    agency = body["body"]
    report = {"path": "", "agency": agency, "year": year, "format": form, "table2": None, "table3": None,
              "table4": None, "checks": [], "error": None, "parser_version": PARSER_VERSION, "kind": kind,
              "title": f"{agency}{year}年政府信息公开工作年度报告",
              "published": f"{year + 1}-0{rng.randint(1, 3)}-{rng.randint(10, 28)}" if rng.random() < 0.8 else None,
              "notes": ["encoding utf-8"] if kind in ("html", "text") else []}
    if form == "legacy":
        report["legacy"] = {"proactive_disclosed": rng.randint(10, 3000), "applications_received": rng.randint(0, scale),
                            "application_replies": rng.randint(0, scale), "admin_review": rng.randint(0, 3)}
        report["cells"] = []
        parts = prose_of(rng, agency, year, None, None, report["legacy"], False)
        report["sections"] = parts[:1] + parts[4:]
        return report
    carried = state.get("carried_forward")
    if carried is None or rng.random() < 0.08:  # first report, or a new count (a cross-year check fails)
        carried = int(rng.expovariate(1) * scale / 20)
    t3 = table3_values(rng, scale, carried, form)
    t2 = table2_values(rng, scale, form, state.get("table2") if form == "2021" else None)
    t4 = table4_values(rng, scale)
    state.update(carried_forward=t3["carried_forward"]["total"], table2=t2 if form == "2021" else None)
    # Publishers' errors: a cell that does not add up, a wrong 总计 in table 4, prose that disagrees.
    if rng.random() < 0.07:
        row = rng.choice(list(t3))
        col = rng.choice(APPLICANTS)
        t3[row][col] += rng.choice((-3, -1, 1, 2, 5))
    if rng.random() < 0.02:
        t4["review"]["total"] += 1
    missing = {}
    if rng.random() < 0.015:  # table 4 not found in the document
        t4 = None
        missing["table4"] = "table 4 (行政复议、行政诉讼情况) not found"
    report.update(table2=t2, table3=t3, table4=t4)
    report["sections"] = prose_of(rng, agency, year, t3, t4, None, lie=rng.random() < 0.03)
    prose = "\n".join(s["heading"] + "\n" + s["text"] for s in report["sections"])
    report["_missing"] = missing
    report["checks"] = parser_checks.run(report, prose)
    del report["_missing"]
    report["cells"] = cells_of(report, kind, rng)
    return report


def twin(report: dict, kind: str, rng: random.Random) -> dict:
    """The same report from another source (the HTML page of a PDF attachment): same figures, other places."""
    other = dict(report, kind=kind)
    other["cells"] = cells_of(report, kind, rng)
    return other


def generate(bodies: list[dict], seed: int):
    """Yield (source, report) for every body's years; about 11% of reports come with a second source."""
    from archive.reports import Source

    kinds, weights = [k for k, _ in KINDS], [w for _, w in KINDS]
    for i, body in enumerate(bodies):
        rng = random.Random(f"{seed}-{i}")
        state: dict = {}
        for year in body["years"]:
            kind = rng.choices(kinds, weights)[0]
            report = make_report(rng, body, year, kind, state)
            base = f"https://{body['host']}/xxgk/nb/{year}/"
            url = base + (f"t{year}_{i}.html" if kind in ("html", "text") else f"P0{year}{i}.{kind}")
            yield Source(sha(body, year, kind), url, None, body["id"]), report
            if kind == "pdf" and rng.random() < 0.35:  # its HTML page, parsed too
                page = twin(report, "html", rng)
                yield Source(sha(body, year, "html"), base + f"t{year}_{i}.html", None, body["id"]), page


def sha(body: dict, year: int, kind: str) -> str:
    return hashlib.sha256(f"{body['id']}/{year}/{kind}".encode()).hexdigest()



# -- the build -------------------------------------------------------------------------------------


def build_archive(data: Path, n_reports: int, seed: int) -> dict:
    """Generate the reports and build the archive through nianbao build's own steps."""
    from archive import build
    from archive.captures import CaptureStore

    if data.exists():
        shutil.rmtree(data)
    CaptureStore(data).close()  # archive.db as a crawl leaves it (WAL, capture tables)
    bodies = make_bodies(n_reports, seed)
    registry = data / "portals.csv"
    registry.write_text(registry_csv(bodies), encoding="utf-8")
    db = build.open_archive(data)
    sources: list = []
    generating = [0.0]

    def parses():
        made = generate(bodies, seed)
        while True:
            start = time.perf_counter()
            item = next(made, None)
            generating[0] += time.perf_counter() - start
            if item is None:
                return
            sources.append(item[0])
            yield item[0].sha256, item[1]

    timings: dict = {}
    start = time.perf_counter()
    build.record_parses(db, parses())
    timings["store parses"] = time.perf_counter() - start - generating[0]
    ids = build.derive(db, sources, str(registry), timings)
    db.close()
    return {"generate": generating[0], "steps": timings, "build": sum(timings.values()), "bodies": len(bodies),
            "sources": len(sources), "reports": len(ids)}


def rebuild(data: Path) -> dict:
    """Run the build's steps again on the finished archive (nothing new to parse): its sources
    are read back from report_sources, as build() reads them from found_reports."""
    from archive import build, reports

    db = build.open_archive(data)
    sources = [reports.Source(*r) for r in db.execute(
        "select s.sha256, s.url, s.capture_id, r.body_id from report_sources s "
        "join reports r on r.id = s.report_id order by s.rowid")]
    timings: dict = {}
    build.derive(db, sources, str(data / "portals.csv"), timings)
    db.close()
    return timings


def archive_figures(db_path: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(db_path)
    counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("bodies", "reports", "report_sources", "parses", "cells", "checks", "sections")}
    counts["failed checks"] = conn.execute("select count(*) from checks where passed = 0").fetchone()[0]
    conn.close()
    files = [db_path] + [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")]
    counts["bytes"] = sum(p.stat().st_size for p in files if p.exists())
    return counts


# -- serving ----------------------------------------------------------------------------------------


def pages(db_path: Path, n: int, seed: int) -> dict[str, list[str]]:
    """What to request, by row of the printed table: n paths each, varied where the page takes parameters."""
    import sqlite3
    from urllib.parse import quote

    from archive import site

    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    one = lambda sql: [r[0] for r in conn.execute(sql)]  # noqa: E731
    report_ids = one("select id from reports")
    body_ids = one("select id from bodies")
    provinces, levels = one("select distinct province from bodies"), one("select distinct level from bodies")
    years, formats = one("select distinct year from reports"), one("select distinct format from reports")
    check_ids = one("select distinct check_id from checks")
    conn.close()
    pick = lambda values: quote(str(rng.choice(values)))  # noqa: E731
    cycle = lambda *makers: [makers[k % len(makers)]() for k in range(n)]  # noqa: E731
    terms = list(TOPICS) + ["政府信息公开申请", "行政复议", "依申请公开", "主动公开", "保密审查", "人大代表建议"]
    out: dict[str, list[str]] = {}
    for query in site.QUERIES:
        out[f"query {query}"] = [f"/archive/{query}"] * n
    configured = site.metadata()["databases"]["archive"]["tables"]
    filters = {  # another column to filter a facet's table by, and its values
        "bodies": {"province": ("level", levels), "level": ("province", provinces)},
        "reports": {"year": ("format", formats), "format": ("year", years), "check_status": ("year", years)},
        "cells": {"tbl": ("report_id", report_ids), "kind": ("report_id", report_ids)},
        "checks": {"check_id": ("passed", [0, 1]), "passed": ("check_id", check_ids)},
        "parses": {"parser_version": ("year", years), "format": ("year", years)},
    }
    for table, meta in configured.items():
        for facet in meta.get("facets", []):
            column, values = filters[table][facet]
            out[f"facet {table}.{facet}"] = cycle(
                lambda: f"/archive/{table}?_facet={facet}",
                lambda: f"/archive/{table}?_facet={facet}&{column}={pick(values)}")
    # cells and checks have no default facets (millions of rows); asked for, on a filtered page:
    out["facet checks.passed of a check"] = [f"/archive/checks?_facet=passed&check_id={pick(check_ids)}"
                                             for _ in range(n)]
    out["facet cells.kind of a report"] = [f"/archive/cells?_facet=kind&report_id={rng.choice(report_ids)}"
                                           for _ in range(n)]
    out["report page"] = [f"/report/{rng.choice(report_ids)}" for _ in range(n)]
    for table in ("reports", "bodies", "cells", "checks", "sections", "table3_wide"):
        out[f"table {table}"] = cycle(lambda: f"/archive/{table}",
                                      lambda: f"/archive/{table}?_next={rng.randint(1, 10_000)}")
    out["table cells of a report"] = [f"/archive/cells?report_id={rng.choice(report_ids)}" for _ in range(n)]
    out["table3_wide by province"] = [f"/archive/table3_wide?省份={pick(provinces)}&年度={pick(years)}"
                                      for _ in range(n)]
    out["search sections"] = [f"/archive/sections?_search={quote(rng.choice(terms))}" for _ in range(n)]
    out["body's reports"] = [f"/archive/reports?body_id={pick(body_ids)}" for _ in range(n)]
    out["database page"] = ["/archive"] * n
    return out


async def time_pages(app, todo: dict[str, list[str]]) -> list[dict]:
    """Request each path in turn (one warm-up request per row first); status and timeouts are counted."""
    await app.invoke_startup()
    rows = []
    for name, paths in todo.items():
        await app.client.get(paths[0])
        seconds, failed, timed_out = [], 0, 0
        for path in paths:
            start = time.perf_counter()
            response = await app.client.get(path)
            seconds.append(time.perf_counter() - start)
            failed += response.status_code != 200
            timed_out += "timed out" in response.text or "took too long" in response.text
        seconds.sort()
        rows.append({"page": name, "n": len(seconds), "p50": statistics.median(seconds),
                     "p95": seconds[max(0, -(-len(seconds) * 95 // 100) - 1)], "max": seconds[-1],
                     "failed": failed, "timed_out": timed_out, "example": paths[-1]})
    return rows


def print_latency(rows: list[dict]) -> int:
    print(f"\n{'page':<34} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 ≤ {LATENCY_TARGET * 1000:.0f} ms")
    missed = 0
    for r in rows:
        ok = r["p95"] <= LATENCY_TARGET and not r["failed"] and not r["timed_out"]
        missed += not ok
        note = "met" if ok else "NOT MET"
        if r["failed"]:
            note += f" ({r['failed']} not 200)"
        if r["timed_out"]:
            note += f" ({r['timed_out']} with a time-out on the page)"
        print(f"{r['page']:<34} {r['n']:>3} {r['p50'] * 1000:>8.0f} {r['p95'] * 1000:>8.0f} {r['max'] * 1000:>8.0f}  {note}")
    return missed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=100_000, help="reports to generate (default 100000)")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "out" / "archive"), metavar="DIR",
                    help="where the archive is built (default benchmarks/out/archive)")
    ap.add_argument("--requests", type=int, default=30, help="requests per page (default 30)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--reuse", action="store_true", help="time Datasette on the archive already in --out")
    ap.add_argument("--rebuild", action="store_true",
                    help="then run the build's steps again on the built archive and time them (not a target)")
    args = ap.parse_args()
    data = Path(args.out) / "data"
    print(f"nianbao archive benchmark: {args.reports} reports, Python {sys.version.split()[0]}, "
          f"SQLite {__import__('sqlite3').sqlite_version}, {os.cpu_count()} cores, load {load()}", flush=True)
    if not args.reuse:
        result = build_archive(data, args.reports, args.seed)
        print(f"\ngenerated {result['sources']} parses of {result['reports']} reports of {result['bodies']} bodies "
              f"in {result['generate']:.1f} s (not part of the build)")
        print(f"build {result['build']:.1f} s (target ≤ {BUILD_TARGET:.0f} s: "
              f"{'met' if result['build'] <= BUILD_TARGET else 'NOT MET'}); load {load()}")
        for step, seconds in result["steps"].items():
            print(f"  {step:<20} {seconds:>7.1f} s")
    if args.rebuild:
        steps = rebuild(data)
        print(f"build again, nothing new to parse: {sum(steps.values()):.1f} s; load {load()}")
        for step, seconds in steps.items():
            print(f"  {step:<20} {seconds:>7.1f} s")
    figures = archive_figures(data / "archive.db")
    print("archive: " + ", ".join(f"{k} {v:,}" for k, v in figures.items() if k != "bytes")
          + f"; {figures['bytes'] / 1e9:.2f} GB on disk", flush=True)

    from archive import site

    start = time.perf_counter()
    app = site.datasette_app(data / "archive.db")
    print(f"\nDatasette set up in {time.perf_counter() - start:.1f} s (table counts for the inspect data); "
          f"{args.requests} requests per row, load {load()}", flush=True)
    rows = asyncio.run(time_pages(app, pages(data / "archive.db", args.requests, args.seed)))
    missed = print_latency(rows)
    print(f"\n{len(rows) - missed} of {len(rows)} rows meet the target; load {load()}")
    return 0


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
