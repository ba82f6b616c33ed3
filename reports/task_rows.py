"""Task list rows read as plain tuples (SQLAlchemy Core), not ORM objects.

A workspace page shows up to a hundred tasks. Built as ORM objects with their plan, lead
unit, parent, units, groups and sub-tasks eagerly loaded, they cost a district office's
page about half of its time in the app (issue 12: identity map, instrumentation and six
statements); the list shows a dozen columns of each. A `TaskRow` carries those columns and
the few facts `workflow.permissions.allowed_events` reads (state, lead unit, the plan's
tracking unit, whether the task is fanned out), from three statements whatever the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from models import Plan, Task, TaskState, TaskUnit, Unit, UnitGroup, UnitRole, db


@dataclass(slots=True)
class PlanRef:
    """What a task row shows and checks of its plan."""

    id: int
    number: str | None
    title: str
    tracking_unit_id: int | None


@dataclass(slots=True)
class UnitRef:
    """A unit named on a row: the lead unit, or one of the units a task names."""

    name: str
    role: UnitRole | None = None

    @property
    def display_name(self) -> str:
        return self.name


@dataclass(slots=True)
class TaskRow:
    """One task of a list, with the attributes the list templates and the permission
    checks read under the same names as on `models.Task`."""

    id: int
    plan_id: int
    parent_id: int | None
    number: str
    title: str
    timeframe_text: str | None
    due_on: date | None
    state: TaskState
    reported_late: bool
    reported_at: datetime | None
    version: int
    lead_unit_id: int | None
    plan: PlanRef
    lead_unit: UnitRef | None
    # The units the task names: on lists, only the lead ones of tasks with no single lead
    # unit (a lead group, or a name the importer could not match); exports read them all.
    units: list[UnitRef] = field(default_factory=list)
    # Ids of the task's sub-tasks: a fanned-out task is acted on through them.
    subtasks: list[int] = field(default_factory=list)


_COLUMNS = (
    Task.id,
    Task.plan_id,
    Task.parent_id,
    Task.number,
    Task.title,
    Task.timeframe_text,
    Task.due_on,
    Task.state,
    Task.reported_late,
    Task.reported_at,
    Task.version,
    Task.lead_unit_id,
    Plan.number,
    Plan.title,
    Plan.tracking_unit_id,
    Unit.name,
)
WIDTH = len(_COLUMNS)


def deadline_order() -> tuple[sa.ColumnElement[Any], ...]:
    """The order of every task list: earliest deadline first, undated last, then as the
    plan lists them."""
    return (Task.due_on.is_(None), Task.due_on, Task.plan_id, Task.position)


def row_select(*where: sa.ColumnElement[bool]) -> sa.Select:
    """The row columns of the tasks matching `where` (plan and lead unit joined in)."""
    return (
        sa.select(*_COLUMNS)
        .select_from(Task)
        .join(Plan, Task.plan_id == Plan.id)
        .outerjoin(Unit, Task.lead_unit_id == Unit.id)
        .where(*where)
    )


def _row(values: Sequence[Any]) -> TaskRow:
    (tid, plan_id, parent_id, number, title, timeframe, due, state, late, reported_at) = values[:10]
    version, lead_id, plan_number, plan_title, tracking_id, lead_name = values[10:WIDTH]
    return TaskRow(
        id=tid,
        plan_id=plan_id,
        parent_id=parent_id,
        number=number,
        title=title,
        timeframe_text=timeframe,
        due_on=due,
        state=TaskState(state),
        reported_late=bool(late),
        reported_at=reported_at,
        version=version,
        lead_unit_id=lead_id,
        plan=PlanRef(plan_id, plan_number, plan_title, tracking_id),
        lead_unit=UnitRef(lead_name) if lead_name is not None else None,
    )


def to_rows(result: Sequence[Sequence[Any]]) -> list[TaskRow]:
    """Rows of `row_select` (extra columns after them are ignored) as TaskRows."""
    return [_row(values) for values in result]


def complete(rows: list[TaskRow]) -> list[TaskRow]:
    """Fill in the sub-tasks of every row and the named lead units of rows with no lead
    unit: one statement each, the second only when such a row is listed."""
    if not rows:
        return rows
    # A task may be listed twice on a page (led, and awaiting verification).
    by_id: dict[int, list[TaskRow]] = {}
    for r in rows:
        by_id.setdefault(r.id, []).append(r)
    for parent_id, sub_id in db.session.execute(
        sa.select(Task.parent_id, Task.id).where(Task.parent_id.in_(list(by_id))).order_by(Task.id)
    ).all():
        for r in by_id[parent_id]:
            r.subtasks.append(sub_id)
    unled = sorted({r.id for r in rows if r.lead_unit is None})
    if unled:
        named = (
            sa.select(TaskUnit.task_id, TaskUnit.role, TaskUnit.mention, Unit.name, UnitGroup.name)
            .outerjoin(Unit, TaskUnit.unit_id == Unit.id)
            .outerjoin(UnitGroup, TaskUnit.group_id == UnitGroup.id)
            .where(TaskUnit.task_id.in_(unled), TaskUnit.role == UnitRole.LEAD)
            .order_by(TaskUnit.task_id, TaskUnit.position)
        )
        for task_id, role, mention, unit_name, group_name in db.session.execute(named).all():
            for r in by_id[task_id]:
                r.units.append(UnitRef(unit_name or group_name or mention or "", role))
    return rows
