"""What the sample sites publish: report bodies, attachment files and notice titles.

Report text comes from real reports: the project's own parser fixtures
(tests/fixtures/parse/*/input.*) and, when the shared folder sits next to the
project, the dev corpus texts and HTML. Each sample report takes one source,
drops the source's own title (the site prints its own) and renders the rest
as the HTML a CMS editor produces: <p> paragraphs and <table> rows.

Attachment bytes are the fixtures' PDF/DOCX/DOC files; when a kind has no
fixture (an installed package without tests/), a minimal file is rendered
once (reportlab, python-docx, LibreOffice for DOC) and cached in the workdir.
"""
from __future__ import annotations

import functools
import hashlib
import html
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "parse"
DEV_DOCS = REPO.parent / "shared" / "corpus" / "dev" / "docs"  # read in place, never copied

# Text sources, in order of preference: fixtures first (always in the repo),
# then dev-corpus documents when the shared folder exists.
TEXT_FIXTURES = ("text-2021-single-other-row/input.txt", "text-markdown-pipe-pingwu/input.md",
                 "text-one-cell-per-line-pingwu/input.txt", "html-gbk-wordpaste-pingwu/input.html")
DEV_TEXTS = ("pingwu-2023.txt", "pingyuan-2023.txt", "biaokou-2022.txt", "pingan-2021.txt", "kaicheng-2022.txt",
             "shanghai-2019.html", "pingtan-2011.txt")
FILE_FIXTURES = {
    "pdf": ("pdf-ruled-pagebreak-pingwu", "pdf-unruled-biaokou", "pdf-rotated-landscape-pingwu"),
    "scan": ("scan-pdf-pingwu",),  # a scanned PDF: image pages only
    "docx": ("docx-merged-pingwu", "docx-nested-pingan"),
    "doc": ("doc-pingwu",),
}
DEV_FILES = {"pdf": ("huaian-2024.pdf",)}
MIME = {"pdf": "application/pdf", "scan": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "doc": "application/msword", "wps": "application/kswps", "xls": "application/vnd.ms-excel"}
EXT = {"scan": "pdf"}  # file kinds whose extension differs from the kind

# Written for 2024: a notice's years follow its date (base.notice).
NOTICES = (
    "关于做好2025年春节期间安全生产工作的通知", "2024年政务公开工作要点", "工作动态：召开政务公开工作推进会",
    "关于公开征求《村庄规划（2024—2035年）》意见的公告", "政府信息公开指南", "2023年度部门决算公开说明",
    "关于开展政务公开专题培训的通知", "通知公告：2024年度公开招聘工作人员资格复审公告", "政府信息公开制度",
    "关于调整政务服务中心办公时间的通告", "工作动态：开展“政务公开日”活动", "2025年度部门预算公开",
    "依申请公开流程图", "关于印发《政府信息公开申请办理工作规范》的通知", "政务公开工作领导小组成员名单",
    "关于2024年第四季度政府网站检查情况的通报", "工作动态：召开全体干部职工大会", "通知公告：防汛应急演练公告",
    "2024年法治政府建设情况报告", "关于开展2024年度政务公开第三方评估的通知",
)
# A notice whose title names the report: not a report (a spider matching titles alone takes it).
NEAR_MISS = "关于做好2024年度政府信息公开工作年度报告编制发布工作的通知"
UNITS = ("发展和改革局", "教育局", "科学技术局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局",
         "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
         "文化广电旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局",
         "统计局", "医疗保障局", "林业局", "信访局", "城市管理局", "行政审批局", "乡村振兴局", "档案馆",
         "机关事务服务中心")
SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]|总体情况|概述")


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "text" or "html"
    data: str  # text lines, or an HTML fragment


# -- report bodies -----------------------------------------------------------------------------

def _read_text(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return None


@functools.cache
def sources() -> tuple[Source, ...]:
    out = []
    for rel in TEXT_FIXTURES:
        text = _read_text(FIXTURES / rel)
        if text:
            out.append(_source(rel.split("/")[0], text, rel.endswith(".html")))
    for name in DEV_TEXTS:
        text = _read_text(DEV_DOCS / name)
        if text:
            out.append(_source(name, text, name.endswith(".html")))
    if not out:  # neither fixtures nor corpus: a skeleton report keeps the portal usable
        out.append(Source("skeleton", "text", SKELETON))
    return tuple(out)


def _source(name: str, text: str, is_html: bool) -> Source:
    if is_html:
        return Source(name, "html", _html_fragment(text))
    if "==== 正文 ====" in text:  # a corpus text with a metadata header
        text = text.split("==== 正文 ====", 1)[1].split("\n", 1)[-1]
        text = re.sub(r"^[^\n]{0,40}?年度报告\s*", "", text.lstrip())  # the title printed inline
    return Source(name, "text", "\n".join(_drop_title(text.splitlines())))


def _drop_title(lines: list[str]) -> list[str]:
    """Lines without the source's own title (a site prints its own title above the body)."""
    lines = [ln.rstrip() for ln in lines]
    k = dropped = 0
    while k < len(lines) and dropped < 4:
        plain = re.sub(r"^#+\s*|^(?:标题|题目)\s*[:：]\s*", "", lines[k].strip())
        if not plain:
            k += 1
            continue
        if len(plain) >= 40 or "\t" in lines[k] or SECTION.search(plain):
            break
        k += 1
        dropped += 1
    return lines[k:]


def _html_fragment(page: str) -> str:
    """The article body of an HTML source, without its title paragraphs."""
    from lxml import html as lh

    root = lh.fromstring(page)
    found = root.xpath("//*[@id='zoom']") or root.xpath("//body") or [root]
    body = found[0]
    for el in list(body):
        text = el.text_content().strip()
        if el.tag in ("p", "div", "h1", "h2", "h3") and len(text) < 40 and not SECTION.search(text):
            body.remove(el)
            continue
        break
    return "".join(lh.tostring(el, encoding="unicode") for el in body)


def body_html(seed: int) -> str:
    """The HTML of a report body (everything below the title), from source `seed`."""
    return _body_html(seed % len(sources()))


@functools.lru_cache(maxsize=None)
def _body_html(index: int) -> str:  # rendered once per source: pages are rendered per request
    src = sources()[index]
    return src.data if src.kind == "html" else text_to_html(src.data)


def source_name(seed: int) -> str:
    return sources()[seed % len(sources())].name


def text_to_html(text: str) -> str:
    """Paragraphs and tables as an editor pastes them: tab- or pipe-separated
    lines become table rows, consecutive rows one table."""
    out, rows = [], []

    def flush():
        if rows:
            width = max(len(r) for r in rows)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r + [""] * (width - len(r)))
                           + "</tr>" for r in rows)
            out.append(f"<table border='1' cellspacing='0' cellpadding='0' style='border-collapse:collapse'>"
                       f"<tbody>{body}</tbody></table>")
            rows.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or re.fullmatch(r"\|?\s*:?-{3,}.*", stripped):
            continue
        if "\t" in line:
            rows.append([c.strip() for c in line.strip("\n").split("\t")])
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            rows.append([c.strip() for c in stripped[1:-1].split("|")])
            continue
        flush()
        plain = re.sub(r"^#+\s*", "", stripped)
        if plain != stripped or SECTION.match(plain):
            out.append(f"<p><strong>{html.escape(plain)}</strong></p>")
        else:
            out.append(f"<p style='text-indent:2em'>{html.escape(plain)}</p>")
    flush()
    return "\n".join(out)


def plain_lines(seed: int) -> list[str]:
    """The body as text lines (tables tab-separated), for rendering files."""
    from lxml import html as lh

    root = lh.fromstring(f"<div>{body_html(seed)}</div>")
    out = []
    for el in root.iter("p", "tr"):
        if el.tag == "tr":
            out.append("\t".join(td.text_content().strip() for td in el.iter("td", "th")))
        elif el.getparent() is root or el.getparent().tag != "td":
            out.append(el.text_content().strip())
    return [ln for ln in out if ln.strip()]


SKELETON = """一、总体情况
本年度报告根据《中华人民共和国政府信息公开条例》编制。
二、主动公开政府信息情况
第二十条第（一）项
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t0
行政规范性文件\t1\t0\t5
三、收到和处理政府信息公开申请情况
本年新收政府信息公开申请数量\t3
四、政府信息公开行政复议、行政诉讼情况
本年度未发生因政府信息公开引起的行政复议、行政诉讼。
五、存在的主要问题及改进情况
六、其他需要报告的事项"""


# -- attachment files ----------------------------------------------------------------------------

class Files:
    """Attachment bytes by kind and seed: fixtures, else rendered once into `cache`."""

    def __init__(self, cache: Path | None):
        self._cache = cache
        self._memo: dict[tuple[str, int], bytes] = {}
        self._found: dict[str, list[Path]] = {}

    @property
    def cache(self) -> Path:
        if self._cache is None:
            self._cache = Path(tempfile.mkdtemp(prefix="nianbao-sampleportal-"))
        self._cache.mkdir(parents=True, exist_ok=True)
        return self._cache

    def candidates(self, kind: str) -> list[Path]:
        if kind not in self._found:
            base = "doc" if kind == "wps" else kind  # WPS 2000+ files are OLE compound files, as DOC
            found = [FIXTURES / name / f"input.{EXT.get(base, base)}" for name in FILE_FIXTURES.get(base, ())]
            found += [DEV_DOCS / name for name in DEV_FILES.get(base, ())]
            self._found[kind] = [p for p in found if p.is_file()]
        return self._found[kind]

    def get(self, kind: str, seed: int = 0) -> bytes:
        found = self.candidates(kind)
        key = (kind, seed % len(found) if found else seed % len(sources()))  # one copy per file, not per seed
        if key not in self._memo:
            self._memo[key] = found[key[1]].read_bytes() if found else self.render(kind, seed)
        return self._memo[key]

    def render(self, kind: str, seed: int) -> bytes:
        base = {"wps": "doc", "scan": "pdf"}.get(kind, kind)
        path = self.cache / f"rendered-{seed % len(sources())}.{base}"
        if not path.exists():
            lines = plain_lines(seed)
            if base == "pdf":
                path.write_bytes(render_pdf(lines))
            elif base == "docx":
                path.write_bytes(render_docx(lines))
            elif base == "doc":
                docx = self.cache / f"rendered-{seed % len(sources())}.docx"
                if not docx.exists():
                    docx.write_bytes(render_docx(lines))
                path.write_bytes(convert_to_doc(docx))
            else:
                raise ValueError(f"no file of kind {kind!r}")
        return path.read_bytes()


def render_pdf(lines: list[str]) -> bytes:
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas
    except ImportError:  # reportlab is a test dependency only
        return minimal_pdf(lines)
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # built in: no font file needed
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = A4[1] - 60
    for line in lines:
        for k, cell in enumerate(line.split("\t")[:8]):
            c.setFont("STSong-Light", 9)
            c.drawString(40 + (0 if k == 0 else 200 + 45 * k), y, cell[:60])
        y -= 14
        if y < 50:
            c.showPage()
            y = A4[1] - 60
    c.save()
    return buf.getvalue()


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF without reportlab (ASCII only: a placeholder, not a parseable report)."""
    text = " ".join(f"({ln.encode('ascii', 'ignore').decode()[:80]}) Tj T*" for ln in lines[:40])
    stream = f"BT /F1 10 Tf 14 TL 40 800 Td {text} ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for k, obj in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % k + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def render_docx(lines: list[str]) -> bytes:
    import docx

    d = docx.Document()
    rows: list[list[str]] = []

    def flush():
        if rows:
            width = max(len(r) for r in rows)
            table = d.add_table(rows=len(rows), cols=width)
            for i, r in enumerate(rows):
                for j, cell in enumerate(r):
                    table.cell(i, j).text = cell
            rows.clear()

    for line in lines:
        if "\t" in line:
            rows.append(line.split("\t"))
        else:
            flush()
            d.add_paragraph(line)
    flush()
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def convert_to_doc(docx: Path) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RuntimeError("no DOC fixture and no LibreOffice to make one")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "doc",
                        "--outdir", tmp, str(docx)], check=True, capture_output=True, timeout=120)
        return (Path(tmp) / (docx.stem + ".doc")).read_bytes()


def revised(kind: str, data: bytes, note: str) -> bytes:
    """New bytes for a changed file that still open as the same kind."""
    if kind in ("pdf", "scan"):
        return data + f"\n% {note}\n".encode("utf-8")  # readers ignore bytes after %%EOF
    if kind == "docx":
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as z:
            z.comment = note.encode("utf-8")[:200]
        return buf.getvalue()
    if kind in ("doc", "wps", "xls"):
        return data + note.encode("utf-8").ljust(512, b"\0")[:512]  # one more (unused) OLE sector
    return data + note.encode("utf-8")


def unique(kind: str, data: bytes, tag: str) -> bytes:
    """The same document with bytes of its own, so generated sites do not all share one blob."""
    return revised(kind, data, f"nianbao-sample {hashlib.sha1(tag.encode()).hexdigest()[:12]}")


def mime(kind: str) -> str:
    return MIME.get(kind, "application/octet-stream")


def ext(kind: str) -> str:
    return EXT.get(kind, kind)
