"""The year-end report of a unit or a plan, written from the data (DOCX and XLSX).

The DOCX follows the shape of the Quận 8 report (../shared/seeds/BC-UBND-Quan-8…): heading
block, "I. KẾT QUẢ THỰC HIỆN" (the four QĐ 42/2014 groups, then each item with its reports
and the coordinating units' contributions, the tasks the unit coordinates, the indicators),
"II. ĐÁNH GIÁ …, KHÓ KHĂN, TỒN TẠI", "III. NHIỆM VỤ TRỌNG TÂM NĂM …" (what is left open),
"Nơi nhận" and the signature, then the indicator annex. The frame (A4, margins, fonts,
heading, number, place and date, "Kính gửi", signature) is Nghị định 30/2020/NĐ-CP's
(reports/admin_document.py), filled from the unit's report settings
(workflow/report_settings.py): the unit adds its narrative, then numbers, signs and sends it.

Everything is as it stood at the end of the year reported on (31/12, Vietnam time), rebuilt
from the audit trail (reports/asof.py), not from today's rows: a report for 2024 drawn in
2026 shows the 2024 picture. The four groups follow reports/progress.py (`bucket_of`, the
same rules as the dashboard's `bucket_expr`).
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    AuditEvent,
    Contribution,
    IndicatorAssignment,
    IndicatorKind,
    IndicatorValue,
    Plan,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitRole,
    User,
    db,
    unit_group_members,
)
from reports import admin_document
from reports.admin_document import para
from reports.asof import ReportThen, TaskThen, ordered, replay, tasks_as_of
from reports.audit_trail import end_of_local_day
from reports.indicators import AnnexRow, annex_rows
from reports.progress import BUCKET_LABELS, BUCKETS, bucket_of
from reports.tabular import append_header, append_row, new_workbook, workbook_bytes
from reports.unit_names import unit_names_on
from workflow import clock
from workflow.report_settings import ReportSettings, all_units, resolve, subordinate_ids
from workflow.state_machine import STATE_LABELS

# python-docx (~5 MB with lxml) is imported by the functions that write the DOCX, not
# here: every web worker imports this module (the API's year-end figures), few ever
# download the document (issue 12).
if TYPE_CHECKING:
    from docx.shared import Cm


@dataclass
class ContributionThen:
    unit_name: str
    text: str
    unit_id: int | None = None


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
    settings: ReportSettings
    # Tasks the unit (or a unit under it) coordinates, led elsewhere.
    coordinated: list[ItemResult] = field(default_factory=list)
    # The units under the author whose work the report covers, by name.
    covered: list[str] = field(default_factory=list)
    own_unit_ids: set[int] = field(default_factory=set)

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


def _unit_events(unit_ids: list[int], cutoff: datetime) -> tuple[dict[int, TaskThen], set[int]]:
    """The tasks the units lead or coordinate, replayed up to the cut-off (two statements).

    Leads are read as they were (tasks led now, and any ever reassigned); coordination is
    read from the task's named units, a named group counting for each of its members.
    """
    groups = sa.select(unit_group_members.c.group_id).where(
        unit_group_members.c.unit_id.in_(unit_ids)
    )
    coordinated = set(
        db.session.execute(
            sa.select(TaskUnit.task_id).where(
                TaskUnit.role == UnitRole.COORDINATING,
                sa.or_(TaskUnit.unit_id.in_(unit_ids), TaskUnit.group_id.in_(groups)),
            )
        ).scalars()
    )
    current = sa.select(Task.id).where(Task.lead_unit_id.in_(unit_ids))
    reassigned = sa.select(AuditEvent.object_id).where(
        AuditEvent.action == "task.reassign", AuditEvent.object_type == "task"
    )
    events = db.session.execute(
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == "task",
            AuditEvent.occurred_at <= cutoff,
            sa.or_(
                AuditEvent.object_id.in_(current),
                AuditEvent.object_id.in_(reassigned),
                AuditEvent.object_id.in_(coordinated),
            ),
        )
        .order_by(AuditEvent.seq)
    ).scalars()
    return replay(list(events)), coordinated


def _plan_units(plan: Plan, year: int) -> set[int]:
    """Every unit that works under the plan (one statement): named on its tasks (groups
    by their members), answering with values tied to its tasks, or given indicators for
    the year by the plan's tracking unit or issuer, who own the framework's assignments
    (workflow.indicators.can_assign)."""
    plan_tasks = sa.select(Task.id).where(Task.plan_id == plan.id)
    named_groups = sa.select(TaskUnit.group_id).where(
        TaskUnit.task_id.in_(plan_tasks), TaskUnit.group_id.is_not(None)
    )
    owners = [u for u in (plan.tracking_unit_id, plan.issuer_id) if u is not None]
    query = sa.union(
        sa.select(TaskUnit.unit_id.label("unit_id")).where(
            TaskUnit.task_id.in_(plan_tasks), TaskUnit.unit_id.is_not(None)
        ),
        sa.select(Task.lead_unit_id).where(Task.plan_id == plan.id, Task.lead_unit_id.is_not(None)),
        sa.select(unit_group_members.c.unit_id).where(
            unit_group_members.c.group_id.in_(named_groups)
        ),
        sa.select(IndicatorValue.unit_id).where(IndicatorValue.task_id.in_(plan_tasks)),
        sa.select(IndicatorAssignment.unit_id)
        .join(User, IndicatorAssignment.assigned_by_id == User.id)
        .where(IndicatorAssignment.year == year, User.unit_id.in_(owners)),
    )
    return {row[0] for row in db.session.execute(query) if row[0] is not None}


def _leaf_in_year(t: TaskThen, plans: dict[int, Plan], parents: set[int], year: int) -> bool:
    return (
        t.plan_id in plans
        and not t.has_subtasks
        and t.task_id not in parents
        and _in_year(t, plans[t.plan_id], year)
    )


def _stand_in(name: str) -> Unit:
    """A plan whose issuer is not in the directory signs with defaults from its name."""
    return Unit(name=name, code="")


def gather(year: int, *, plan_id: int | None = None, unit_id: int | None = None) -> YearEnd:
    """The year's tasks (those that carry the work) as they stood at the end of 31/12 of the
    year, Vietnam time (or today, for the current year): states, leads, due dates and reports
    are rebuilt from the audit events in bulk (`reports.asof.replay`), so a report for 2024
    drawn in 2026 shows the 2024 picture. A fixed number of statements, whatever the number
    of tasks.

    A unit's report covers the unit and the units under it (a district People's Committee
    answers for its Phòng GD&ĐT and their schools): the tasks they led then, the tasks they
    coordinate, and every indicator value they entered. A plan's report covers its tasks and
    every value entered by a unit working under the plan.
    """
    as_of = min(clock.today(), date(year, 12, 31))
    units = all_units()
    by_id = {u.id: u for u in units}
    scope_ids: list[int] = []
    coordinated_ids: set[int] = set()
    if plan_id is not None:
        then = tasks_as_of(as_of, plan_id=plan_id)
    else:
        scope_ids = subordinate_ids(unit_id, units) if unit_id in by_id else []
        replayed, coordinated_ids = _unit_events(scope_ids, end_of_local_day(as_of))
        then = {
            k: t for k, t in replayed.items() if t.lead_unit_id in scope_ids or k in coordinated_ids
        }
    parents = {t.parent_id for t in then.values() if t.parent_id}
    plans = {
        p.id: p
        for p in db.session.execute(
            sa.select(Plan).where(Plan.id.in_({t.plan_id for t in then.values()}))
        ).scalars()
    }
    items: list[ItemResult] = []
    coordinated: list[ItemResult] = []
    for t in ordered(then, as_of):
        if plan_id is None and t.lead_unit_id not in scope_ids:
            if t.plan_id in plans and _in_year(t, plans[t.plan_id], year):
                coordinated.append(ItemResult(t, plans[t.plan_id], _bucket(t, as_of), t.reports))
            continue
        if _leaf_in_year(t, plans, parents, year):
            items.append(ItemResult(t, plans[t.plan_id], _bucket(t, as_of), reports=t.reports))
    _attach_contributions(items + coordinated, as_of)
    counts = Counter(i.bucket for i in items)
    year_plans = list({i.plan.id: i.plan for i in items + coordinated}.values())
    if plan_id is not None:
        plan = db.session.get(Plan, plan_id)
        year_plans = [plan] if plan else year_plans
        title = f"Kết quả thực hiện Kế hoạch số {plan.label} năm {year}" if plan else ""
        author_unit = (by_id.get(plan.issuer_id) if plan else None) or _stand_in(
            plan.issuer_name if plan else ""
        )
        annex_units = (
            _plan_units(plan, year) | {i.task.lead_unit_id for i in items if i.task.lead_unit_id}
            if plan
            else set()
        )
        addressees: list[str] = []
    else:
        author_unit = by_id.get(unit_id) or _stand_in("")
        title = f"Kết quả thực hiện các kế hoạch năm {year}"
        annex_units = set(scope_ids)
        addressees = [p.issuer_name for p in year_plans]
    settings = resolve(author_unit, units, addressees)
    # Names as they were at the report's date (a unit renamed or merged since keeps them).
    then_names = unit_names_on([author_unit.id, *scope_ids], as_of)
    return YearEnd(
        year,
        title,
        then_names.get(author_unit.id, author_unit.name),
        year_plans,
        items,
        counts,
        annex_rows(annex_units, year, own_unit_id=author_unit.id),
        as_of,
        settings=settings,
        coordinated=coordinated,
        covered=[then_names.get(u, by_id[u].name) for u in scope_ids[1:]],
        own_unit_ids=set(scope_ids),
    )


def _bucket(t: TaskThen, as_of: date) -> str:
    return bucket_of(t.state, t.reported_late, t.due_on, as_of)


def _attach_contributions(results: list[ItemResult], as_of: date) -> None:
    """The coordinating units' contributions written by the end of the day (one statement)."""
    wanted = {i.task.task_id for i in results} | {
        i.task.parent_id for i in results if i.task.parent_id
    }
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
        contributions[c.task_id].append(ContributionThen(c.unit.name, c.text, c.unit_id))
    for item in results:
        item.contributions = contributions[item.task.task_id] + contributions.get(
            item.task.parent_id or -1, []
        )


def _issue_year(year: int) -> int:
    """The year written in the date line: the year after, or today's for a late copy."""
    return max(year + 1, clock.today().year)


def _due(t: TaskThen) -> str:
    return t.due_on.strftime("%d/%m/%Y") if t.due_on else "thường xuyên"


def _heading(doc, text: str) -> None:  # noqa: ANN001
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    p = para(doc, text, bold=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    p.paragraph_format.first_line_indent = Cm(1)
    p.paragraph_format.keep_with_next = True


def _body(doc, text: str) -> None:  # noqa: ANN001
    para(doc, text, indent=True)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def yearend_docx(data: YearEnd) -> bytes:
    """The report as a Word document ready to number, sign and send (NĐ 30/2020): A4,
    the decree's margins and fonts, the heading, "Kính gửi", sections I–III after the
    Quận 8 report, "Nơi nhận" and the signature block from the unit's report settings,
    then the indicator annex."""
    from docx import Document

    doc = Document()
    admin_document.setup(doc)
    s = data.settings
    admin_document.header(doc, s, "BC", admin_document.date_line(s, _issue_year(data.year)))
    admin_document.title(doc, "BÁO CÁO", data.title)
    admin_document.addressed_to(doc, s.recipients)
    for plan in data.plans:
        issued = f" ngày {plan.issued_on.strftime('%d/%m/%Y')}" if plan.issued_on else ""
        _body(
            doc,
            f"Thực hiện Kế hoạch số {plan.label}{issued} của {plan.issuer_name} về "
            f"{_lower_first(plan.title)};",
        )
    _body(doc, f"{data.author_name} báo cáo kết quả thực hiện năm {data.year} như sau:")

    _heading(doc, "I. KẾT QUẢ THỰC HIỆN")
    _heading(doc, "1. Tình hình thực hiện nhiệm vụ")
    covered = f", gồm cả {', '.join(data.covered)}" if data.covered else ""
    _body(
        doc,
        f"Tổng số nhiệm vụ năm {data.year}: {data.total} (tính đến ngày "
        f"{data.as_of.strftime('%d/%m/%Y')}, theo Quyết định số 42/2014/QĐ-TTg{covered}):",
    )
    _counts_table(doc, data)
    if data.counts["cancelled"]:
        _body(doc, f"Ngoài ra {data.counts['cancelled']} nhiệm vụ đã hủy.")

    _heading(doc, "2. Kết quả thực hiện từng nhiệm vụ")
    reported = [i for i in data.items if i.reports]
    for n, item in enumerate(reported, start=1):
        _item(doc, f"2.{n}", item)
    silent = [i for i in data.items if not i.reports]
    if silent:
        _body(doc, f"Các nhiệm vụ chưa có báo cáo kết quả ({len(silent)} nhiệm vụ):")
        for item in silent:
            t = item.task
            _body(
                doc,
                f"- Nhiệm vụ {t.number} ({item.plan.label}): {t.title} (chủ trì: "
                f"{t.lead_unit_name or ''}; hạn {_due(t)}; {STATE_LABELS[item.state].lower()}).",
            )
    if not data.items:
        _body(doc, f"- Không có nhiệm vụ chủ trì đến hạn trong năm {data.year}.")
    if data.coordinated:
        _heading(doc, "3. Phối hợp thực hiện")
        for item in data.coordinated:
            t = item.task
            _body(
                doc,
                f"- Nhiệm vụ {t.number} ({item.plan.label}): {t.title} (chủ trì: "
                f"{t.lead_unit_name or ''}; {STATE_LABELS[item.state].lower()}).",
            )
            own = [c for c in item.contributions if c.unit_id in data.own_unit_ids]
            for c in own:
                _body(doc, f"+ {c.unit_name}: {c.text}")
            if not own:
                _body(doc, "+ (Đơn vị bổ sung kết quả phối hợp.)")
    n = 4 if data.coordinated else 3
    _heading(doc, f"{n}. Triển khai các tiêu chí, chỉ số xây dựng thành phố học tập")
    _body(
        doc,
        f"Kết quả thực hiện {len(data.annex)} chỉ số năm {data.year} (đính kèm phụ lục)."
        if data.annex
        else f"Chưa có chỉ số nào được giao hoặc nhập số liệu trong năm {data.year}.",
    )

    _heading(doc, "II. ĐÁNH GIÁ KẾT QUẢ ĐẠT ĐƯỢC, KHÓ KHĂN, TỒN TẠI VÀ NGUYÊN NHÂN")
    _heading(doc, "1. Kết quả đạt được")
    done = data.counts["done_on_time"] + data.counts["done_late"]
    _body(
        doc,
        f"- Đã hoàn thành {done}/{data.total} nhiệm vụ, trong đó "
        f"{data.counts['done_on_time']} nhiệm vụ hoàn thành đúng hạn.",
    )
    _heading(doc, "2. Khó khăn, tồn tại và nguyên nhân")
    late = [i for i in data.items if i.bucket in ("done_late", "open_overdue")]
    if not late:
        _body(doc, "- Không có nhiệm vụ chậm so với thời hạn.")
    for item in late:
        _body(
            doc,
            f"- Nhiệm vụ {item.task.number} ({item.plan.label}): "
            f"{BUCKET_LABELS[item.bucket].lower()}.",
        )
    _body(doc, "- (Đơn vị bổ sung nguyên nhân và kiến nghị.)")

    _heading(doc, f"III. NHIỆM VỤ TRỌNG TÂM NĂM {data.year + 1}")
    if not data.open_items:
        _body(doc, "- Tiếp tục duy trì các kết quả đã đạt được.")
    for item in data.open_items:
        _body(doc, f"- Tiếp tục thực hiện nhiệm vụ {item.task.number}: {item.task.title}")
    _body(doc, f"Trên đây là báo cáo {_lower_first(data.title)} của {data.author_name}./.")
    admin_document.closing(doc, s)
    if data.annex:
        _annex(doc, data)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _item(doc, number: str, item: ItemResult) -> None:  # noqa: ANN001
    t = item.task
    _heading(doc, f"{number}. {t.title} (nhiệm vụ {t.number}, {item.plan.label})")
    _body(
        doc,
        f"- Đơn vị chủ trì: {t.lead_unit_name or ''}; thời hạn: {_due(t)}; tình trạng: "
        f"{STATE_LABELS[item.state]} ({BUCKET_LABELS[item.bucket].lower()}).",
    )
    _body(doc, f"- Kết quả: {item.reports[-1].text}")
    for key, value in (item.reports[-1].figures or {}).items():
        _body(doc, f"+ {key}: {value}")
    for c in item.contributions:
        _body(doc, f"- {c.unit_name} (phối hợp): {c.text}")


def _cell(cell, text: str, *, bold: bool = False, size: float = 13, center: bool = False) -> None:  # noqa: ANN001
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.text = ""
    p = cell.paragraphs[0]
    admin_document.run(p, text, bold=bold, size=size)
    p.paragraph_format.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _counts_table(doc, data: YearEnd) -> None:  # noqa: ANN001
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("Nhóm", "Số nhiệm vụ", "Tỷ lệ"), strict=True):
        _cell(cell, text, bold=True, center=True)
    for b in BUCKETS:
        cells = table.add_row().cells
        share = f"{100 * data.counts[b] / data.total:.1f}%".replace(".", ",") if data.total else ""
        _cell(cells[0], BUCKET_LABELS[b])
        _cell(cells[1], str(data.counts[b]), center=True)
        _cell(cells[2], share, center=True)
    admin_document.set_widths(table, (Cm(8.5), Cm(3.5), Cm(3.5)))
    para(doc, "", after=0)


ANNEX_HEADERS = (
    "Tiêu chuẩn",
    "Tiêu chí cơ bản",
    "Chỉ số",
    "Số liệu thống kê hoặc kết quả khảo sát/đánh giá",
)


@cache
def _annex_cols() -> tuple[Cm, Cm, Cm, Cm]:
    """The annex's column widths, the module's `ANNEX_COLS` (see `__getattr__`)."""
    from docx.shared import Cm

    return (Cm(3.4), Cm(4.0), Cm(4.3), Cm(4.8))


def __getattr__(name: str) -> Any:
    if name == "ANNEX_COLS":
        return _annex_cols()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _annex(doc, data: YearEnd) -> None:  # noqa: ANN001
    """The annex as in the Quận 8 report: four columns, grouped by area, "Kèm theo"."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    center = WD_ALIGN_PARAGRAPH.CENTER
    s = data.settings
    first = para(doc, "PHỤ LỤC", bold=True, size=14, align=center, after=0)
    first.paragraph_format.page_break_before = True
    para(
        doc,
        f"XÂY DỰNG THÀNH PHỐ HỌC TẬP CỦA UNESCO NĂM {data.year}",
        bold=True,
        size=14,
        align=center,
        after=0,
    )
    para(
        doc,
        f"(Kèm theo Báo cáo số      /BC-{s.abbreviation} ngày …… tháng …… năm "
        f"{_issue_year(data.year)} của {data.author_name})",
        italic=True,
        size=13,
        align=center,
        after=2,
    )
    admin_document.rule(doc, Cm(4), admin_document.TEXT_W)
    para(doc, "", size=6, after=0)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    for cell, text in zip(header.cells, ANNEX_HEADERS, strict=True):
        _cell(cell, text, bold=True, size=12, center=True)
    # The header row repeats on every page of the annex.
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    area = None
    for row in data.annex:
        if row.standard.area_code != area:
            area = row.standard.area_code
            merged = table.add_row().cells
            _cell(
                merged[0].merge(merged[3]), f"{area}. {row.standard.area_title}", bold=True, size=12
            )
        cells = table.add_row().cells
        _cell(cells[0], f"{row.standard.code}. {row.standard.title}", size=12)
        _cell(cells[1], f"{row.criterion.code}. {row.criterion.title}", size=12)
        # A rating's "target" is its scale, not a target: leave it out.
        shown = row.target and row.indicator.kind != IndicatorKind.RATING
        indicator = row.indicator.text + (f" (chỉ tiêu: {row.target})" if shown else "")
        _cell(cells[2], indicator, size=12)
        _cell(cells[3], row.value, size=12)
    admin_document.set_widths(table, _annex_cols())


def yearend_xlsx(data: YearEnd) -> bytes:
    """All the year's tasks with states, dates and reports; the annex on a second sheet.

    Written through workflow/tabular.py, so titles, unit names and report texts stay text
    (H3)."""
    book = new_workbook()
    sheet = book.create_sheet("Nhiệm vụ")
    append_header(sheet, [
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
    append_header(annex, ["Tiêu chuẩn", "Tiêu chí", "Mã chỉ số", "Chỉ số", "Chỉ tiêu", "Kết quả"])
    for row in data.annex:
        append_row(annex, [
            f"{row.standard.code}. {row.standard.title}",
            f"{row.criterion.code}. {row.criterion.title}",
            row.indicator.code, row.indicator.text, row.target, row.value,
        ])  # fmt: skip
    return workbook_bytes(book)


OPEN_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED)
