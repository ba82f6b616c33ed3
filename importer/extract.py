"""Text extraction: TXT, DOCX and PDF bytes -> lines and table rows, in document order.

The type is decided by content (magic bytes), never by the file name: uploads arrive
renamed, and a ".docx" that is really a PDF should still import.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from functools import lru_cache

from charset_normalizer import from_bytes

from . import errors, limits, ocr
from .limits import MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES, MAX_ZIP_RATIO
from .normalize import Line

DEFAULT_MAX_BYTES = limits.MAX_BYTES

_PDF = b"%PDF-"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")


def detect_kind(data: bytes) -> str:
    """ "pdf", "docx", "image" (PNG or JPEG, read by OCR) or "text" from the bytes; raises
    a DocumentError otherwise."""
    if not data or not data.strip():
        raise errors.EmptyDocument()
    head = data[:1024]
    if _PDF in head:
        return "pdf"
    if data.startswith(_ZIP):
        return "xlsx" if _is_workbook(data) else "docx"
    if data.startswith(_OLE):
        raise errors.UnsupportedFormat(
            "Tệp Word cũ (.doc) hoặc Excel cũ không được hỗ trợ. Hãy lưu lại dạng DOCX hoặc PDF."
        )
    if ocr.image_kind(data):
        return "image"
    if data.startswith(_IMAGE_MAGIC):
        raise errors.UnsupportedFormat(
            "Ảnh GIF, TIFF hoặc BMP chưa được hỗ trợ: hãy lưu lại dạng PNG, JPEG hoặc PDF."
        )
    if data.startswith(b"{\\rtf"):
        raise errors.UnsupportedFormat("Tệp RTF không được hỗ trợ. Hãy lưu lại dạng DOCX hoặc PDF.")
    return "text"


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8, UTF-16 with BOM, or a legacy code page."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise errors.CorruptDocument("Tệp UTF-16 bị hỏng, không giải mã được.") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if b"\x00" in data:
            raise errors.BinaryContent() from None
        best = from_bytes(data).best()
        if best is None:
            raise errors.BinaryContent() from None
        text = str(best)
    if _looks_binary(text):
        raise errors.BinaryContent()
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\r\n\t\f\v") or c == "\ufffd")
    return bad / len(sample) > 0.02


def check_text(text: str) -> None:
    """Refuse a text over the character or line limit, before it is split (H2)."""
    limits.check_chars(len(text))
    # The number of pieces re.split(r"\r\n|\r|\n|\f") makes, counted without splitting.
    separators = text.count("\r") + text.count("\n") - text.count("\r\n") + text.count("\f")
    limits.check_lines(separators + 1)


def text_lines(text: str) -> list[Line]:
    """Split text into lines; lines with "|" or tab separators are table rows."""
    out: list[Line] = []
    for raw in re.split(r"\r\n|\r|\n|\f", text):
        cells = None
        if raw.count("|") >= 3:
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
        elif raw.count("\t") >= 3:
            cells = [c.strip() for c in raw.split("\t")]
        out.append(Line(raw, cells) if cells else Line(raw))
    return out


# --- DOCX -----------------------------------------------------------------------------


def _is_workbook(data: bytes) -> bool:
    """A ZIP whose parts are an Excel workbook (the assignment appendix sent as XLSX)."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # _check_zip reports the broken archive
    return "xl/workbook.xml" in names and "word/document.xml" not in names


def _check_zip(data: bytes, part: str = "word/document.xml") -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise errors.CorruptDocument() from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise errors.SuspiciousArchive()
    total = 0
    xml_size = xml_packed = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_UNZIPPED_BYTES:
            raise errors.SuspiciousArchive()
        if info.compress_size and info.file_size > 1_000_000:
            if info.file_size / info.compress_size > MAX_ZIP_RATIO:
                raise errors.SuspiciousArchive()
        if _is_xml_part(info.filename):
            xml_size += info.file_size
            xml_packed += info.compress_size
    if total > MAX_UNZIPPED_BYTES:
        raise errors.SuspiciousArchive()
    # Many parts each under the per-part ratio can still unpack to a bomb together.
    if xml_size > 1_000_000 and xml_size > MAX_ZIP_RATIO * max(xml_packed, 1):
        raise errors.SuspiciousArchive()
    # python-docx parses every XML part into memory: what they unpack to is what it costs.
    limits.check_docx_xml(xml_size)
    names = {i.filename for i in infos}
    if part not in names:
        if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
            raise errors.UnsupportedFormat(
                "Tệp Excel/PowerPoint không được hỗ trợ. Hãy dùng TXT, DOCX hoặc PDF."
            )
        raise errors.UnsupportedFormat("Tệp nén (ZIP) không phải tài liệu Word DOCX.")
    return archive


def _is_xml_part(name: str) -> bool:
    return name.endswith((".xml", ".rels"))


# A paragraph element: <w:p>, <w:p w:rsidR="…">, <w:p/>. Every writer uses the "w"
# prefix; one that did not would still meet the tag count and the line check afterwards.
_PARAGRAPH_TAGS = (b"<w:p>", b"<w:p ", b"<w:p/>")


def _check_docx_structure(archive: zipfile.ZipFile) -> None:
    """Count the XML tags of every part and the paragraphs of the body, before python-docx
    builds its tree (H2: 55,000 tiny paragraphs fit in 146 KB)."""
    tags = 0
    for info in archive.infolist():
        if not _is_xml_part(info.filename):
            continue
        try:
            # The sizes were checked against the central directory, and zipfile never
            # unpacks more than the size it declares, so reading whole parts is bounded.
            part = archive.read(info)
        except Exception as exc:  # bad CRC, lying sizes, encryption, unknown compression
            raise errors.CorruptDocument() from exc
        tags += part.count(b"<")
        if info.filename == "word/document.xml":
            limits.check_lines(sum(part.count(tag) for tag in _PARAGRAPH_TAGS))
        limits.check_docx_tags(tags)


def docx_lines(data: bytes) -> list[Line]:
    """Paragraphs and table rows of a DOCX body, in document order."""
    _check_docx_structure(_check_zip(data))
    import docx  # python-docx; imported here so text-only use stays light
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        raise errors.CorruptDocument() from exc
    out: list[Line] = []
    for block in document.iter_inner_content():
        if isinstance(block, DocxParagraph):
            out.extend(Line(t) for t in _paragraph_text(block).split("\n"))
        elif isinstance(block, Table):
            out.extend(_table_lines(block))
    return out


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@lru_cache(maxsize=1)
def _run_content():  # noqa: ANN202 (an lxml XPath, imported lazily)
    from lxml import etree

    # What python-docx's Paragraph.text reads, in document order, with one compiled
    # expression: it compiles one XPath per run, ~35 µs each, 3.6 s for a DOCX of
    # 20,000 paragraphs of 12 runs (H2).
    return etree.XPath(
        "(w:r | w:hyperlink/w:r)/*[self::w:br or self::w:cr or self::w:noBreakHyphen"
        " or self::w:ptab or self::w:t or self::w:tab]",
        namespaces={"w": _W},
    )


def _paragraph_text(paragraph) -> str:  # noqa: ANN001 (a python-docx Paragraph)
    """python-docx's `paragraph.text`: each element's own str() (a tab character for
    w:tab, a newline for a text-wrapping w:br) joined, found in one pass."""
    return "".join(str(e) for e in _run_content()(paragraph._p))


def _table_lines(table) -> list[Line]:
    out: list[Line] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # Merged cells come back once per grid column; keep each cell once.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(" ".join(_paragraph_text(p) for p in cell.paragraphs).strip())
        if any(cells):
            out.append(Line(" | ".join(cells), cells))
    return out


# --- XLSX -----------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    """A workbook cell as a plan writes it: 3.0 is "3", a date is "15/01/2025"."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    return " ".join(str(value).split())


def xlsx_lines(data: bytes) -> list[Line]:
    """Rows of every sheet of an Excel workbook, in order: a row with one filled cell is a
    line of text (the plan's heading lines above an appendix), a row with more is a table
    row. Merged cells (group rows "I", "II") hold their value in the first cell only."""
    _check_docx_structure(_check_zip(data, part="xl/workbook.xml"))
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken packages
        raise errors.CorruptDocument() from exc
    out: list[Line] = []
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell_text(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                filled = [c for c in cells if c]
                if not filled:
                    continue
                if len(filled) == 1 and cells[0]:
                    out.append(Line(cells[0]))
                else:
                    out.append(Line(" | ".join(cells), cells))
                limits.check_lines(len(out), at_least=True)
    except errors.DocumentError:
        raise
    except Exception as exc:
        raise errors.CorruptDocument() from exc
    finally:
        book.close()
    return out


# --- PDF ------------------------------------------------------------------------------


def _page_count(reader) -> int:  # noqa: ANN001 (pypdf's PdfReader, imported lazily)
    """The page count the page tree's root declares: read without walking the tree, so a
    3,000-page PDF is refused in milliseconds. pdf_lines checks the real count again."""
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]
        return int(count)
    except Exception:  # a broken or missing /Count: walk the tree after all
        return len(reader.pages)


def _open_pdf(data: bytes):
    import pdfplumber
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:
                raise errors.EncryptedDocument() from exc
            if not opened:
                raise errors.EncryptedDocument()
        limits.check_pages(_page_count(reader))
    except errors.DocumentError:
        raise
    except (PdfReadError, ValueError, TypeError, KeyError, OSError) as exc:
        raise errors.CorruptDocument("Tệp PDF bị hỏng, không đọc được.") from exc
    except Exception as exc:
        raise errors.CorruptDocument("Tệp PDF bị hỏng, không đọc được.") from exc
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise errors.CorruptDocument("Tệp PDF bị hỏng, không đọc được.") from exc


def _page_blocks(page) -> list[tuple[float, list[Line]]]:
    """(top, lines) blocks of one page: text outside tables, and each table's rows."""
    blocks: list[tuple[float, list[Line]]] = []
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    for table in tables:
        rows = []
        for row in table.extract():
            cells = [" ".join((c or "").split()) for c in row]
            if any(cells):
                rows.append(Line(" | ".join(cells), cells))
        blocks.append((table.bbox[1], rows))

    def outside(obj) -> bool:
        x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
        y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text_page = page.filter(outside) if boxes else page
    lines = text_page.extract_text_lines(layout=False, return_chars=True)
    left = min((line["x0"] for line in lines), default=0)
    heights = sorted(line["bottom"] - line["top"] for line in lines)
    height = heights[len(heights) // 2] if heights else 0
    previous = None
    for line in lines:
        text = _spaced_text(line, left)
        # A blank line where rows of a table without rules leave a gap: tables.py reads
        # blank-separated rows whose number sits on any of their lines.
        if (
            previous is not None
            and "   " in text + previous[1]
            and line["top"] - previous[0] > 0.9 * height
        ):
            blocks.append((previous[0] + 0.01, [Line("")]))
        blocks.append((line["top"], [Line(text)]))
        previous = (line["bottom"], text)
    blocks.sort(key=lambda b: b[0])
    return blocks


def _spaced_text(line: dict, left: float = 0) -> str:
    """A PDF line's text with its wide gaps kept as runs of spaces, the way
    `pdftotext -layout` writes them: a table without rules has its columns only in the
    characters' x positions, and tables.py finds them in the spaces. Each run after a
    wide gap starts at the column its x gives, so runs at one x line up across lines;
    a line without a wide gap keeps pdfplumber's text."""
    chars = [c for c in line.get("chars") or [] if c.get("text", "").strip()]
    if len(chars) < 2:
        return line["text"]
    size = sorted(c.get("size", 10) for c in chars)[len(chars) // 2] or 10
    # Characters per point, on the narrow side so that text never outruns its column.
    unit = 0.4 * size
    wide = 0.9 * size
    indent = round((chars[0]["x0"] - left) / unit) if chars[0]["x0"] - left > wide else 0
    if not indent and not any(
        b["x0"] - a["x1"] > wide for a, b in zip(chars, chars[1:], strict=False)
    ):
        return line["text"]
    out: list[str] = [" " * indent]
    length = indent
    previous = None
    for c in sorted(chars, key=lambda c: c["x0"]):
        if previous is not None:
            gap = c["x0"] - previous["x1"]
            if gap > wide:
                column = round((c["x0"] - left) / unit)
                pad = max(column - length, 2)
                out.append(" " * pad)
                length += pad
            elif gap > 0.15 * size:
                out.append(" ")
                length += 1
        out.append(c["text"])
        length += len(c["text"])
        previous = c
    return "".join(out)


def pdf_lines(data: bytes) -> list[Line]:
    """Text layer of a PDF, with tables as rows and running headers/footers removed."""
    pdf = _open_pdf(data)
    pages: list[list[Line]] = []
    chars = 0
    images = 0
    scanned = 0
    line_count = text_chars = 0
    try:
        limits.check_pages(len(pdf.pages))  # a /Count that lied about the pages
        for page in pdf.pages:
            page_chars = len(page.chars)
            chars += page_chars
            images += len(page.images)
            # A scanned page: an image, and no text or a few stray characters (a stamp).
            scanned += bool(page.images) and page_chars < ocr.MIN_PAGE_CHARS
            page_lines: list[Line] = []
            for _, lines in _page_blocks(page):
                page_lines.extend(lines)
            pages.append(page_lines)
            # Free the page's parsed objects now, and stop at a limit rather than read
            # the rest: memory stays that of one page plus the lines kept (H2).
            page.close()
            line_count += len(page_lines)
            text_chars += sum(len(x.text) for x in page_lines)
            limits.check_lines(line_count, at_least=True)
            limits.check_chars(text_chars, at_least=True)
    except errors.DocumentError:
        raise
    except Exception as exc:
        raise errors.CorruptDocument("Tệp PDF bị hỏng, không đọc được.") from exc
    finally:
        pdf.close()
    if images and (chars == 0 or 2 * scanned >= len(pages)):
        raise errors.NoTextLayer()  # extract_lines reads it by OCR
    if chars == 0:
        raise errors.EmptyDocument("Tệp PDF không có chữ nào.")
    return _drop_running_lines(pages)


def _drop_running_lines(pages: list[list[Line]]) -> list[Line]:
    """Remove lines repeated at the top or bottom of most pages (running headers)."""
    if len(pages) >= 3:
        edge = Counter()
        for lines in pages:
            texts = {x.text.strip() for x in lines[:2] + lines[-2:] if x.cells is None}
            edge.update(t for t in texts if t)
        running = {t for t, n in edge.items() if n >= max(3, len(pages) // 2)}
    else:
        running = set()
    out: list[Line] = []
    for lines in pages:
        for i, line in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and line.cells is None and line.text.strip() in running:
                continue
            out.append(line)
    return out


def extract_lines(
    data: bytes, max_bytes: int = DEFAULT_MAX_BYTES, progress: ocr.Progress | None = None
) -> list[Line]:
    """Bytes of a TXT, DOCX or PDF document, or of a scan read by OCR (a PDF without a
    text layer, a PNG or JPEG) -> lines and table rows in order. `progress(done, total)`
    is called after each page read by OCR."""
    if len(data) > max_bytes:
        raise errors.FileTooLarge(
            f"Tệp quá lớn ({len(data) / 1048576:.1f} MB); giới hạn là {max_bytes / 1048576:.0f} MB."
        )
    kind = detect_kind(data)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if kind == "pdf":
        try:
            lines = pdf_lines(data)
        except errors.NoTextLayer:
            lines = _drop_running_lines([text_lines(t) for t in ocr.read_pdf(data, progress)])
    elif kind == "image":
        lines = text_lines("\f".join(ocr.read_image(data, progress)))
    elif kind == "xlsx":
        lines = xlsx_lines(data)
    elif kind == "docx":
        lines = docx_lines(data)
    else:
        text = decode_text(data)
        check_text(text)
        lines = text_lines(text)
    check_lines(lines)
    if not any((x.text or "").strip() for x in lines):
        raise errors.EmptyDocument()
    return lines


def check_lines(lines: list[Line]) -> None:
    """Refuse extracted lines over the line or character limit (H2)."""
    limits.check_lines(len(lines))
    limits.check_chars(sum(len(x.text or "") for x in lines))
