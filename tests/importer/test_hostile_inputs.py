"""Hostile documents (security review 2026-12, finding H2): each is refused with a
Vietnamese message before the expensive work, or parsed with work linear in its size.

Timing belongs in bench/bench_import_limits.py; these tests count work instead, so that
they fail on the old quadratic code whatever the machine's speed.
"""

from __future__ import annotations

import io
import random
import re
import warnings
import zipfile

import pytest
from click.testing import CliRunner

import importer
from importer import errors, fields, limits, normalize, units
from importer.extract import extract_lines
from importer.normalize import Line
from web.plan_commands import plans_cli

from .support import docx_running

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def review_lines(count: int = 8000) -> str:
    """The review's script: `count` lines of 2 random lowercase letters."""
    r = random.Random(1)
    return "\n".join("".join(r.choice(LETTERS) for _ in range(2)) for _ in range(count))


class Scanned:
    """Wraps a text function of normalize and adds up the characters it is given."""

    def __init__(self) -> None:
        self.calls = 0
        self.chars = 0

    def wrap(self, function):  # noqa: ANN001, ANN201
        def counted(text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            self.calls += 1
            self.chars += len(text)
            return function(text, *args, **kwargs)

        return counted


@pytest.fixture
def caps_scans(monkeypatch: pytest.MonkeyPatch) -> Scanned:
    """Count what the capitals check reads: is_caps_heading (the review's hot spot) and
    the per-line counter it uses now."""
    scanned = Scanned()
    monkeypatch.setattr(normalize, "is_caps_heading", scanned.wrap(normalize.is_caps_heading))
    if hasattr(normalize, "_letter_counts"):
        monkeypatch.setattr(normalize, "_letter_counts", scanned.wrap(normalize._letter_counts))
    return scanned


# --- linear work ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2000, 8000])
def test_lines_of_two_letters_scan_each_character_a_bounded_number_of_times(
    caps_scans: Scanned, count: int
) -> None:
    """H2: 8,000 lines of 2 letters took 15.8 s, all in is_caps_heading re-reading the
    paragraph built so far at every line (8,000 lines: ~96 million characters read)."""
    text = review_lines(count)
    draft = importer.parse_text(text)
    assert draft.items == []
    assert caps_scans.chars <= 3 * len(text), caps_scans.chars


def test_a_capitals_heading_that_runs_on_is_counted_line_by_line(caps_scans: Scanned) -> None:
    """H2: a Roman heading followed by thousands of capitals lines grows one paragraph;
    its share of capitals must be added up, not recounted at each line."""
    r = random.Random(7)
    lines = ["I. MỤC ĐÍCH YÊU CẦU"] + [
        " ".join("".join(r.choice(LETTERS.upper()) for _ in range(3)) for _ in range(3))
        for _ in range(6000)
    ]
    text = "\n".join(lines)
    paragraphs = normalize.build_paragraphs([Line(x) for x in lines])
    assert paragraphs[0].kind == "roman" and len(paragraphs[0].lines) == len(lines)
    assert caps_scans.chars <= 3 * len(text), caps_scans.chars


def test_page_numbers_alone_are_read_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """H2: looking for running headers walked from every page number across all the
    page numbers after it: quadratic on a text made of page numbers."""

    class CountingPattern:
        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern, self.calls = pattern, 0

        def match(self, text: str) -> re.Match[str] | None:
            self.calls += 1
            return self.pattern.match(text)

    counting = CountingPattern(normalize._PAGE_NUMBER)
    monkeypatch.setattr(normalize, "_PAGE_NUMBER", counting)
    count = 10_000
    lines = [Line("Kế hoạch số 12/KH-ABC năm 2024")] + [Line(str(i % 90 + 1)) for i in range(count)]
    # The one line of text is next to every page number: their running header.
    assert normalize.clean_lines(lines) == []
    assert counting.calls <= 4 * count, counting.calls


def _running_headers_by_walking(texts: list[str | None]) -> set[str]:
    """The former search, walking from each page number: the reference for the new one."""
    pages = [i for i, t in enumerate(texts) if t is not None and normalize._PAGE_NUMBER.match(t)]
    if len(pages) < 2:
        return set()
    near: dict[str, set[int]] = {}
    for page in pages:
        for step in (-1, 1):
            i, taken = page + step, 0
            while 0 <= i < len(texts) and taken < 2:
                text = texts[i]
                if text and not normalize._PAGE_NUMBER.match(text):
                    near.setdefault(text, set()).add(page)
                    taken += 1
                i += step
    return {
        text
        for text, where in near.items()
        if len(where) >= 2
        and len(text) >= 12
        and not normalize._opens(text)
        and not normalize.detect_label(text)
    }


def test_running_headers_are_found_as_the_walk_found_them() -> None:
    r = random.Random(6)
    choices = [None, "", "- 3 -", "12", "KẾ HOẠCH PHÁT TRIỂN GIÁO DỤC", "Nội dung của kế hoạch"]
    for _ in range(1500):
        texts = [r.choice(choices) for _ in range(r.randint(0, 14))]
        assert normalize._running_headers(texts) == _running_headers_by_walking(texts), texts


def test_labels_in_one_long_value_are_read_within_their_span(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """H2: each "; X:" candidate in a field value handed the whole rest of the value to
    detect_label, which reads 60 characters of it."""
    scanned = Scanned()
    monkeypatch.setattr(fields, "detect_label", scanned.wrap(fields.detect_label))
    value = "Văn phòng Sở; Thời gian: Quý II năm 2024; " + "x; Ghi chú khác: y; " * 5000
    found = fields.split_labels(fields.LEAD, value)
    assert found[0] == (fields.LEAD, "Văn phòng Sở")
    assert found[1][0] == fields.TIMEFRAME and found[1][1].startswith("Quý II năm 2024; x;")
    assert scanned.calls >= 5000
    assert scanned.chars <= 61 * scanned.calls, scanned.chars


def test_quoted_titles_are_dropped_as_the_pattern_did() -> None:
    """The one-pass removal of “…” equals the regular expression it replaces, which was
    quadratic on quotes that nothing closes."""
    r = random.Random(3)
    for _ in range(2000):
        text = "".join(r.choice("“”a ") for _ in range(r.randint(0, 12)))
        assert units._drop_quoted(text) == re.sub(r"“[^”]*”", " ", text), text
    hostile = "”" * 50_000 + "“" * 50_000
    assert units._drop_quoted(hostile) == hostile


def test_sentence_ends_are_read_as_the_pattern_did() -> None:
    r = random.Random(4)
    for _ in range(3000):
        text = "".join(r.choice("a.;:!?…'\")”’ \t") for _ in range(r.randint(0, 8)))
        expected = bool(re.search(r"[.;:!?…]['\"”’)]*\s*$", text))
        assert normalize._ends_sentence(text) is expected, repr(text)


def test_rows_cut_by_page_breaks_still_join_their_row() -> None:
    """Continued rows are gathered and joined once; the result is what joining them one
    by one gave."""
    rows = [
        ["STT", "Nội dung", "Đơn vị chủ trì", "Thời gian thực hiện"],
        ["1", "Tổ chức hội nghị", "Văn phòng Sở", "Quý II"],
        ["", "tổng kết", "", "năm 2024"],
        ["", "năm học", "", ""],
        ["2", "Kiểm tra", "Thanh tra Sở", "Quý III năm 2024"],
    ]
    lines = [Line("KẾ HOẠCH")] + [Line(" | ".join(row), row) for row in rows]
    draft = importer.pipeline.build_draft(lines, importer.default_directory())
    first = draft.items[0]
    assert first.content.startswith("Tổ chức hội nghị tổng kết năm học")
    assert first.periods == ["2024-Q2"]
    assert [m.name for m in first.lead][:1] == ["Văn phòng Sở"]
    assert [i.number for i in draft.items] == ["1", "2"]


def test_a_500_kb_line_without_a_sentence_end_parses() -> None:
    r = random.Random(5)
    words = " ".join(
        "".join(r.choice(LETTERS) for _ in range(r.randint(2, 7))) for _ in range(110_000)
    )
    assert len(words) > 500_000
    draft = importer.parse_text("KẾ HOẠCH\n" + words)
    assert draft.items == []


def test_a_long_list_of_units_resolves_its_first_pieces_and_keeps_the_rest() -> None:
    directory = importer.default_directory()
    text = "Văn phòng Sở, Thanh tra Sở, " + " và ".join(f"đơn vị {i}" for i in range(20_000))
    mentions = units.resolve_mentions(text, directory)
    assert [m.name for m in mentions[:2]] == ["Văn phòng Sở", "Thanh tra Sở"]
    assert mentions[-1].text.endswith("đơn vị 19999")


# --- limits, checked before parsing ---------------------------------------------------


def _docx(body: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def tiny_paragraphs_docx(count: int = 55_000) -> bytes:
    """The review's 146 KB DOCX: 55,000 paragraphs of 2 letters."""
    r = random.Random(2)
    return _docx(
        "".join(
            f"<w:p><w:r><w:t>{r.choice(LETTERS)}{r.choice(LETTERS)}</w:t></w:r></w:p>"
            for _ in range(count)
        )
    )


_WORD_MARKUP = (
    '<w:p><w:pPr><w:spacing w:before="120" w:after="120"/><w:jc w:val="both"/></w:pPr>'
    '<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/>'
    '<w:sz w:val="28"/></w:rPr><w:t>'
)


def ratio_docx(size: int = 50 * 1024 * 1024) -> bytes:
    """The review's DOCX of 50 MB of XML packed about 14:1, under the zip-bomb checks."""
    r = random.Random(3)
    width = 24  # random hex characters per paragraph: what sets the ratio
    count = size // (len(_WORD_MARKUP) + 20 + width)
    noise = r.randbytes(count * width // 2).hex()
    return _docx(
        "".join(
            f"{_WORD_MARKUP}{noise[i * width : (i + 1) * width]}</w:t></w:r></w:p>"
            for i in range(count)
        )
    )


@pytest.fixture
def no_python_docx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail if python-docx is asked to open the document: the limits come first."""
    import docx

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("python-docx opened a document over the limits")

    monkeypatch.setattr(docx, "Document", refuse)


def test_55000_tiny_paragraphs_are_refused_before_python_docx(no_python_docx: None) -> None:
    """H2: 146 KB of DOCX with 55,000 paragraphs pinned a worker for over 120 s."""
    data = tiny_paragraphs_docx()
    assert len(data) < 200_000
    with pytest.raises(errors.LimitExceeded) as info:
        importer.parse_file(data)
    assert info.value.message == ("Tài liệu có 55.000 dòng (đoạn văn), vượt giới hạn 20.000 dòng.")
    assert isinstance(info.value, errors.FileTooLarge)  # shown like the other size limits


def test_50_mb_of_xml_at_14_to_1_is_refused_from_the_central_directory(
    no_python_docx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """H2: this DOCX passed the zip-bomb checks and grew past 1.2 GB of memory."""
    data = ratio_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    assert 10 <= info.file_size / info.compress_size <= 20  # no per-part ratio catches it

    def read_nothing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the XML was unpacked before its declared size was checked")

    monkeypatch.setattr(zipfile.ZipFile, "read", read_nothing)
    with pytest.raises(errors.LimitExceeded) as info_:
        importer.parse_file(data)
    size = limits.megabytes(info.file_size)
    assert size.startswith("49,")
    assert info_.value.message == f"Nội dung tệp DOCX khi giải nén là {size}, vượt giới hạn 20 MB."


def test_many_small_parts_are_a_bomb_together(no_python_docx: None) -> None:
    """Each part under the per-part threshold, the XML parts together at 1000:1."""
    parts = {f"word/part{i}.xml": b"<a>" + b" " * 900_000 + b"</a>" for i in range(12)}
    with pytest.raises(errors.SuspiciousArchive) as info:
        importer.parse_file(_docx("<w:p/>", parts))
    assert "bom nén" in info.value.message


def test_too_many_xml_tags_are_refused(
    no_python_docx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_DOCX_XML_TAGS", 100)
    body = "<w:p>" + "<w:r><w:t>a</w:t></w:r>" * 40 + "</w:p>"
    with pytest.raises(errors.LimitExceeded) as info:
        importer.parse_file(_docx(body))
    assert "thẻ định dạng, vượt giới hạn 100." in info.value.message


def test_a_docx_within_the_limits_still_parses() -> None:
    text = (
        "KẾ HOẠCH\n1. Tổ chức hội nghị\n- Đơn vị chủ trì: Văn phòng Sở.\n"
        "- Thời gian thực hiện: Quý II năm 2024."
    )
    draft = importer.parse_file(docx_running(text), directory=importer.default_directory())
    assert [(i.number, i.periods) for i in draft.items] == [("1", ["2024-Q2"])]


def test_paragraph_text_is_read_as_python_docx_reads_it() -> None:
    """The one-pass reading of a paragraph (H2: python-docx compiles an XPath per run)
    gives python-docx's own text: tabs, breaks, hyphens and hyperlinks included."""
    from docx.oxml import parse_xml
    from docx.text.paragraph import Paragraph

    from importer.extract import _W, _paragraph_text

    xml = (
        f'<w:p xmlns:w="{_W}" xmlns:r="urn:r"><w:pPr><w:jc w:val="both"/></w:pPr>'
        "<w:r><w:t>Kế</w:t><w:tab/><w:t xml:space='preserve'> hoạch </w:t></w:r>"
        '<w:hyperlink r:id="rId9"><w:r><w:t>số 12</w:t></w:r><w:r><w:br/></w:r></w:hyperlink>'
        '<w:r><w:br w:type="page"/><w:t>KH</w:t><w:noBreakHyphen/><w:t>ABC</w:t><w:cr/>'
        "<w:ptab/><w:delText>xoá</w:delText></w:r></w:p>"
    )
    paragraph = Paragraph(parse_xml(xml), None)
    assert _paragraph_text(paragraph) == paragraph.text == "Kế\t hoạch số 12\nKH-ABC\n\t"


def _pdf(pages: int, lines: int = 1) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pageCompression=1)
    for page in range(pages):
        for k in range(lines):
            pdf.drawString(72, 760 - 14 * k, f"Trang {page + 1} dong {k + 1} noi dung ke hoach")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_3000_pages_are_refused_from_the_page_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """H2: a 3,000-page PDF took 53 s and 525 MB; the count comes first, from pypdf."""
    import pdfplumber

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("pdfplumber opened a PDF over the page limit")

    monkeypatch.setattr(pdfplumber, "open", refuse)
    with pytest.raises(errors.LimitExceeded) as info:
        importer.parse_file(_pdf(3000))
    assert info.value.message.startswith("Tài liệu có 3.000 trang, vượt giới hạn 200 trang.")


def test_pdf_pages_are_read_one_by_one_and_reading_stops_at_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importer import extract

    monkeypatch.setattr(limits, "MAX_LINES", 12)
    read: list[int] = []
    closed: list[int] = []
    blocks = extract._page_blocks

    def page_blocks(page):  # noqa: ANN001, ANN202
        read.append(page.page_number)
        original_close = page.close

        def close() -> None:
            closed.append(page.page_number)
            original_close()

        page.close = close
        return blocks(page)

    monkeypatch.setattr(extract, "_page_blocks", page_blocks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = _pdf(10, lines=5)
    with pytest.raises(errors.LimitExceeded) as info:
        extract_lines(data)
    assert info.value.message == "Tài liệu có hơn 12 dòng (đoạn văn), vượt giới hạn 12 dòng."
    assert read == [1, 2, 3] and closed == read


def test_text_over_the_character_limit_is_refused_before_splitting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importer import extract

    def split_nothing(text):  # noqa: ANN001, ANN202
        raise AssertionError("the text was split before its size was checked")

    monkeypatch.setattr(extract, "text_lines", split_nothing)
    text = ("Kế hoạch số 1/KH-ABC năm 2024 " * 70_000)[: limits.MAX_TEXT_CHARS + 1]
    with pytest.raises(errors.LimitExceeded) as info:
        importer.parse_file(text.encode())
    assert info.value.message == "Tài liệu có 2.000.001 ký tự, vượt giới hạn 2.000.000 ký tự."


def test_text_over_the_line_limit_is_refused_by_every_entry_point() -> None:
    text = "\r\n".join(["KẾ HOẠCH"] * (limits.MAX_LINES + 1))
    message = "Tài liệu có 20.001 dòng (đoạn văn), vượt giới hạn 20.000 dòng."
    for parse in (lambda: importer.parse_file(text.encode()), lambda: importer.parse_text(text)):
        with pytest.raises(errors.LimitExceeded) as info:
            parse()
        assert info.value.message == message
    with pytest.raises(errors.LimitExceeded):
        importer.pipeline.build_draft([Line("x")] * (limits.MAX_LINES + 1))
    # One line fewer is read: the limit is the count, not one under it.
    assert importer.parse_text("\n".join(["KẾ HOẠCH"] * limits.MAX_LINES)).items == []


def test_the_cli_refuses_a_hostile_document_with_the_message(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "55k.docx"
    path.write_bytes(tiny_paragraphs_docx())
    result = CliRunner().invoke(plans_cli, ["parse", str(path)])
    assert result.exit_code == 2
    assert "vượt giới hạn 20.000 dòng" in result.stderr
    assert "Traceback" not in result.output


def test_vietnamese_numbers_in_the_messages() -> None:
    assert limits.number(3000) == "3.000" and limits.number(2_000_000) == "2.000.000"
    assert limits.megabytes(20 * 1048576) == "20 MB"
    assert limits.megabytes(53_400_000) == "50,9 MB"
