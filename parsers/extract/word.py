"""Legacy Word (DOC), WPS, RTF and ODT -> Document, by converting to DOCX with LibreOffice.

The conversion runs `soffice --headless --convert-to docx` in a private
profile folder (parallel conversions must not share one) with a time limit;
the DOCX is then read by `extract.docx`. Without LibreOffice (or when it
fails), a DOC or WPS is read as text by antiword, losing most of the table
grid; anything else gets an error that names what is missing.
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

TIMEOUT = 120  # seconds; a report converts in two or three
# Kingsoft WPS files are Word 97 binaries; LibreOffice tells the format from the content.
SUFFIX = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf", "odf": ".odt"}
ANTIWORD_KINDS = ("doc", "wps")
DEFAULT_SOFFICE = "/usr/lib/libreoffice/program/soffice"  # Debian/Ubuntu, when not on PATH


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return DEFAULT_SOFFICE if os.access(DEFAULT_SOFFICE, os.X_OK) else None


def extract(data: bytes, kind: str) -> Document:
    office = soffice()
    failure = None
    if office:
        try:
            doc = docx.extract(convert(office, data, kind))
        except ExtractError as e:
            failure = e  # antiword may still read a DOC that LibreOffice chokes on
        else:
            doc.kind = kind
            doc.notes.append(f"{kind.upper()} converted to DOCX by LibreOffice")
            return doc
    if kind in ANTIWORD_KINDS and shutil.which("antiword"):
        try:
            raw = antiword(data)
        except ExtractError:
            raw = None  # not a Word 97 binary after all; the error below says what would read it
        if raw is not None:
            doc = text.extract(raw)
            doc.kind = kind
            why = f"LibreOffice failed: {failure}" if failure else "LibreOffice is not installed"
            doc.notes.append(f"{kind.upper()} read as text by antiword ({why}; tables lose their grid)")
            return doc
    if failure:
        raise failure
    raise ExtractError(f"cannot read {kind.upper()}: LibreOffice (soffice) is not installed; "
                       "run the project's set-up command (make setup)")


def convert(office: str, data: bytes, kind: str) -> bytes:
    """DOCX bytes of the file, converted by LibreOffice in a throw-away folder and profile."""
    with tempfile.TemporaryDirectory(prefix="nianbao-office-") as tmp:
        src = Path(tmp) / f"report{SUFFIX.get(kind, '.doc')}"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [office, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
               "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, str(src)]
        err = run_group(cmd, f"LibreOffice took longer than {TIMEOUT} s to convert the {kind.upper()}")
        out = Path(tmp) / "report.docx"
        if not out.exists():
            # The last line that is not a warning (soffice warns about Java on every run).
            detail = [line for line in err.splitlines() if line.strip() and not line.startswith("Warning")][-1:]
            raise ExtractError(f"LibreOffice could not convert the {kind.upper()}" + (f": {detail[0]}" if detail else ""))
        return out.read_bytes()


def run_group(cmd: list[str], timeout_message: str) -> str:
    """Run a command in its own process group and kill the whole group on
    timeout (soffice forks soffice.bin). Returns stderr."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as e:
        raise ExtractError(f"cannot run LibreOffice: {e}") from None
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pass  # a process that left the group still holds our pipes; do not wait for it
        raise ExtractError(timeout_message) from None
    return err.decode("utf-8", "replace")


def kill_group(pgid: int) -> None:
    # Called before the leader is reaped, so the group id cannot belong to anyone else.
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group has already gone


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
