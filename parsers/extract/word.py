"""Legacy Word (DOC), WPS, RTF and ODT -> Document, by converting to DOCX with LibreOffice.

The conversion runs `soffice --headless --convert-to docx` in a private
profile folder (parallel conversions must not share one) with a time limit;
the DOCX is then read by `extract.docx`. Without LibreOffice, a DOC is read
as text by antiword; anything else gets an error that names what is missing.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..model import Document, ExtractError
from . import docx, text

TIMEOUT = 120  # seconds; a report converts in a few
SUFFIX = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf", "odf": ".odt"}


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    default = "/usr/lib/libreoffice/program/soffice"
    return default if os.path.exists(default) else None


def extract(data: bytes, kind: str) -> Document:
    office = soffice()
    if office:
        doc = docx.extract(convert(office, data, kind))
        doc.kind = kind
        doc.notes.append(f"{kind.upper()} converted to DOCX by LibreOffice")
        return doc
    if kind == "doc" and shutil.which("antiword"):
        doc = text.extract(antiword(data))
        doc.kind = kind
        doc.notes.append("DOC read as text by antiword (LibreOffice is not installed; tables lose their grid)")
        return doc
    raise ExtractError(f"cannot read {kind.upper()}: LibreOffice (soffice) is not installed; "
                       "run the project's set-up command (make setup)")


def convert(office: str, data: bytes, kind: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as tmp:
        src = Path(tmp) / f"report{SUFFIX.get(kind, '.doc')}"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [office, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(src)]
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            try:
                _, err = proc.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # soffice forks; end the whole group
                proc.communicate()
                raise ExtractError(f"LibreOffice took longer than {TIMEOUT} s to convert the {kind.upper()}") from None
        except OSError as e:
            raise ExtractError(f"cannot run LibreOffice: {e}") from None
        out = Path(tmp) / "report.docx"
        if not out.exists():
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
            raise ExtractError(f"LibreOffice could not convert the {kind.upper()}" + (f": {detail[0]}" if detail else ""))
        return out.read_bytes()


def antiword(data: bytes) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".doc") as f:
        f.write(data)
        f.flush()
        try:
            run = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", f.name], capture_output=True,
                                 timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ExtractError("antiword took too long to read the DOC") from None
    if run.returncode != 0:
        raise ExtractError(f"antiword could not read the DOC: {run.stderr.decode('utf-8', 'replace').strip()}")
    return run.stdout
