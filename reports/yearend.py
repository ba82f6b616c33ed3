"""The year-end report of a unit or a plan, written from the data (DOCX and XLSX).

The DOCX follows the shape of the Quận 8 report (../shared/seeds/BC-UBND-Quan-8…): heading
block, "I. KẾT QUẢ THỰC HIỆN" (the four QĐ 42/2014 groups, then each item with its reports
and the coordinating units' contributions, figures), "II. ĐÁNH GIÁ …, KHÓ KHĂN, TỒN TẠI",
"III. NHIỆM VỤ TRỌNG TÂM NĂM …" (what is left open), then the indicator annex. It is a
draft: plain paragraphs and tables the unit edits in Word before signing.

Everything is as it stood at the end of the year reported on (31/12, Vietnam time), rebuilt
from the audit trail (workflow/asof.py), not from today's rows: a report for 2024 drawn in
2026 shows the 2024 picture. The four groups follow workflow/progress.py (`bucket_of`, the
same rules as the dashboard's `bucket_expr`).
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from sqlalchemy.orm import selectinload

from models import Contribution, Plan, TaskState, Unit, db
from reports.asof import ReportThen, TaskThen, ordered, tasks_as_of
from reports.audit_trail import end_of_local_day
from reports.indicators import AnnexRow, annex_rows
from reports.progress import BUCKET_LABELS, BUCKETS, bucket_of
from reports.tabular import append_row, new_workbook, workbook_bytes
from workflow import clock
from workflow.state_machine import STATE_LABELS


@dataclass
class ContributionThen:
    unit_name: str
    text: str


@dataclass
class ItemResult:
    """One item as it stood at the end of the year: rebuilt from the audit events."""

    task: TaskThen
    plan: Plan
    bucket: str
    reports: list[ReportThen] = field(default_factory=list)
    contributions: list[ContributionThen] = field(default_factory=list)

    @property
    def state(self) -> TaskState:
        return TaskState(self.task.state)


@dataclass
class YearEnd:
    """Everything the report says, gathered once, for DOCX, XLSX and the pack."""

    year: int
    title: str
    author_name: str
    plans: list[Plan]
    items: list[ItemResult]
    counts: Counter
    annex: list[AnnexRow]
    as_of: date

    @property
    def total(self) -> int:
        return sum(self.counts[b] for b in BUCKETS)

    @property
    def open_items(self) -> list[ItemResult]:
        return [i for i in self.items if i.bucket in ("open_in_time", "open_overdue")]


def _in_year(task: TaskThen, plan: Plan, year: int) -> bool:
    if task.due_on is None:
        return plan.year == year
    return task.due_on.year == year


def gather(year: int, *, plan_id: int | None = None, unit_id: int | None = None) -> YearEnd:
    """The year's tasks (those that carry the work) as they stood at the end of 31/12 of the
    year, Vietnam time (or today, for the current year): states, leads, due dates and reports
    are rebuilt from the audit events in bulk (`reports.asof.tasks_as_of`), so a report for
    2024 drawn in 2026 shows the 2024 picture. A fixed number of statements, whatever the
    number of tasks."""
    as_of = min(clock.today(), date(year, 12, 31))
    then = tasks_as_of(as_of, plan_id=plan_id, unit_id=unit_id)
    parents = {t.parent_id for t in then.values() if t.parent_id}
    plans = {
        p.id: p
        for p in db.session.execute(
            sa.select(Plan).where(Plan.id.in_({t.plan_id for t in then.values()}))
        ).scalars()
    }
    items = [
        ItemResult(
            t,
            plans[t.plan_id],
            bucket_of(t.state, t.reported_late, t.due_on, as_of),
            reports=t.reports,
        )
        for t in ordered(then)
        if t.plan_id in plans
        and not t.has_subtasks
        and t.task_id not in parents
        and _in_year(t, plans[t.plan_id], year)
    ]
    ids = {i.task.task_id for i in items}
    wanted = ids | {i.task.parent_id for i in items if i.task.parent_id}
    contributions: dict[int, list[ContributionThen]] = defaultdict(list)
    for c in db.session.execute(
        sa.select(Contribution)
        .where(
            Contribution.task_id.in_(wanted),
            Contribution.created_at <= end_of_local_day(as_of),
        )
        .options(selectinload(Contribution.unit))
        .order_by(Contribution.id)
    ).scalars():
        contributions[c.task_id].append(ContributionThen(c.unit.name, c.text))
    for item in items:
        item.contributions = contributions[item.task.task_id] + contributions.get(
            item.task.parent_id or -1, []
        )
    counts = Counter(i.bucket for i in items)
    year_plans = list({i.plan.id: i.plan for i in items}.values())
    if plan_id is not None:
        plan = db.session.get(Plan, plan_id)
        year_plans = [plan] if plan else year_plans
        title = f"Kết quả thực hiện Kế hoạch số {plan.label} năm {year}" if plan else ""
        author = plan.issuer_name if plan else ""
        unit_ids = sorted({i.task.lead_unit_id for i in items if i.task.lead_unit_id})
    else:
        unit = db.session.get(Unit, unit_id)
        author = unit.name if unit else ""
        title = f"Kết quả thực hiện các kế hoạch năm {year} của {author}"
        unit_ids = [unit_id] if unit_id is not None else []
    return YearEnd(
        year, title, author, year_plans, items, counts, annex_rows(unit_ids, year), as_of
    )


def _para(doc, text: str, *, bold: bool = False, center: bool = False, size: int | None = None):  # noqa: ANN001, ANN202
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _latest_text(item: ItemResult) -> str:
    return item.reports[-1].text if item.reports else ""


def yearend_docx(data: YearEnd) -> bytes:
    """The report as an editable Word document, with the indicator annex."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    head = doc.add_table(rows=2, cols=2)
    head.cell(0, 0).text = data.author_name.upper()
    head.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    head.cell(1, 0).text = "Số:      /BC-"
    head.cell(1, 1).text = "Độc lập - Tự do - Hạnh phúc"
    _para(doc, f"……, ngày …… tháng …… năm {data.year + 1}", center=True)
    _para(doc, "BÁO CÁO", bold=True, center=True, size=14)
    _para(doc, data.title, bold=True, center=True)
    for plan in data.plans:
        issued = f" ngày {plan.issued_on.strftime('%d/%m/%Y')}" if plan.issued_on else ""
        _para(
            doc,
            f"Thực hiện Kế hoạch số {plan.label}{issued} của {plan.issuer_name} về {plan.title};",
        )
    _para(doc, f"{data.author_name} báo cáo kết quả thực hiện như sau:")

    _para(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True)
    _para(doc, "1. Tình hình thực hiện nhiệm vụ", bold=True)
    _para(
        doc,
        f"Tổng số nhiệm vụ năm {data.year}: {data.total} (tính đến ngày "
        f"{data.as_of.strftime('%d/%m/%Y')}, theo Quyết định số 42/2014/QĐ-TTg):",
    )
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Nhóm", "Số nhiệm vụ", "Tỷ lệ"), strict=True):
        cell.text = text
    for b in BUCKETS:
        cells = table.add_row().cells
        share = f"{100 * data.counts[b] / data.total:.1f}%".replace(".", ",") if data.total else ""
        cells[0].text, cells[1].text, cells[2].text = BUCKET_LABELS[b], str(data.counts[b]), share
    if data.counts["cancelled"]:
        _para(doc, f"Ngoài ra {data.counts['cancelled']} nhiệm vụ đã hủy.")

    _para(doc, "2. Kết quả thực hiện từng nhiệm vụ", bold=True)
    for item in data.items:
        t = item.task
        lead = t.lead_unit_name or ""
        _para(doc, f"{t.number}. {t.title}", bold=True)
        due = t.due_on.strftime("%d/%m/%Y") if t.due_on else "thường xuyên"
        _para(
            doc,
            f"- Đơn vị chủ trì: {lead}; thời hạn: {due}; tình trạng: "
            f"{STATE_LABELS[item.state]} ({BUCKET_LABELS[item.bucket].lower()}).",
        )
        if item.reports:
            _para(doc, f"- Kết quả: {_latest_text(item)}")
            figures = item.reports[-1].figures or {}
            for key, value in figures.items():
                _para(doc, f"+ {key}: {value}")
        else:
            _para(doc, "- Chưa có báo cáo.")
        for c in item.contributions:
            _para(doc, f"- {c.unit_name} (phối hợp): {c.text}")

    _para(doc, "II. ĐÁNH GIÁ KẾT QUẢ ĐẠT ĐƯỢC, KHÓ KHĂN, TỒN TẠI VÀ NGUYÊN NHÂN", bold=True)
    _para(doc, "1. Kết quả đạt được", bold=True)
    done = data.counts["done_on_time"] + data.counts["done_late"]
    _para(
        doc,
        f"- Đã hoàn thành {done}/{data.total} nhiệm vụ, trong đó "
        f"{data.counts['done_on_time']} nhiệm vụ hoàn thành đúng hạn.",
    )
    _para(doc, "2. Khó khăn, tồn tại và nguyên nhân", bold=True)
    late = [i for i in data.items if i.bucket in ("done_late", "open_overdue")]
    if not late:
        _para(doc, "- Không có nhiệm vụ chậm so với thời hạn.")
    for item in late:
        _para(
            doc,
            f"- Nhiệm vụ {item.task.number} ({item.plan.label}): "
            f"{BUCKET_LABELS[item.bucket].lower()}.",
        )
    _para(doc, "- (Đơn vị bổ sung nguyên nhân và kiến nghị.)")

    _para(doc, f"III. NHIỆM VỤ TRỌNG TÂM NĂM {data.year + 1}", bold=True)
    if not data.open_items:
        _para(doc, "- Tiếp tục duy trì các kết quả đã đạt được.")
    for item in data.open_items:
        _para(doc, f"- Tiếp tục thực hiện nhiệm vụ {item.task.number}: {item.task.title}")
    _para(doc, "Trên đây là báo cáo " + data.title[0].lower() + data.title[1:] + "./.")
    _para(doc, "Nơi nhận:", bold=True)
    _para(doc, "- Như trên;\n- Lưu: VT.")

    doc.add_page_break()
    _para(doc, "PHỤ LỤC", bold=True, center=True)
    _para(doc, f"XÂY DỰNG THÀNH PHỐ HỌC TẬP CỦA UNESCO NĂM {data.year}", bold=True, center=True)
    annex = doc.add_table(rows=1, cols=5)
    annex.style = "Table Grid"
    headers = (
        "Tiêu chuẩn",
        "Tiêu chí cơ bản",
        "Chỉ số",
        "Chỉ tiêu",
        "Số liệu thống kê hoặc kết quả khảo sát/đánh giá",
    )
    for cell, text in zip(annex.rows[0].cells, headers, strict=True):
        cell.text = text
    area = None
    for row in data.annex:
        if row.standard.area_code != area:
            area = row.standard.area_code
            merged = annex.add_row().cells
            merged[0].merge(merged[4]).text = f"{area}. {row.standard.area_title}"
        cells = annex.add_row().cells
        cells[0].text = f"{row.standard.code}. {row.standard.title}"
        cells[1].text = f"{row.criterion.code}. {row.criterion.title}"
        cells[2].text = row.indicator.text
        cells[3].text = row.target
        cells[4].text = row.value
    if not data.annex:
        _para(doc, "(Chưa có chỉ số nào được giao hoặc nhập số liệu trong năm.)")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def yearend_xlsx(data: YearEnd) -> bytes:
    """All the year's tasks with states, dates and reports; the annex on a second sheet.

    Written through workflow/tabular.py, so titles, unit names and report texts stay text
    (H3)."""
    book = new_workbook()
    sheet = book.create_sheet("Nhiệm vụ")
    append_row(sheet, [
        "Kế hoạch", "STT", "Nội dung", "Đơn vị chủ trì", "Hạn", "Trạng thái",
        "Nhóm (QĐ 42/2014)", "Ngày báo cáo", "Báo cáo trễ hạn", "Ngày xác nhận",
        "Báo cáo", "Đóng góp của đơn vị phối hợp",
    ])  # fmt: skip
    for item in data.items:
        t = item.task
        append_row(sheet, [
            item.plan.label, t.number, t.title, t.lead_unit_name or "",
            t.due_on, STATE_LABELS[item.state], BUCKET_LABELS[item.bucket],
            clock.to_local(t.reported_at).replace(tzinfo=None) if t.reported_at else None,
            "có" if t.reported_late else "",
            clock.to_local(t.verified_at).replace(tzinfo=None) if t.verified_at else None,
            "\n\n".join(r.text for r in item.reports),
            "\n".join(f"{c.unit_name}: {c.text}" for c in item.contributions),
        ])  # fmt: skip
    annex = book.create_sheet("Phụ lục chỉ số")
    append_row(annex, ["Tiêu chuẩn", "Tiêu chí", "Mã chỉ số", "Chỉ số", "Chỉ tiêu", "Kết quả"])
    for row in data.annex:
        append_row(annex, [
            f"{row.standard.code}. {row.standard.title}",
            f"{row.criterion.code}. {row.criterion.title}",
            row.indicator.code, row.indicator.text, row.target, row.value,
        ])  # fmt: skip
    return workbook_bytes(book)


OPEN_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED)
