"""Benchmark: the hostile documents of the security review (finding H2), each parsed in
its own process by the entry point `planwork plans parse` uses (`importer.parse_file`).

Prints, per input, whether it was parsed or refused (with the message), the CPU time of
the parse and of the whole child process, and the child's peak RSS. Target: each input
refused or parsed in under 2 s of CPU, with a peak RSS under 300 MB.

usage: .venv/bin/python bench/bench_import_limits.py [--only NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CPU_TARGET = 2.0  # seconds
RSS_TARGET = 300  # MB

# --- the hostile inputs --------------------------------------------------------------


def lines_txt() -> bytes:
    """The review's script: 8,000 lines of 2 random lowercase letters (24 KB)."""
    r = random.Random(1)
    text = "\n".join(
        "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2)) for _ in range(8000)
    )
    return text.encode()


def long_line_txt() -> bytes:
    """One 500 KB line of words that never ends a sentence."""
    r = random.Random(5)
    words = []
    size = 0
    while size < 500_000:
        word = "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 7)))
        words.append(word)
        size += len(word) + 1
    return ("KẾ HOẠCH\n" + " ".join(words)).encode()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
# What Word writes around each paragraph's text: the markup that makes DOCX compress well.
_PARAGRAPH_OPEN = (
    '<w:p><w:pPr><w:spacing w:before="120" w:after="120"/><w:jc w:val="both"/></w:pPr>'
    '<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/>'
    '<w:sz w:val="28"/></w:rPr><w:t>'
)


def _docx(body: str) -> bytes:
    """A minimal DOCX (written directly: python-docx takes minutes for 50 MB of XML)."""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", xml)
    return out.getvalue()


def tiny_paragraphs_docx() -> bytes:
    """55,000 paragraphs of 2 letters: 2 MB of XML in about 140 KB."""
    r = random.Random(2)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return _docx(
        "".join(
            f"<w:p><w:r><w:t>{r.choice(letters)}{r.choice(letters)}</w:t></w:r></w:p>"
            for _ in range(55_000)
        )
    )


def docx_at_line_limit() -> bytes:
    """The largest DOCX body accepted (importer.limits.MAX_LINES paragraphs, Word's markup
    around each): what a parse may cost."""
    from importer.limits import MAX_LINES

    r = random.Random(6)
    return _docx(
        "".join(
            f"{_PARAGRAPH_OPEN}{r.choice('abcdefghijklmnopqrstuvwxyz')} việc</w:t></w:r></w:p>"
            for _ in range(MAX_LINES)
        )
    )


def docx_at_tag_limit() -> bytes:
    """Paragraphs of many short runs, just under importer.limits.MAX_DOCX_XML_TAGS: the
    most python-docx objects a DOCX may make python-docx build."""
    from importer.limits import MAX_DOCX_XML_TAGS, MAX_LINES

    r = random.Random(8)
    runs = (MAX_DOCX_XML_TAGS // MAX_LINES - 2) // 4  # <w:r><w:t>…</w:t></w:r>: 4 tags
    return _docx(
        "".join(
            "<w:p>"
            + "".join(
                f"<w:r><w:t>{''.join(r.choices('abcdefghijklmnopqrstuvwxyz', k=3))} </w:t></w:r>"
                for _ in range(runs)
            )
            + "</w:p>"
            for _ in range(MAX_LINES - 1)
        )
    )


def ratio_docx() -> bytes:
    """50 MB of XML at about 14:1, under any per-part ratio check (3.6 MB packed)."""
    r = random.Random(3)
    vocabulary = [
        "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 7)))
        for _ in range(500)
    ]
    parts: list[str] = []
    size = 0
    while size < 50 * 1024 * 1024:
        part = f"{_PARAGRAPH_OPEN}{' '.join(r.choices(vocabulary, k=6))}</w:t></w:r></w:p>"
        parts.append(part)
        size += len(part)
    return _docx("".join(parts))


def _pdf(pages: int, lines: int = 5, words: int = 8) -> bytes:
    from reportlab.pdfgen import canvas

    r = random.Random(4)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pageCompression=1)
    for page in range(pages):
        for k in range(lines):
            text = " ".join(
                "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
                for _ in range(words)
            )
            pdf.drawString(50, 800 - k * 16, text)
        pdf.drawString(300, 40, str(page + 1))
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def pdf_3000_pages() -> bytes:
    """3,000 pages of a few lines each (about 1.5 MB)."""
    return _pdf(3000)


def pdf_200_pages() -> bytes:
    """The largest PDF accepted (importer.limits.MAX_PDF_PAGES): what a parse may cost."""
    return _pdf(200)


def pdf_200_dense_pages() -> bytes:
    """200 full pages (48 lines of 14 words): pdfplumber reads each character, ~25 µs."""
    return _pdf(200, lines=48, words=14)


def plan_40_pages_txt() -> bytes:
    """A realistic plan repeated to 40 pages (bench_parse.py's build_plan)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_parse import build_plan

    return build_plan(40).encode()


INPUTS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "txt-8000-lines": ("txt", lines_txt),
    "txt-500kb-line": ("txt", long_line_txt),
    "txt-plan-40-pages": ("txt", plan_40_pages_txt),
    "docx-55k-paragraphs": ("docx", tiny_paragraphs_docx),
    "docx-50mb-xml": ("docx", ratio_docx),
    "docx-20k-paragraphs": ("docx", docx_at_line_limit),
    "docx-1m-tags": ("docx", docx_at_tag_limit),
    "pdf-3000-pages": ("pdf", pdf_3000_pages),
    "pdf-200-pages": ("pdf", pdf_200_pages),
    "pdf-200-dense-pages": ("pdf", pdf_200_dense_pages),
}

# --- the child: one parse, timed from inside --------------------------------------------

_CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[2])
import importer
from importer.errors import DocumentError

directory = importer.default_directory()  # what `planwork plans parse` uses outside the app
before = resource.getrusage(resource.RUSAGE_SELF)
try:
    draft = importer.parse_file(sys.argv[1], directory=directory)
    outcome = f"parsed: {len(draft.items)} items, {len(draft.suggestions)} suggestions"
except DocumentError as exc:
    outcome = "refused: " + exc.message
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
print(json.dumps({"outcome": outcome, "parse_cpu": cpu}))
"""


def run_child(path: Path, timeout: float = 300.0) -> dict:
    """Parse `path` in a fresh interpreter; the child's own CPU time and peak RSS come from
    os.wait4, which returns the rusage of that one child."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), str(ROOT)], stdout=out, stderr=err
        )
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen quiet
        out.seek(0)
        err.seek(0)
        lines = out.read().strip().splitlines()
        problem = err.read().strip().splitlines()
    if child.returncode == 0 and lines:
        result = json.loads(lines[-1])
    elif child.returncode < 0:
        result = {"outcome": f"killed after {timeout:.0f} s", "parse_cpu": float("nan")}
    else:
        result = {"outcome": f"error: {problem[-1] if problem else '?'}", "parse_cpu": float("nan")}
    result["process_cpu"] = usage.ru_utime + usage.ru_stime
    result["peak_mb"] = usage.ru_maxrss / 1024  # KB on Linux
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", choices=sorted(INPUTS), help="inputs to run")
    parser.add_argument("--keep", type=Path, help="write the generated inputs to this folder")
    parser.add_argument("--generate", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        name, target = args.generate
        Path(target).write_bytes(INPUTS[name][1]())
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-limits-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{'input':<21} {'size':>11}  {'parse CPU':>9}  {'process CPU':>11}  {'peak RSS':>8}"
        "  target  outcome"
    )
    failed = 0
    for name in args.only or INPUTS:
        suffix, _ = INPUTS[name]
        path = folder / f"{name}.{suffix}"
        if not path.exists():
            # Built in a process of its own: a child forked from a parent that holds 50 MB
            # of generated XML would report the parent's memory as its own peak.
            subprocess.run([sys.executable, __file__, "--generate", name, str(path)], check=True)
        result = run_child(path)
        ok = result["parse_cpu"] < CPU_TARGET and result["peak_mb"] < RSS_TARGET
        failed += not ok
        print(
            f"{name:<21} {path.stat().st_size / 1024:>8.0f} KB  {result['parse_cpu']:>7.2f} s"
            f"  {result['process_cpu']:>9.2f} s  {result['peak_mb']:>5.0f} MB"
            f"  {'ok    ' if ok else 'OVER  '}  {result['outcome'][:100]}",
            flush=True,
        )
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    print(
        f"\ntarget: parse under {CPU_TARGET:.0f} s of CPU, peak RSS under {RSS_TARGET} MB; "
        "process CPU adds the interpreter's start and the imports"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
