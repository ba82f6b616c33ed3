"""A month of deadlines for a unit or a person, and who owns a personal feed token.

Reads only the month's rows: the unit's lead tasks through `ix_tasks_lead_due` (lead unit,
due date; migration 0023), its coordinating tasks through the task-unit indexes, and a
person's assigned tasks through `ix_task_assignees_user_task`. Every month costs the same
two statements (tasks, then their plans), whatever the data holds.

Cancelled tasks are left out: a cancelled task has no deadline anyone must meet. Verified
and reported tasks stay, so a month shows what was due and what became of it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import CalendarLink, Role, Task, TaskAssignee, TaskState, Unit, User, db
from reports.visibility import coordinating_task_ids, visible_tasks
from workflow import clock

# Who may open the calendar of a unit other than their own: the people who follow many
# units' work. What they then see is still limited to the tasks they may view.
OTHER_UNITS_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN, Role.INSPECTOR})
OVERDUE_STATES = frozenset({TaskState.ASSIGNED, TaskState.IN_PROGRESS})
MIN_YEAR, MAX_YEAR = 2000, 2100
# Vietnamese weekday names, Monday first (msgids; the template translates them).
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")

LEAD, COORDINATING, ASSIGNED = "lead", "coordinating", "assigned"


class MonthOutOfRange(ValueError):
    """A year or month the calendar cannot show."""


@dataclass(frozen=True)
class Entry:
    """One task on its due day."""

    task_id: int
    number: str
    title: str
    plan_label: str
    state: TaskState
    role: str  # LEAD, COORDINATING or ASSIGNED
    overdue: bool


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    today: date

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def previous(self) -> tuple[int, int] | None:
        if (self.year, self.month) == (MIN_YEAR, 1):
            return None
        return (self.year - 1, 12) if self.month == 1 else (self.year, self.month - 1)

    @property
    def next(self) -> tuple[int, int] | None:
        if (self.year, self.month) == (MAX_YEAR, 12):
            return None
        return (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)

    @property
    def days_with_entries(self) -> list[Day]:
        """The month's days that hold a deadline, in order (the phone's list)."""
        return [d for week in self.weeks for d in week if d.in_month and d.entries]

    @property
    def count(self) -> int:
        return sum(len(d.entries) for d in self.days_with_entries)

    @property
    def overdue(self) -> int:
        return sum(e.overdue for d in self.days_with_entries for e in d.entries)


def check_month(year: int | None, month: int | None) -> tuple[int, int]:
    """The (year, month) asked for, or MonthOutOfRange with the reason."""
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise MonthOutOfRange("year")
    if month is None or not 1 <= month <= 12:
        raise MonthOutOfRange("month")
    return year, month


def may_view_unit(viewer: User, unit_id: int) -> bool:
    """Own unit for everyone; any unit for coordinators, inspectors and admins."""
    return viewer.unit_id == unit_id or viewer.role in OTHER_UNITS_ROLES


def unit_choices(viewer: User) -> list[tuple[int, str]]:
    """The units the viewer may pick (id, name): only their own unless they follow many."""
    query = sa.select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)
    if viewer.role not in OTHER_UNITS_ROLES:
        query = query.where(Unit.id == viewer.unit_id)
    return [(row.id, row.name) for row in db.session.execute(query)]


def _bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _month(year: int, month: int, tasks: list[tuple[Task, str]]) -> Month:
    today = clock.today()
    by_day: dict[date, list[Entry]] = {}
    for task, role in tasks:
        by_day.setdefault(task.due_on, []).append(
            Entry(
                task_id=task.id,
                number=task.number,
                title=task.title,
                plan_label=task.plan.label,
                state=task.state,
                role=role,
                overdue=task.due_on < today and task.state in OVERDUE_STATES,
            )
        )
    weeks = [
        [
            Day(d, d.month == month, d == today, by_day.get(d, []) if d.month == month else [])
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    return Month(year, month, weeks, today)


def _load(query: sa.Select) -> list[Task]:
    return list(
        db.session.execute(
            query.where(Task.state != TaskState.CANCELLED)
            .order_by(Task.due_on, Task.plan_id, Task.position, Task.id)
            .options(selectinload(Task.plan))
        ).scalars()
    )


def unit_month(viewer: User, unit_id: int, year: int, month: int) -> Month:
    """The deadlines of one month for the tasks the unit leads or coordinates, limited to
    those the viewer may see (two statements)."""
    first, last = _bounds(year, month)
    in_month = Task.due_on.between(first, last)
    ids = sa.union(
        sa.select(Task.id).where(Task.lead_unit_id == unit_id, in_month),
        sa.select(Task.id).where(Task.id.in_(coordinating_task_ids(unit_id)), in_month),
    )
    tasks = _load(sa.select(Task).where(Task.id.in_(ids), visible_tasks(viewer)))
    return _month(
        year,
        month,
        [(t, LEAD if t.lead_unit_id == unit_id else COORDINATING) for t in tasks],
    )


def assigned_month(user: User, year: int, month: int) -> Month:
    """The deadlines of one month for the tasks this person is assigned (two statements)."""
    first, last = _bounds(year, month)
    mine = sa.select(TaskAssignee.task_id).where(TaskAssignee.user_id == user.id)
    tasks = _load(
        sa.select(Task).where(
            Task.id.in_(mine), Task.due_on.between(first, last), visible_tasks(user)
        )
    )
    return _month(year, month, [(t, ASSIGNED) for t in tasks])


def link_token(user_id: int) -> str | None:
    """The person's current personal feed token, if they made one."""
    return db.session.execute(
        sa.select(CalendarLink.token).where(CalendarLink.user_id == user_id)
    ).scalar_one_or_none()


def feed_owner(token: str) -> User | None:
    """The active person whose feed this token opens, or None (a renewed token opens
    nothing: the row holds only the current one)."""
    return db.session.execute(
        sa.select(User)
        .join(CalendarLink, CalendarLink.user_id == User.id)
        .where(CalendarLink.token == token, User.active.is_(True))
    ).scalar_one_or_none()


def assigned_tasks(user_id: int) -> list[Task]:
    """Every dated task the person is assigned, for the personal feed."""
    mine = sa.select(TaskAssignee.task_id).where(TaskAssignee.user_id == user_id)
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.id.in_(mine), Task.due_on.is_not(None))
            .order_by(Task.due_on, Task.id)
            .options(selectinload(Task.plan))
        ).scalars()
    )
