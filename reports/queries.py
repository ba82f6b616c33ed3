"""Read-side queries the pages and mails share; each runs a fixed number of statements."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from models import (
    AuditEvent,
    Contribution,
    Plan,
    Report,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitRole,
    User,
    db,
    unit_group_members,
)
from reports import task_rows
from reports.visibility import visible_plans


def due_quarter(due: date | None) -> str | None:
    """The quarter a due date falls in, "2024-Q2"."""
    if due is None:
        return None
    return f"{due.year}-Q{(due.month - 1) // 3 + 1}"


def _list_options() -> list:
    return [
        selectinload(Task.plan),
        selectinload(Task.lead_unit),
        selectinload(Task.parent),
        selectinload(Task.units).selectinload(TaskUnit.unit),
        selectinload(Task.units).selectinload(TaskUnit.group),
    ]


def lead_tasks(unit_id: int) -> list[Task]:
    """Tasks (and sub-tasks) this unit leads and acts on."""
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.lead_unit_id == unit_id)
            .order_by(*task_rows.deadline_order())
            .options(*_list_options())
        ).scalars()
    )


def coordinating_tasks(unit_id: int) -> list[Task]:
    """Tasks this unit supports, named directly or through a group it belongs to."""
    groups = sa.select(unit_group_members.c.group_id).where(unit_group_members.c.unit_id == unit_id)
    task_ids = sa.select(TaskUnit.task_id).where(
        TaskUnit.role == UnitRole.COORDINATING,
        sa.or_(TaskUnit.unit_id == unit_id, TaskUnit.group_id.in_(groups)),
    )
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.id.in_(task_ids))
            .order_by(*task_rows.deadline_order())
            .options(*_list_options())
        ).scalars()
    )


def awaiting_verification(tracking_unit_id: int) -> list[Task]:
    """Reported tasks of the plans this unit tracks: the coordinator's in-tray."""
    return list(
        db.session.execute(
            _awaiting(tracking_unit_id).order_by(Task.reported_at).options(*_list_options())
        ).scalars()
    )


def _awaiting(tracking_unit_id: int) -> sa.Select:
    return (
        sa.select(Task)
        .join(Plan, Task.plan_id == Plan.id)
        .where(Plan.tracking_unit_id == tracking_unit_id, Task.state == TaskState.REPORTED)
    )


def group_by_quarter(tasks: list[Task]) -> OrderedDict[str | None, list[Task]]:
    """Tasks grouped by the quarter of their due date, earliest first, undated last."""
    groups: OrderedDict[str | None, list[Task]] = OrderedDict()
    for task in sorted(tasks, key=lambda t: (t.due_on is None, t.due_on or date.max)):
        groups.setdefault(due_quarter(task.due_on), []).append(task)
    return groups


@dataclass
class TaskPage:
    task: Task
    reports: list[Report]
    contributions: list[Contribution]
    history: list[AuditEvent]


def task_page(task: Task) -> TaskPage:
    """Reports, contributions and the audit history of one task (three statements, and
    one each for the reports' and the contributions' attachments; authors and units are
    joined in)."""
    reports = list(
        db.session.execute(
            sa.select(Report)
            .where(Report.task_id == task.id)
            .order_by(Report.id)
            .options(
                joinedload(Report.author),
                joinedload(Report.unit),
                selectinload(Report.attachments),
            )
        ).scalars()
    )
    contributions = list(
        db.session.execute(
            sa.select(Contribution)
            .where(Contribution.task_id == task.id)
            .order_by(Contribution.id)
            .options(
                joinedload(Contribution.author),
                joinedload(Contribution.unit),
                selectinload(Contribution.attachments),
            )
        ).scalars()
    )
    history = list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "task", AuditEvent.object_id == task.id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )
    return TaskPage(task, reports, contributions, history)


def task_labels(task_ids: set[int]) -> dict[int, str]:
    """How a page names tasks it only knows by id ("4403/KH-SGDĐT · 3 · Duy trì… — Phòng
    Giáo dục Trung học"), for any number of ids in one statement — also when there are none,
    so the page's statement count does not depend on what it shows."""
    rows = db.session.execute(
        sa.select(Task.id, Plan.number, Task.number, Task.title, Unit.name)
        .join(Plan, Task.plan_id == Plan.id)
        .outerjoin(Unit, Task.lead_unit_id == Unit.id)
        .where(Task.id.in_(task_ids))
    ).all()
    labels = {}
    for task_id, plan_number, number, title, unit_name in rows:
        short = title if len(title) <= 70 else title[:69] + "…"
        label = f"{plan_number or ''} · {number}. {short}"
        labels[task_id] = f"{label} — {unit_name}" if unit_name else label
    return labels


def plan_choices(user: User) -> list[sa.Row]:
    """(id, number, title) of the plans the user may see, by number: the plan filter of
    the task lists and the dashboard."""
    return db.session.execute(
        sa.select(Plan.id, Plan.number, Plan.title).where(visible_plans(user)).order_by(Plan.number)
    ).all()
