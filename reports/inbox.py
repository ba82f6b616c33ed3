"""The inbox, "Việc chờ tôi": what waits for one person, from a list of sources, read only.

Each source is one SELECT of the same five columns (kind, task id, the request it is about,
when it arrived, a note); the inbox is their UNION ALL. So the header's count is one
statement and the page one more, whatever the number of sources or rows. Another source
(mentions in comments, say) is added by writing its query function and appending an
`InboxSource` to SOURCES; nothing else changes.

Who "me" is for the lead unit's work: the task's assignees when it has any, otherwise
everyone who acts for the lead unit (the unit's work before person-level assignment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import (
    AuditEvent,
    ExplanationRequest,
    ExtensionRequest,
    Plan,
    Report,
    RequestStatus,
    Role,
    Task,
    TaskAssignee,
    TaskState,
    Unit,
    User,
    db,
)
from reports.progress import DUE_SOON_DAYS, is_leaf, live_plan
from workflow import clock

# Overdue work older than this leaves the inbox (it stays on lists and the dashboard): the
# reminders stop after a year too (config/reminders.toml, overdue.max_days), and a year-old
# task is a matter for the plan's review, not for one person's in-tray.
OVERDUE_HORIZON_DAYS = 365
ACTING_ROLES = (Role.MEMBER, Role.COORDINATOR)
NOTE_CHARS = 400


@dataclass(frozen=True)
class InboxSource:
    """One kind of thing waiting: its key, heading, and the query listing it for a user.

    `query(user, today)` returns a SELECT of (kind, task_id, ref_id, at, note) labelled so,
    or None when the source never concerns this user (no statement is spent on it)."""

    key: str
    label: str
    query: Callable[[User, date], sa.Select | None]


def _row(
    kind: str,
    task_id: sa.ColumnElement,
    ref_id: sa.ColumnElement | None = None,
    at: sa.ColumnElement | None = None,
    note: sa.ColumnElement | None = None,
) -> list[sa.ColumnElement]:
    return [
        sa.literal(kind, sa.String(20)).label("kind"),
        task_id.label("task_id"),
        (ref_id if ref_id is not None else sa.null().cast(sa.Integer)).label("ref_id"),
        (at if at is not None else sa.null().cast(sa.DateTime)).label("at"),
        (note if note is not None else sa.null().cast(sa.Text)).label("note"),
    ]


def concerns_me(user: User) -> sa.ColumnElement[bool]:
    """The lead unit's tasks that are this person's: assigned to them, or to nobody yet."""
    assigned = aliased(TaskAssignee)
    mine = sa.exists().where(assigned.task_id == Task.id, assigned.user_id == user.id)
    nobody = ~sa.exists().where(assigned.task_id == Task.id)
    return sa.or_(mine, sa.and_(nobody, Task.lead_unit_id == user.unit_id))


def _latest_report_id() -> sa.ScalarSelect:
    # Its own alias, correlated to the outer task: inside a query on reports, a bare
    # max(reports.id) would correlate to that query's row instead.
    latest = aliased(Report)
    return (
        sa.select(sa.func.max(latest.id))
        .where(latest.task_id == Task.id)
        .correlate(Task)
        .scalar_subquery()
    )


def reports_to_verify(user: User, today: date) -> sa.Select | None:
    """Reports of the plans the user's unit tracks, not written by or for the user."""
    if user.role != Role.COORDINATOR:
        return None
    own = sa.exists().where(
        Report.id == _latest_report_id(),
        sa.or_(Report.author_id == user.id, Report.on_behalf_of_id == user.id),
    )
    text = (
        sa.select(sa.func.substr(Report.text, 1, NOTE_CHARS))
        .where(Report.id == _latest_report_id())
        .scalar_subquery()
    )
    return (
        sa.select(*_row("verify", Task.id, at=Task.reported_at, note=text))
        .join(Plan, Task.plan_id == Plan.id)
        .where(
            Plan.tracking_unit_id == user.unit_id,
            Task.state == TaskState.REPORTED,
            is_leaf(),
            live_plan(),
            ~own,
        )
    )


def extensions_to_decide(user: User, today: date) -> sa.Select | None:
    """Pending extension requests on plans the user's unit tracks, not the user's own."""
    if user.role != Role.COORDINATOR:
        return None
    return (
        sa.select(
            *_row(
                "extension",
                Task.id,
                ExtensionRequest.id,
                ExtensionRequest.created_at,
                ExtensionRequest.reason,
            )
        )
        .join(Task, ExtensionRequest.task_id == Task.id)
        .join(Plan, Task.plan_id == Plan.id)
        .where(
            Plan.tracking_unit_id == user.unit_id,
            ExtensionRequest.status == RequestStatus.PENDING,
            ExtensionRequest.requested_by_id != user.id,
            live_plan(),
        )
    )


def explanations_to_answer(user: User, today: date) -> sa.Select | None:
    """Unanswered explanation requests on the lead unit's tasks that are the user's."""
    if user.role not in ACTING_ROLES:
        return None
    return (
        sa.select(
            *_row(
                "explanation",
                Task.id,
                ExplanationRequest.id,
                ExplanationRequest.created_at,
                ExplanationRequest.question,
            )
        )
        .join(Task, ExplanationRequest.task_id == Task.id)
        .where(
            ExplanationRequest.explanation.is_(None),
            Task.lead_unit_id == user.unit_id,
            Task.state.in_([TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED]),
            concerns_me(user),
            live_plan(),
        )
    )


def _sent_back() -> sa.ColumnElement[bool]:
    # Back at work after a report: returned (or reopened after verification).
    return sa.and_(
        Task.state == TaskState.IN_PROGRESS, sa.exists().where(Report.task_id == Task.id)
    )


def returned_to_redo(user: User, today: date) -> sa.Select | None:
    """The user's tasks sent back after a report, with the reason given."""
    if user.role not in ACTING_ROLES:
        return None
    reason = (
        sa.select(AuditEvent.reason)
        .where(
            AuditEvent.object_type == "task",
            AuditEvent.object_id == Task.id,
            AuditEvent.action.in_(["task.return", "task.reopen"]),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.select(*_row("returned", Task.id, at=Task.updated_at, note=reason)).where(
        Task.lead_unit_id == user.unit_id, _sent_back(), concerns_me(user), live_plan()
    )


def due_soon(user: User, today: date) -> sa.Select | None:
    """The user's open, unreported tasks due within DUE_SOON_DAYS or overdue (up to a year)."""
    if user.role not in ACTING_ROLES:
        return None
    # Named parameters: the statement is built once per role and run for any day (_union).
    return sa.select(*_row("due", Task.id)).where(
        Task.lead_unit_id == user.unit_id,
        Task.state.in_([TaskState.ASSIGNED, TaskState.IN_PROGRESS]),
        Task.due_on.between(
            sa.bindparam("due_from", _due_window(today)[0], type_=sa.Date),
            sa.bindparam("due_to", _due_window(today)[1], type_=sa.Date),
        ),
        ~_sent_back(),
        is_leaf(),
        concerns_me(user),
        live_plan(),
    )


# In the order the page shows them. Mentions (from comments) will be one more entry here.
SOURCES: list[InboxSource] = [
    InboxSource("verify", "Báo cáo chờ xác nhận", reports_to_verify),
    InboxSource("extension", "Đề nghị gia hạn chờ quyết định", extensions_to_decide),
    InboxSource("explanation", "Yêu cầu giải trình chờ trả lời", explanations_to_answer),
    InboxSource("returned", "Nhiệm vụ bị trả lại, cần làm lại", returned_to_redo),
    InboxSource("due", "Việc của tôi quá hạn hoặc sắp đến hạn", due_soon),
]


def _due_window(today: date) -> tuple[date, date]:
    return today - timedelta(days=OVERDUE_HORIZON_DAYS), today + timedelta(days=DUE_SOON_DAYS)


class _Someone:
    """A user of one role whose id and unit are bound parameters ("me_id", "me_unit")."""

    def __init__(self, role: Role) -> None:
        self.role = role
        self.id = sa.bindparam("me_id", type_=sa.Integer)
        self.unit_id = sa.bindparam("me_unit", type_=sa.Integer)


@lru_cache(maxsize=32)
def _union_for(role: Role, sources: tuple[InboxSource, ...]) -> sa.Subquery | None:
    # Building the five selects (aliases, correlated subqueries) costs several ms of CPU,
    # more than running them; the header asks on every page (issue 12). They depend on
    # the user only through the role, the rest is parameters: built once per role.
    someone = _Someone(role)
    parts = [q for q in (s.query(someone, date(2000, 1, 1)) for s in sources) if q is not None]  # type: ignore[arg-type]
    if not parts:
        return None
    return sa.union_all(*parts).subquery("inbox")


def _union(user: User, today: date) -> tuple[sa.Subquery | None, dict[str, object]]:
    """The UNION ALL of the sources for the user's role, and the parameters for this user
    and day."""
    due_from, due_to = _due_window(today)
    params = {"me_id": user.id, "me_unit": user.unit_id, "due_from": due_from, "due_to": due_to}
    return _union_for(user.role, tuple(SOURCES)), params


def inbox_count(user: User, today: date | None = None) -> int:
    """How many things wait for the user (one statement, none for a user no source concerns)."""
    union, params = _union(user, today or clock.today())
    if union is None:
        return 0
    return int(
        db.session.execute(_count_of(union), params).scalar_one()  # type: ignore[arg-type]
    )


@lru_cache(maxsize=32)
def _count_of(union: sa.Subquery) -> sa.Select:
    return sa.select(sa.func.count()).select_from(union)


@dataclass(frozen=True)
class InboxEntry:
    """One thing waiting, with what its row and its one-step action need."""

    kind: str
    task_id: int
    ref_id: int | None
    at: datetime | None
    note: str | None
    number: str
    title: str
    due_on: date | None
    state: TaskState
    version: int
    plan_number: str | None
    plan_title: str
    lead_unit: str | None


@dataclass(frozen=True)
class InboxGroup:
    source: InboxSource
    entries: list[InboxEntry]


def inbox(user: User, today: date | None = None) -> list[InboxGroup]:
    """What waits for the user, by source in SOURCES order, each oldest deadline first
    (one statement)."""
    union, params = _union(user, today or clock.today())
    if union is None:
        return [InboxGroup(s, []) for s in SOURCES]
    rows = db.session.execute(_page_of(union), params).all()  # type: ignore[arg-type]
    by_kind: dict[str, list[InboxEntry]] = {s.key: [] for s in SOURCES}
    for row in rows:
        by_kind[row[0]].append(InboxEntry(*row[:8], TaskState(row[8]), *row[9:]))
    return [InboxGroup(s, by_kind[s.key]) for s in SOURCES]


@lru_cache(maxsize=32)
def _page_of(union: sa.Subquery) -> sa.Select:
    return (
        sa.select(
            union.c.kind,
            union.c.task_id,
            union.c.ref_id,
            union.c.at,
            union.c.note,
            Task.number,
            Task.title,
            Task.due_on,
            Task.state,
            Task.version,
            Plan.number,
            Plan.title,
            Unit.name,
        )
        .join(Task, Task.id == union.c.task_id)
        .join(Plan, Task.plan_id == Plan.id)
        .outerjoin(Unit, Task.lead_unit_id == Unit.id)
        .order_by(Task.due_on.is_(None), Task.due_on, union.c.at, Task.id)
    )
