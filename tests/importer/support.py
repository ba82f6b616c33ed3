"""Helpers for the importer tests: scoring with the shared tool, building DOCX and PDF."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import tempfile
import warnings
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "importer"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PLANS = [
    "2417-KH-SGDDT-2024-hcmc-doet-learning-city-ocr",
    "4403-KH-SGDDT-2024-hcmc-doet-learning-society-ocr",
    "KH-THPT-Le-Trong-Tan-2024-school-learning-city",
]

_spec = importlib.util.spec_from_file_location("score_import", FIXTURES / "score_import.py")
score_import = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_import)
# The tool opens its inputs without closing them; under `-W error` that ResourceWarning
# would fail the test, so it reads through an in-memory file instead.
score_import.open = lambda path, encoding="utf-8": io.StringIO(
    Path(path).read_text(encoding=encoding)
)


def seed_text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def expected(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))


def score(name: str, draft_json: dict) -> tuple[float, int, str]:
    """(percent, extra items, verbose report) from the shared scoring tool itself."""
    with tempfile.TemporaryDirectory() as tmp:
        actual = Path(tmp) / "actual.json"
        actual.write_text(json.dumps(draft_json, ensure_ascii=False), encoding="utf-8")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            score_import.main(
                ["score", str(FIXTURES / f"{name}.expected.json"), str(actual), "--verbose"]
            )
    report = out.getvalue()
    m = re.search(r"score: (\d+)/(\d+) fields \([\d.]+%\), extra items: (\d+)", report)
    assert m, report
    return 100.0 * int(m.group(1)) / int(m.group(2)), int(m.group(3)), report


# --- document builders --------------------------------------------------------------


def _header_lines(exp: dict) -> list[str]:
    plan = exp["plan"]
    lines = [plan["issuer"].upper(), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]
    issued = plan["issued_on"]
    date_text = "ngày    tháng    năm 2024"
    if issued:
        y, mth, d = issued.split("-")
        date_text = f"ngày {int(d)} tháng {int(mth)} năm {y}"
    number = plan["number"] or "   /KH"
    lines.append(f"Số: {number}    Thành phố Hồ Chí Minh, {date_text}")
    lines += ["KẾ HOẠCH", plan["title"]]
    for ref in plan["based_on"]:
        lines.append(f"Căn cứ văn bản số {ref};")
    lines.append("PHỤ LỤC PHÂN CÔNG NHIỆM VỤ")
    return lines


TABLE_HEADER = ["STT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian", "Sản phẩm"]


def table_rows(exp: dict) -> list[list[str]]:
    """Appendix rows: a row per section (Roman or a numbered heading), then the items."""
    rows: list[list[str]] = []
    seen: set[str] = set()
    for item in exp["items"]:
        section = item["section"]
        if section not in seen and section != item["number"]:
            seen.add(section)
            rows.append([section, f"Nhóm nhiệm vụ {section}", "", "", "", ""])
        rows.append(
            [
                item["number"],
                item["title_starts"],
                ", ".join(item["lead"]),
                ", ".join(item["coordinating"]),
                item["timeframe_text"],
                "Báo cáo kết quả",
            ]
        )
    return rows


def docx_running(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def docx_table(exp: dict) -> bytes:
    import docx

    document = docx.Document()
    for line in _header_lines(exp):
        document.add_paragraph(line)
    rows = table_rows(exp)
    table = document.add_table(rows=1 + len(rows), cols=len(TABLE_HEADER))
    for r, values in enumerate([TABLE_HEADER, *rows]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    document.add_paragraph("Nơi nhận: như trên.")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _pdf():
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=9)
    pdf.add_page()
    return pdf


def _pdf_bytes(pdf) -> bytes:
    return bytes(pdf.output())


def pdf_running(text: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs DejaVu lacks in OCR debris
        pdf = _pdf()
        for line in text.splitlines():
            pdf.multi_cell(0, 4.5, line.strip() or " ", new_x="LMARGIN", new_y="NEXT")
        return _pdf_bytes(pdf)


def pdf_table(exp: dict) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf = _pdf()
        for line in _header_lines(exp):
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=7)
        widths = (10, 60, 35, 45, 22, 18)
        with pdf.table(col_widths=widths, line_height=3.5, first_row_as_headings=False) as table:
            for values in [TABLE_HEADER, *table_rows(exp)]:
                row = table.row()
                for value in values:
                    row.cell(value)
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 5, "Nơi nhận: như trên.", new_x="LMARGIN", new_y="NEXT")
        return _pdf_bytes(pdf)
