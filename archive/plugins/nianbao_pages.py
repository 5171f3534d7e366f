"""Datasette pages of the archive: a report in the official layout, and the
stored original file of a source.

    /report/<id>        the report's three tables as the form prints them, its
                        checks, its sources, links to the stored originals
    /blob/<sha256>      the stored bytes, exactly as received
"""
from __future__ import annotations

from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import Response

# The form's rows as the report page prints them: (label, indent, key)
TABLE2_2021 = [("第二十条第（一）项", None, [("规章", "rules"), ("行政规范性文件", "normative_docs")],
                [("本年制发件数", "issued"), ("本年废止件数", "repealed"), ("现行有效件数", "in_force")]),
               ("第二十条第（五）项", None, [("行政许可", "licensing")], [("本年处理决定数量", "decisions")]),
               ("第二十条第（六）项", None, [("行政处罚", "penalty"), ("行政强制", "coercion")],
                [("本年处理决定数量", "decisions")]),
               ("第二十条第（八）项", None, [("行政事业性收费", "fees")], [("本年收费金额（单位：万元）", "amount_10k_yuan")])]
TABLE3 = [
    ("一、本年新收政府信息公开申请数量", 0, "new_received"), ("二、上年结转政府信息公开申请数量", 0, "carried_over"),
    ("三、本年度办理结果", 0, None), ("（一）予以公开", 1, "granted"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1, "partially_granted"), ("（三）不予公开", 1, None),
    ("1.属于国家秘密", 2, "denied_state_secret"), ("2.其他法律行政法规禁止公开", 2, "denied_prohibited_by_law"),
    ("3.危及“三安全一稳定”", 2, "denied_security_stability"), ("4.保护第三方合法权益", 2, "denied_third_party_rights"),
    ("5.属于三类内部事务信息", 2, "denied_internal_affairs"), ("6.属于四类过程性信息", 2, "denied_process_info"),
    ("7.属于行政执法案卷", 2, "denied_enforcement_files"), ("8.属于行政查询事项", 2, "denied_admin_inquiry"),
    ("（四）无法提供", 1, None), ("1.本机关不掌握相关政府信息", 2, "unable_not_held"),
    ("2.没有现成信息需要另行制作", 2, "unable_needs_creation"), ("3.补正后申请内容仍不明确", 2, "unable_unclear"),
    ("（五）不予处理", 1, None), ("1.信访举报投诉类申请", 2, "not_processed_petition"),
    ("2.重复申请", 2, "not_processed_duplicate"), ("3.要求提供公开出版物", 2, "not_processed_publication"),
    ("4.无正当理由大量反复申请", 2, "not_processed_excessive"),
    ("5.要求行政机关确认或重新出具已获取信息", 2, "not_processed_confirmation"), ("（六）其他处理", 1, None),
    ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 2, "other_no_correction"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 2, "other_unpaid_fee"),
    ("3.其他", 2, "other_reasons"), ("（七）总计", 1, "total_processed"), ("四、结转下年度继续办理", 0, "carried_forward"),
]
APPLICANTS = [("自然人", "natural_person"), ("商业企业", "commercial_enterprise"), ("科研机构", "research_institution"),
              ("社会公益组织", "social_welfare_org"), ("法律服务机构", "legal_service_org"), ("其他", "other_org"),
              ("总计", "total")]
TABLE4_BLOCKS = [("行政复议", "review"), ("行政诉讼 未经复议直接起诉", "litigation_direct"),
                 ("行政诉讼 复议后起诉", "litigation_after_review")]
TABLE4_COLUMNS = [("结果维持", "upheld"), ("结果纠正", "corrected"), ("其他结果", "other"), ("尚未审结", "pending"),
                  ("总计", "total")]


def database(datasette):
    return datasette.get_database("archive") if "archive" in datasette.databases else datasette.get_database()


async def report_page(datasette, request):
    db = database(datasette)
    rid = int(request.url_vars["id"])
    found = (await db.execute("select r.*, b.name as body_name, b.province, b.level from reports r "
                              "join bodies b on b.id = r.body_id where r.id = ?", [rid])).first()
    if found is None:
        return Response.html("<h1>No such report</h1>", status=404)
    cells = {(c["tbl"], c["row"], c["col"]): dict(c) for c in
             (await db.execute("select * from cells where report_id = ?", [rid])).rows}
    checks = [dict(c) for c in (await db.execute(
        "select check_id, passed, detail from checks where report_id = ? order by passed is not 0, check_id", [rid])).rows]
    sources = [dict(s) for s in (await db.execute(
        "select url, sha256, kind, chosen, capture_id from report_sources where report_id = ? order by chosen desc",
        [rid])).rows]
    context = {"report": dict(found), "cells": cells, "checks": checks, "sources": sources,
               "table2": TABLE2_2021, "table3": TABLE3, "applicants": APPLICANTS,
               "table4_blocks": TABLE4_BLOCKS, "table4_columns": TABLE4_COLUMNS,
               "failed": sum(1 for c in checks if c["passed"] == 0)}
    return Response.html(await datasette.render_template("report.html", context, request=request))


async def blob(datasette, request):
    """The stored original: blobs sit beside the database, sharded by sha256."""
    sha = request.url_vars["sha"]
    db = database(datasette)
    root = Path(db.path).parent / "blobs"
    path = root / sha[:2] / sha[2:4] / sha
    if not path.is_file():
        return Response.text("not stored here", status=404)
    return Response(path.read_bytes(), content_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="{sha}"'})


@hookimpl
def register_routes():
    return [(r"^/report/(?P<id>\d+)$", report_page), (r"^/blob/(?P<sha>[0-9a-f]{64})$", blob)]
