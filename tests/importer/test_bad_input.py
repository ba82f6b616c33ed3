"""Bad input gets a domain error with a Vietnamese message, never a stack trace."""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile

import pytest
from click.testing import CliRunner

import importer
from importer import errors
from web.plan_commands import plans_cli

from .support import docx_running, pdf_running


def _image_only_pdf() -> bytes:
    from fpdf import FPDF
    from PIL import Image

    img = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(img, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(img.getvalue()), x=10, y=10, w=100)
    return bytes(pdf.output())


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_running("Kế hoạch\nSố: 1/KH-ABC"))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (30 * 1024 * 1024))
    return out.getvalue()


def _xlsx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def _pptx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("ppt/presentation.xml", "<presentation/>")
    return out.getvalue()


CASES = [
    ("empty", b"", errors.EmptyDocument, "rỗng"),
    ("whitespace", b"  \n\t \n", errors.EmptyDocument, "rỗng"),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, errors.CorruptDocument, "ảnh bị hỏng"),
    ("gif", b"GIF89a" + b"\0" * 100, errors.UnsupportedFormat, "PNG, JPEG"),
    (
        "old-doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        errors.UnsupportedFormat,
        "DOCX",
    ),
    # An Excel workbook is read (extract.xlsx_lines); one without its sheets is broken.
    ("xlsx", None, errors.CorruptDocument, "hỏng"),
    ("pptx", None, errors.UnsupportedFormat, "PowerPoint"),
    ("garbage", bytes(range(256)) * 40, errors.BinaryContent, "nhị phân"),
    ("encrypted", None, errors.EncryptedDocument, "mật khẩu"),
    ("scanned", None, errors.UnreadableScan, "quét lại"),
    ("zip-bomb", None, errors.SuspiciousArchive, "bom nén"),
    ("broken-pdf", b"%PDF-1.4\n garbage garbage", errors.CorruptDocument, "hỏng"),
    ("broken-zip", b"PK\x03\x04 not really a zip", errors.CorruptDocument, "hỏng"),
]
BUILDERS = {
    "xlsx": _xlsx_like,
    "pptx": _pptx_like,
    "encrypted": _encrypted_pdf,
    "scanned": _image_only_pdf,
    "zip-bomb": _zip_bomb_docx,
}


@pytest.mark.parametrize("case, data, exc, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_domain_error(case, data, exc, words):
    if data is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = BUILDERS[case]()
    with pytest.raises(exc) as info:
        importer.parse_file(data)
    assert isinstance(info.value, errors.DocumentError)
    assert words in info.value.message


def test_oversize_limit_is_a_parameter(tmp_path):
    data = ("Kế hoạch số 1/KH-ABC\n" * 100).encode()
    with pytest.raises(errors.FileTooLarge) as info:
        importer.parse_file(data, max_bytes=1000)
    assert "quá lớn" in info.value.message
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    with pytest.raises(errors.FileTooLarge):
        importer.parse_file(path, max_bytes=1000)
    assert importer.parse_file(path, max_bytes=10_000).items == []


def test_type_comes_from_content_not_name(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(
        docx_running(
            "KẾ HOẠCH\n1. Việc\n- Đơn vị chủ trì: Văn phòng Sở.\n"
            "- Thời gian thực hiện: Quý II năm 2024."
        )
    )
    draft = importer.parse_file(path, filename="plan.pdf", directory=importer.default_directory())
    assert [i.number for i in draft.items] == ["1"]


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Word wrote it: base letter + combining tone mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in parts if c not in _TONES)
        out.append(unicodedata.normalize("NFC", base) + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


def test_legacy_encodings_and_utf16():
    text = (
        "KẾ HOẠCH\n1. Tổ chức hội nghị\n- Đơn vị chủ trì: Văn phòng Sở.\n"
        "- Thời gian thực hiện: Quý II năm 2024.\n"
    )
    directory = importer.default_directory()
    for data in (text.encode("utf-16"), _cp1258(text), b"\xef\xbb\xbf" + text.encode()):
        draft = importer.parse_file(data, directory=directory)
        assert [i.lead[0].name for i in draft.items] == ["Văn phòng Sở"]
        assert draft.items[0].periods == ["2024-Q2"]


def test_cli_bad_input_exit_code_and_message(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = CliRunner().invoke(plans_cli, ["parse", str(path), "--json"])
    assert result.exit_code == 2
    assert "Tệp rỗng" in result.stderr
    assert "Traceback" not in result.output


def test_cli_json_output(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(
        "KẾ HOẠCH\n1. Họp\n- Đơn vị chủ trì: HTV.\n- Thời gian thực hiện: năm 2024.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(plans_cli, ["parse", str(path), "--json"])
    assert result.exit_code == 0
    assert '"lead": [\n    "Đài Truyền hình Thành phố"' in result.output
    summary = CliRunner().invoke(plans_cli, ["parse", str(path)])
    assert "Tổng cộng: 1 nhiệm vụ" in summary.output
