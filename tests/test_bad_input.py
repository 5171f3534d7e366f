"""Bad input gets a clear error line, within bounded time and memory, never a crash."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile

import pytest

from parsers import parse_bytes, parse_file

from .conftest import DEV_CORPUS, REPO

CONTRACT_KEYS = {"path", "agency", "year", "format", "table2", "table3", "table4", "checks", "error"}


def assert_error(report: dict, *words: str) -> None:
    assert CONTRACT_KEYS <= set(report)
    assert report["error"], "expected an error line"
    for w in words:
        assert w in report["error"].lower(), report["error"]
    assert report["table2"] is None and report["table3"] is None and report["table4"] is None


def test_empty_file():
    assert_error(parse_bytes(b"", "empty.html"), "empty")
    assert_error(parse_bytes(b" \n\t \r\n", "blank.txt"), "empty")


def test_binary_junk():
    junk = bytes(range(256)) * 64
    assert_error(parse_bytes(junk, "junk.bin"), "binary")


def test_html_without_a_report():
    page = ("<html><head><meta charset='utf-8'><title>首页</title></head><body>"
            "<div class='nav'><a href='/'>首页</a></div><p>欢迎访问本网站。</p>"
            "<table><tr><td>联系电话</td><td>0816-8822122</td></tr></table></body></html>").encode()
    report = parse_bytes(page, "home.html")
    assert_error(report, "no annual report")


def test_huge_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "huge.pdf"
    with open(big, "wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    start = time.monotonic()
    report = parse_file(str(big))
    assert time.monotonic() - start < 2
    assert_error(report, "too large")


def test_unreadable_path_gets_a_line():
    assert_error(parse_file("/nonexistent/report.pdf"), "cannot read")


def test_truncated_pdf():
    data = (DEV_CORPUS / "docs" / "huaian-2024.pdf").read_bytes() if DEV_CORPUS.is_dir() else None
    if data is None:
        pytest.skip("dev corpus not present")
    report = parse_bytes(data[: len(data) // 3], "truncated.pdf")
    assert CONTRACT_KEYS <= set(report)
    # pdfium may recover the first pages of a truncated file; either way no crash
    # and never a table 3 invented from the missing pages.
    assert report["error"] or report["table3"] is None or report["table3"]["total_processed"]["total"] == 3050


def test_encrypted_pdf(tmp_path):
    pytest.importorskip("reportlab")
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(100, 700, "2023 report")
    c.save()
    assert_error(parse_bytes(buf.getvalue(), "locked.pdf"), "encrypted")


def test_docx_zip_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"<w:p>" + b"0" * (1 << 20)
            for _ in range(300):  # 300 MB of text, a few hundred KB compressed
                f.write(chunk)
    start = time.monotonic()
    report = parse_bytes(buf.getvalue(), "bomb.docx")
    assert time.monotonic() - start < 5
    assert_error(report)


def test_traditional_characters_parse():
    """A report printed in Traditional characters reads like its Simplified twin."""
    from .conftest import FIXTURES

    report = parse_file(str(FIXTURES / "parse" / "text-traditional-pingwu" / "input.txt"))
    assert report["error"] is None
    assert report["table3"]["new_received"]["total"] == 7
    assert report["agency"] == "平武县人民政府办公室"


def test_cli_prints_one_line_per_file_in_order(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("某某镇2022年政府信息公开工作年度报告\n一、总体情况\n无。\n", encoding="utf-8")
    bad = tmp_path / "b.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    empty = tmp_path / "c.html"
    empty.write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "archive.cli", "parse", str(good), str(bad), str(empty)],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(bad), str(empty)]
    assert lines[0]["error"] is None and lines[0]["year"] == 2022 and lines[0]["agency"] == "某某镇"
    assert lines[0]["table3"] is None and {"id": "table3.found", "passed": False} == \
        {k: v for k, v in next(c for c in lines[0]["checks"] if c["id"] == "table3.found").items() if k != "detail"}
    assert lines[1]["error"] and lines[2]["error"]


def test_cli_time_limit_gives_an_error_line_and_goes_on():
    from .conftest import FIXTURES

    slow = FIXTURES / "parse" / "scan-pdf-pingwu" / "input.pdf"  # OCR: seconds a page
    quick = FIXTURES / "parse" / "text-markdown-pipe-pingwu" / "input.md"
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "archive.cli", "parse", "--brief", "--timeout", "1", str(slow),
                          str(quick)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 0
    first, second = (json.loads(line) for line in run.stdout.splitlines())
    assert "parse stopped: took longer than 1 s" in first["error"]
    assert second["error"] is None and second["table3"]["new_received"]["total"] == 7
    assert time.monotonic() - start < 60
