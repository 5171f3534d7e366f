"""DOC, WPS and RTF through LibreOffice; antiword and clear errors without it."""
from __future__ import annotations

import os
import shutil
import time

import pytest

from parsers.extract import word
from parsers.model import ExtractError, Table

from .conftest import FIXTURES

DOC = FIXTURES / "parse" / "doc-pingwu" / "input.doc"
RTF = FIXTURES / "parse" / "rtf-pingan" / "input.rtf"
needs_office = pytest.mark.skipif(not word.soffice(), reason="LibreOffice not installed (the set-up command installs it)")
needs_antiword = pytest.mark.skipif(not shutil.which("antiword"), reason="antiword not installed")
CANNOT_LOAD = "echo 'Error: source file could not be loaded' >&2\nexit 1\n"


def tables(doc) -> list[Table]:
    return [t for t in doc.items if isinstance(t, Table)]


@pytest.fixture
def no_office(monkeypatch):
    """A machine without LibreOffice: not on PATH, not in its default place."""
    which = shutil.which
    monkeypatch.setattr(word.shutil, "which", lambda name: None if name in ("soffice", "libreoffice") else which(name))
    monkeypatch.setattr(word, "DEFAULT_SOFFICE", "/nonexistent/soffice")
    assert word.soffice() is None


@pytest.fixture
def nothing_installed(monkeypatch, no_office):
    monkeypatch.setattr(word.shutil, "which", lambda name: None)


def fake_office(tmp_path, script: str) -> str:
    path = tmp_path / "soffice"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


@needs_office
def test_doc_converted_by_libreoffice():
    doc = word.extract(DOC.read_bytes(), "doc")
    assert doc.kind == "doc" and any("LibreOffice" in n for n in doc.notes)
    found = tables(doc)
    assert len(found) == 3
    t3 = found[1]
    assert t3.rows[0][3].text == "申请人情况" and t3.rows[0][9] is t3.rows[0][3]  # merges survive the round trip
    assert t3.rows[2][6].text == "社会公益组织"


@needs_office
def test_wps_is_converted_like_a_doc():
    # Kingsoft WPS files are Word 97 binaries; LibreOffice tells them by content.
    doc = word.extract(DOC.read_bytes(), "wps")
    assert doc.kind == "wps" and len(tables(doc)) == 3


@needs_office
def test_rtf_converted_with_its_nested_table():
    doc = word.extract(RTF.read_bytes(), "rtf")
    assert doc.kind == "rtf"
    assert any(t.source == "docx:t5/r1/c1/t1" for t in tables(doc))


@needs_antiword
def test_doc_without_libreoffice_falls_back_to_antiword(no_office):
    doc = word.extract(DOC.read_bytes(), "doc")
    assert any("antiword" in n and "not installed" in n for n in doc.notes)
    assert "平武县人民政府办公室2023年政府信息公开工作年度报告" in doc.text()


@needs_antiword
def test_doc_that_libreoffice_cannot_convert_falls_back_to_antiword(monkeypatch, tmp_path):
    monkeypatch.setattr(word, "soffice", lambda: fake_office(tmp_path, CANNOT_LOAD))
    doc = word.extract(DOC.read_bytes(), "doc")
    assert any("LibreOffice failed" in n and "could not be loaded" in n for n in doc.notes)


def test_without_libreoffice_the_error_names_what_is_missing(nothing_installed):
    for kind in ("doc", "wps", "rtf", "odf"):
        with pytest.raises(ExtractError, match=r"LibreOffice \(soffice\) is not installed"):
            word.extract(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), kind)


def test_rtf_without_libreoffice_names_what_is_missing(no_office):
    with pytest.raises(ExtractError, match=r"cannot read RTF: LibreOffice \(soffice\) is not installed"):
        word.extract(b"{\\rtf1 x}", "rtf")


def test_libreoffice_failure_is_reported(monkeypatch, tmp_path):
    monkeypatch.setattr(word, "soffice", lambda: fake_office(tmp_path, CANNOT_LOAD))
    with pytest.raises(ExtractError, match="LibreOffice could not convert the RTF: Error: source file could not be loaded"):
        word.extract(b"{\\rtf1 x}", "rtf")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to see the child")
def test_hung_conversion_is_killed_with_its_children(monkeypatch, tmp_path):
    pids = tmp_path / "pids"
    # Like soffice: the launcher starts a child (soffice.bin) and waits for it.
    office = fake_office(tmp_path, f"sleep 300 &\necho $! > {pids}\nwait\n")
    monkeypatch.setattr(word, "soffice", lambda: office)
    monkeypatch.setattr(word, "TIMEOUT", 1)
    start = time.monotonic()
    with pytest.raises(ExtractError, match="took longer than 1 s"):
        word.extract(b"{\\rtf1 x}", "rtf")
    assert time.monotonic() - start < 10
    assert not alive(int(pids.read_text())), "the converter's child process outlived the timeout"


def alive(pid: int) -> bool:
    """Still running after a grace period (a zombie awaiting its reaper counts as gone)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in ("Z", "X"):
            return False
        time.sleep(0.05)
    return True
