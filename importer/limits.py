"""Hard limits on what the importer reads, checked before the expensive work.

Security review 2026-12, finding H2: a small upload could hold tens of thousands of lines,
thousands of PDF pages or tens of megabytes of packed XML, and pin a web worker until it
was killed. Every limit lives here so that it applies wherever parsing runs (the web
upload, a background worker, the CLI), and each refusal is a `LimitExceeded` whose
Vietnamese message names the count and the limit.

A 40-page plan has about 1,800 lines, 100,000 characters and 1 MB of DOCX XML, so the
limits leave a wide margin for real plans while bounding the time and memory of one parse.
"""

from __future__ import annotations

from .errors import LimitExceeded

MAX_BYTES = 20 * 1024 * 1024
"""Size of the uploaded file."""
MAX_PDF_PAGES = 200
"""Pages of a PDF, counted by pypdf before any text is extracted."""
MAX_LINES = 20_000
"""Physical lines of a text, paragraphs of a DOCX body, lines of a PDF's text layer."""
MAX_TEXT_CHARS = 2_000_000
"""Characters of the extracted text."""
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024
"""Unpacked size of a DOCX's XML parts, from the zip's central directory."""
MAX_DOCX_XML_TAGS = 1_000_000
"""XML tags in a DOCX's parts: python-docx holds every element in memory (~160 bytes each)."""
MAX_ZIP_RATIO = 100
"""Unpacked/packed size of a DOCX's large parts, and of its XML parts together."""
MAX_ZIP_ENTRIES = 2000
"""Files in a DOCX archive."""
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""Unpacked size of a DOCX archive, media included."""
MAX_OCR_PAGES = 50
"""Pages of a scan read by OCR: each takes seconds of CPU (bench/bench_ocr.py)."""
MAX_IMAGE_PIXELS = 100_000_000
"""Pixels of an uploaded photo or scan, read from its header before it is decoded."""
MAX_IMAGE_SIDE = 20_000
"""Width or height of an uploaded image, in pixels (Tesseract stops at 32,767)."""


def number(value: int) -> str:
    """An integer as Vietnamese writes it: "3.000", "2.000.000"."""
    return f"{value:,}".replace(",", ".")


def megabytes(size: int) -> str:
    """A size in MB with a decimal comma: "50,9 MB"; whole numbers without decimals."""
    value = size / 1048576
    text = f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")
    return f"{text} MB"


def check_pages(pages: int) -> None:
    """Refuse a PDF with more than MAX_PDF_PAGES pages."""
    if pages > MAX_PDF_PAGES:
        raise LimitExceeded(
            f"Tài liệu có {number(pages)} trang, vượt giới hạn {number(MAX_PDF_PAGES)} trang. "
            "Hãy tải lên riêng phần kế hoạch."
        )


def check_lines(lines: int, at_least: bool = False) -> None:
    """Refuse more than MAX_LINES lines; `at_least` when counting stopped at the limit."""
    if lines > MAX_LINES:
        count = f"hơn {number(MAX_LINES)}" if at_least else number(lines)
        raise LimitExceeded(
            f"Tài liệu có {count} dòng (đoạn văn), vượt giới hạn {number(MAX_LINES)} dòng."
        )


def check_chars(chars: int, at_least: bool = False) -> None:
    """Refuse more than MAX_TEXT_CHARS characters of text."""
    if chars > MAX_TEXT_CHARS:
        count = f"hơn {number(MAX_TEXT_CHARS)}" if at_least else number(chars)
        raise LimitExceeded(
            f"Tài liệu có {count} ký tự, vượt giới hạn {number(MAX_TEXT_CHARS)} ký tự."
        )


def check_docx_xml(size: int) -> None:
    """Refuse a DOCX whose XML parts unpack to more than MAX_DOCX_XML_BYTES."""
    if size > MAX_DOCX_XML_BYTES:
        raise LimitExceeded(
            f"Nội dung tệp DOCX khi giải nén là {megabytes(size)}, "
            f"vượt giới hạn {megabytes(MAX_DOCX_XML_BYTES)}."
        )


def check_docx_tags(tags: int) -> None:
    """Refuse a DOCX whose XML parts hold more than MAX_DOCX_XML_TAGS tags."""
    if tags > MAX_DOCX_XML_TAGS:
        raise LimitExceeded(
            f"Tệp DOCX có {number(tags)} thẻ định dạng, vượt giới hạn "
            f"{number(MAX_DOCX_XML_TAGS)}. Hãy lưu lại tài liệu với ít định dạng hơn "
            "hoặc dạng PDF."
        )


def check_ocr_pages(pages: int) -> None:
    """Refuse a scan with more than MAX_OCR_PAGES pages to read by OCR."""
    if pages > MAX_OCR_PAGES:
        raise LimitExceeded(
            f"Bản quét có {number(pages)} trang, vượt giới hạn {number(MAX_OCR_PAGES)} trang "
            "nhận dạng chữ (OCR). Hãy tải lên riêng phần kế hoạch."
        )


def check_image_size(width: int, height: int) -> None:
    """Refuse an image over MAX_IMAGE_PIXELS pixels or MAX_IMAGE_SIDE pixels on a side."""
    if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
        raise LimitExceeded(
            f"Ảnh có kích thước {number(width)} × {number(height)} điểm ảnh, vượt giới hạn "
            f"{number(MAX_IMAGE_PIXELS // 1_000_000)} triệu điểm ảnh "
            f"(tối đa {number(MAX_IMAGE_SIDE)} điểm mỗi chiều). Hãy chụp hoặc quét lại "
            "ở độ phân giải thấp hơn (khoảng 300 dpi)."
        )
