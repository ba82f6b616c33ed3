"""The audit trail as CSV, XLSX and PDF: the rows a filter selects, each hash-checked.

CSV and XLSX go through the shared writer (workflow/tabular.py), which keeps reasons and
names from running as formulas (H3). XLSX adds a sheet with the filter and the chain
status. PDF embeds DejaVu Sans (shipped under static/fonts, so the Vietnamese letters
render on any machine), prints the filter and the chain status on the first page and
numbers every page.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from config.settings import ROOT
from reports.action_labels import action_label
from reports.audit_trail import AuditFilter, CheckedEvent, iter_events
from reports.tabular import (
    Column,
    append_header,
    append_row,
    new_workbook,
    to_csv,
    workbook_bytes,
)
from workflow.audit_verification import ChainStatus
from workflow.clock import to_local

# reportlab (~4 MB) is imported by the functions that draw a PDF, not here: every web
# worker imports this module, few ever print the audit trail (issue 12).
if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle

FONT_DIR = ROOT / "static" / "fonts"
PDF_MAX_ROWS = 5_000  # a PDF is for reading; the CSV and XLSX carry every row


def local_text(instant: datetime | None) -> str:
    local = to_local(instant)
    return local.strftime("%d/%m/%Y %H:%M:%S") if local else ""


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def columns() -> list[Column]:
    """The audit export's columns; "Toàn vẹn" says whether the row's hash still matches."""
    return [
        Column("Số thứ tự", lambda r: r.event.seq),
        Column("Thời điểm (giờ Việt Nam)", lambda r: local_text(r.event.occurred_at)),
        Column("Người thực hiện", lambda r: r.event.actor_name or "hệ thống"),
        Column("Mã người dùng", lambda r: r.event.actor_id),
        Column("Mã đơn vị", lambda r: r.event.unit_id),
        Column("Thao tác", lambda r: r.event.action),
        Column("Diễn giải", lambda r: action_label(r.event.action)),
        Column("Đối tượng", lambda r: r.event.object_type),
        Column("Mã đối tượng", lambda r: r.event.object_id),
        Column("Mã kế hoạch", lambda r: r.event.plan_id),
        Column("Trước", lambda r: _json(r.event.before)),
        Column("Sau", lambda r: _json(r.event.after)),
        Column("Lý do", lambda r: r.event.reason),
        Column("Địa chỉ máy", lambda r: r.event.client_addr),
        Column("Mã băm", lambda r: r.event.hash),
        Column("Toàn vẹn", lambda r: "đúng" if r.hash_ok else "BỊ SỬA"),
    ]


def audit_csv(flt: AuditFilter) -> bytes:
    """Every matching event as CSV (UTF-8 with BOM, for Excel)."""
    return to_csv(iter_events(flt), columns())


def audit_xlsx(flt: AuditFilter, status: ChainStatus) -> bytes:
    """Sheet "Nhật ký" with every row; sheet "Thông tin" with the filter and chain status."""
    book = new_workbook()
    info = book.create_sheet("Thông tin")
    append_row(info, ["Nhật ký kiểm tra PlanWork"])
    for label, value in flt.describe():
        append_row(info, [label, value])
    append_row(info, ["Tình trạng chuỗi", status.label])
    sheet = book.create_sheet("Nhật ký")
    cols = columns()
    append_header(sheet, [c.header for c in cols])
    for row in iter_events(flt):
        append_row(sheet, [("" if (v := c.value(row)) is None else v) for c in cols])
    return workbook_bytes(book)


_FONTS_READY = False


def register_fonts() -> None:
    """Register DejaVu Sans once per process (shared with the year-end PDFs if any)."""
    global _FONTS_READY
    if _FONTS_READY:
        return
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")
    _FONTS_READY = True


def _number_pages(canvas, doc) -> None:  # noqa: ANN001  (reportlab's callback signature)
    from reportlab.lib.units import mm

    canvas.saveState()
    canvas.setFont("DejaVuSans", 8)
    canvas.drawRightString(doc.pagesize[0] - 12 * mm, 8 * mm, f"Trang {doc.page}")
    canvas.drawString(12 * mm, 8 * mm, "PlanWork · Nhật ký kiểm tra")
    canvas.restoreState()


def _summary(event_after: dict | None) -> str:
    if not event_after:
        return ""
    keys = ("state", "report_text", "lead_unit", "due_on", "title", "text", "reason")
    parts = [f"{k}: {event_after[k]}" for k in keys if event_after.get(k) not in (None, "")]
    return "; ".join(parts)[:300]


def audit_pdf(flt: AuditFilter, status: ChainStatus, title: str = "Nhật ký kiểm tra") -> bytes:
    """A readable PDF: title, filter and chain status first, then one row per event."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    register_fonts()
    base = ParagraphStyle("base", fontName="DejaVuSans", fontSize=7, leading=8.5)
    head = ParagraphStyle("head", parent=base, fontName="DejaVuSans-Bold", fontSize=13, leading=16)
    info = ParagraphStyle("info", parent=base, fontSize=9, leading=12)
    alert = ParagraphStyle("alert", parent=info, textColor=colors.red)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="PlanWork",
    )
    story: list = [Paragraph(escape(title), head)]
    for label, value in flt.describe():
        story.append(Paragraph(f"<b>{escape(label)}:</b> {escape(str(value))}", info))
    story.append(
        Paragraph(
            f"<b>Tình trạng chuỗi:</b> {escape(status.label)}", info if status.intact else alert
        )
    )
    story.append(Spacer(1, 4 * mm))
    header = ["Số", "Thời điểm", "Người thực hiện", "Thao tác", "Đối tượng", "Nội dung", "Lý do"]
    rows: list[list] = [[Paragraph(f"<b>{h}</b>", base) for h in header]]
    tampered_rows = []
    count = 0
    for checked in iter_events(flt):
        count += 1
        if count > PDF_MAX_ROWS:
            break
        rows.append(_pdf_row(checked, base))
        if not checked.hash_ok:
            tampered_rows.append(len(rows) - 1)
    widths = [14 * mm, 28 * mm, 42 * mm, 38 * mm, 24 * mm, 95 * mm, 36 * mm]
    table = LongTable(rows, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), colors.Color(1, 0.85, 0.85)) for i in tampered_rows]
    table.setStyle(TableStyle(style))
    story.append(table)
    if count > PDF_MAX_ROWS:
        story.append(
            Paragraph(f"Chỉ in {PDF_MAX_ROWS} sự kiện đầu; bản CSV và XLSX có đủ mọi dòng.", info)
        )
    doc.build(story, onFirstPage=_number_pages, onLaterPages=_number_pages)
    return out.getvalue()


def _pdf_row(checked: CheckedEvent, style: ParagraphStyle) -> list:
    from reportlab.platypus import Paragraph

    e = checked.event
    what = action_label(e.action)
    if not checked.hash_ok:
        what += " — BỊ SỬA"
    return [
        Paragraph(str(e.seq), style),
        Paragraph(local_text(e.occurred_at), style),
        Paragraph(escape(e.actor_name or "hệ thống"), style),
        Paragraph(escape(what), style),
        Paragraph(escape(f"{e.object_type} #{e.object_id or ''}"), style),
        Paragraph(escape(_summary(e.after)), style),
        Paragraph(escape(e.reason or ""), style),
    ]
