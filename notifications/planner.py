"""Plan the reminder lines that go out on one day into the outbox.

Each outbox row of a reminder kind is one *line*: one task for one person (before due,
overdue, to be chased, or in the quarter's overview). The sender folds all of a person's
pending lines into one mail a day and renders it as of the day it goes out (sender.py), so
a row's own subject and body are only the preview of that line as of the planning day.

Days off: a before-due reminder whose day falls on a weekend or holiday goes on the previous
working day, an overdue notice (and its escalation) on the next one; nothing is planned for
a day off. Catch-up: `missed` days (a scheduler that was down) are planned with today, their
lines rendered as of today.

A fixed number of statements whatever the number of tasks: the candidate tasks (by due
date), their coordinating units, the group memberships, the directory of recipients, the
quarter's tasks on a digest day, the keys already planned, and one bulk insert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from models import (
    MailKind,
    OutboxMessage,
    Plan,
    PlanStatus,
    Task,
    TaskState,
    TaskUnit,
    UnitRole,
    db,
    unit_group_members,
)
from notifications import render
from notifications.outbox import PlannedMail, dedupe_key, insert_ignoring_duplicates
from notifications.policy import Policy, quarter_end, quarter_label, quarter_start
from notifications.recipients import Directory, load_directory

# Reported, verified and cancelled tasks need no push; only these are chased.
OPEN_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)


@dataclass
class PlanResult:
    day: date
    mails: list[PlannedMail] = field(default_factory=list)
    inserted: int = 0
    already_planned: set[str] = field(default_factory=set)
    dry_run: bool = False
    # The missed days whose reminders this run planned together with `day`.
    missed: list[date] = field(default_factory=list)
    # Deadlines falling on a day off among the planned lines: flagged, not moved.
    deadlines_on_days_off: set[int] = field(default_factory=set)

    @property
    def new(self) -> list[PlannedMail]:
        return [m for m in self.mails if m.dedupe_key not in self.already_planned]


def _is_parent() -> sa.ColumnElement[bool]:
    child = sa.orm.aliased(Task)
    return sa.exists().where(child.parent_id == Task.id)


def _task_columns() -> list[sa.ColumnElement]:
    return [
        Task.id,
        Task.number,
        Task.title,
        Task.due_on,
        Task.lead_unit_id,
        Plan.id.label("plan_id"),
        Plan.number.label("plan_number"),
        Plan.title.label("plan_title"),
        Plan.tracking_unit_id,
        Plan.issuer_id,
        _is_parent().label("is_parent"),
    ]


def _open_tasks_due(dates: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(*_task_columns())
        .join(Plan, Task.plan_id == Plan.id)
        .where(
            dates,
            Task.state.in_(OPEN_STATES),
            Task.ongoing.is_(False),
            Plan.status == PlanStatus.ACTIVE,
        )
        .order_by(Plan.id, Task.position)
    )


def _coordinating_units(dates: sa.ColumnElement[bool], groups: dict[int, list[int]]) -> dict:
    """task id → coordinating unit ids (groups expanded), for open tasks due on `dates`."""
    rows = db.session.execute(
        sa.select(TaskUnit.task_id, TaskUnit.unit_id, TaskUnit.group_id)
        .join(Task, TaskUnit.task_id == Task.id)
        .join(Plan, Task.plan_id == Plan.id)
        .where(
            TaskUnit.role == UnitRole.COORDINATING,
            dates,
            Task.state.in_(OPEN_STATES),
            Task.ongoing.is_(False),
            Plan.status == PlanStatus.ACTIVE,
        )
        .order_by(TaskUnit.task_id, TaskUnit.position)
    )
    units: dict[int, list[int]] = defaultdict(list)
    for task_id, unit_id, group_id in rows:
        for uid in [unit_id] if unit_id is not None else groups.get(group_id, []):
            if uid is not None and uid not in units[task_id]:
                units[task_id].append(uid)
    return units


def _group_members() -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, unit_id in db.session.execute(
        sa.select(unit_group_members.c.group_id, unit_group_members.c.unit_id)
    ):
        members[group_id].append(unit_id)
    return members


def task_info(row: sa.Row, directory: Directory) -> render.TaskInfo:
    """What a mail shows of a task row (plan number, or the start of its title)."""
    return render.TaskInfo(
        id=row.id,
        number=row.number,
        title=row.title,
        due_on=row.due_on,
        plan_id=row.plan_id,
        plan_number=row.plan_number or row.plan_title[:60],
        plan_title=row.plan_title,
        lead_name=directory.names.get(row.lead_unit_id) if row.lead_unit_id else None,
    )


def line_as_of(
    kind: MailKind,
    task: render.TaskInfo,
    role: str,
    unit_name: str,
    today: date,
    policy: Policy,
) -> render.Line | None:
    """The line a planned reminder becomes on `today`, or None if it is no longer true.

    A before-due (or quarter) line whose deadline has passed becomes the lead's overdue
    line; a coordinating unit's is dropped (overdue notices go to the lead only).
    """
    due = task.due_on
    if due is None:
        return None
    flagged = policy.deadline_on_day_off(due)
    left = (due - today).days
    if kind in (MailKind.OVERDUE, MailKind.ESCALATION):
        if left >= 0:
            return None  # not overdue (yet): a clock set back, or a deadline moved
        section = render.Section.OVERDUE if kind == MailKind.OVERDUE else render.Section.ESCALATION
        return render.Line(section, task, unit_name, role, -left, deadline_on_day_off=flagged)
    if left < 0:
        if role != "lead":
            return None
        return render.Line(
            render.Section.OVERDUE, task, unit_name, role, -left, deadline_on_day_off=flagged
        )
    if kind == MailKind.DIGEST:
        return render.Line(
            render.Section.QUARTER,
            task,
            unit_name,
            role,
            left,
            quarter=quarter_label(due),
            deadline_on_day_off=flagged,
        )
    return render.Line(render.Section.DUE, task, unit_name, role, left, deadline_on_day_off=flagged)


class _Collector:
    """Gathers lines, one per key (kind, task, due date, offset, recipient)."""

    def __init__(self, day: date, policy: Policy) -> None:
        self.day = day
        self.policy = policy
        self.mails: list[PlannedMail] = []
        self.keys: set[str] = set()
        self.flagged: set[int] = set()

    def add(
        self,
        kind: MailKind,
        recipients: list[str],
        task: render.TaskInfo,
        *,
        unit_id: int,
        unit_name: str,
        role: str,
        offset: int,
        key_offset: int | str | None = None,
        preview: render.Rendered | None = None,
    ) -> None:
        if not recipients:
            return
        line = line_as_of(kind, task, role, unit_name, self.day, self.policy)
        if line is None:
            return  # a missed day's line no longer true today: dropped, not planned
        if line.deadline_on_day_off:
            self.flagged.add(task.id)
        # One rendering per (task, unit, kind), shared by the unit's people.
        rendered = preview or render.daily(self.day, [unit_name], [line])
        for recipient in recipients:
            key = dedupe_key(
                kind,
                recipient,
                task_id=task.id,
                unit_id=unit_id,
                due_on=task.due_on,
                offset=key_offset if key_offset is not None else offset,
            )
            if key in self.keys:
                continue
            self.keys.add(key)
            self.mails.append(
                PlannedMail(
                    dedupe_key=key,
                    kind=kind,
                    recipient=recipient,
                    planned_for=self.day,
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    task_id=task.id,
                    unit_id=unit_id,
                    due_on=task.due_on,
                    offset_days=offset,
                    task_number=task.number,
                    plan_number=task.plan_number,
                    unit_name=unit_name,
                    task_ids=(task.id,),
                )
            )


def _chasers(row: sa.Row, directory: Directory) -> tuple[int | None, list[str]]:
    """Who chases an overdue task: the tracking unit's coordinators, or, when the tracking
    unit leads it itself, the leadership of the issuing body (else the tracking unit's
    parent): nobody chases themselves. People already told as lead members are left out."""
    lead_people = set(directory.unit_recipients(row.lead_unit_id))
    if row.lead_unit_id != row.tracking_unit_id:
        unit_id = row.tracking_unit_id
        people = directory.coordinators(unit_id)
    else:
        unit_id = row.issuer_id
        if unit_id in (None, row.tracking_unit_id):
            unit_id = directory.parents.get(row.tracking_unit_id)
        people = directory.leaders(unit_id)
    return unit_id, [p for p in people if p not in lead_people]


def _spread(days: Iterable[date], offsets: Iterable[int], sign: int) -> dict[date, list[int]]:
    """due date → offsets whose reminder day is one of `days` (sign -1: before due)."""
    out: dict[date, list[int]] = defaultdict(list)
    for day in days:
        for k in offsets:
            due = day + timedelta(days=-sign * k)
            if k not in out[due]:
                out[due].append(k)
    return out


def _plan_deadlines(
    span: Sequence[date], policy: Policy, directory: Directory, out: _Collector
) -> None:
    before = sorted({n for d in span for n in policy.before_due_days(d)})
    overdue = sorted({n for d in span for n in policy.overdue_days(d)})
    lead_dates = _spread(before, policy.lead_days, -1)
    coord_dates = _spread(before, policy.coordinating_days, -1)
    overdue_dates = _spread(overdue, policy.overdue_offsets(), 1)
    all_dates = set(lead_dates) | set(coord_dates) | set(overdue_dates)
    if not all_dates:
        return
    rows = db.session.execute(_open_tasks_due(Task.due_on.in_(sorted(all_dates)))).all()
    coordinating = (
        _coordinating_units(Task.due_on.in_(sorted(coord_dates)), _group_members())
        if coord_dates
        else {}
    )
    for row in rows:
        task = task_info(row, directory)
        # Parent tasks are carried by their sub-tasks: each sub-task reminds its own lead.
        lead_id = None if row.is_parent else row.lead_unit_id
        lead_name = directory.names.get(lead_id) if lead_id else None
        for days in lead_dates.get(row.due_on, []) if lead_name else []:
            out.add(
                MailKind.BEFORE_DUE,
                directory.unit_recipients(lead_id),
                task,
                unit_id=lead_id,  # type: ignore[arg-type]
                unit_name=lead_name,  # type: ignore[arg-type]
                role="lead",
                offset=days,
            )
        for days in coord_dates.get(row.due_on, []):
            for unit_id in coordinating.get(row.id, []):
                if unit_id == lead_id or unit_id not in directory.names:
                    continue
                out.add(
                    MailKind.BEFORE_DUE,
                    directory.unit_recipients(unit_id),
                    task,
                    unit_id=unit_id,
                    unit_name=directory.names[unit_id],
                    role="coordinating",
                    offset=days,
                )
        for days in overdue_dates.get(row.due_on, []) if lead_name else []:
            out.add(
                MailKind.OVERDUE,
                directory.unit_recipients(lead_id),
                task,
                unit_id=lead_id,  # type: ignore[arg-type]
                unit_name=lead_name,  # type: ignore[arg-type]
                role="lead",
                offset=-days,
            )
            if not policy.overdue_escalate:
                continue
            chase_id, chasers = _chasers(row, directory)
            if chase_id is not None:
                out.add(
                    MailKind.ESCALATION,
                    chasers,
                    task,
                    unit_id=chase_id,
                    unit_name=directory.names.get(chase_id, ""),
                    role="chase",
                    offset=-days,
                )


def _plan_digest(
    span: Sequence[date], policy: Policy, directory: Directory, out: _Collector
) -> None:
    """The quarter's overview lines, on its first working day (or caught up later)."""
    if not policy.digest_enabled:
        return
    starts = [d for d in span if policy.digest_day(d) == d]
    if not starts:
        return
    first, last = quarter_start(starts[-1]), quarter_end(starts[-1])
    in_quarter = Task.due_on.between(first, last)
    rows = db.session.execute(_open_tasks_due(in_quarter)).all()
    by_id = {row.id: row for row in rows}
    lead: dict[int, list[sa.Row]] = defaultdict(list)
    for row in rows:
        if row.lead_unit_id is not None and not row.is_parent:
            lead[row.lead_unit_id].append(row)
    coordinating: dict[int, list[sa.Row]] = defaultdict(list)
    for task_id, unit_ids in _coordinating_units(in_quarter, _group_members()).items():
        for unit_id in unit_ids:
            if unit_id != by_id[task_id].lead_unit_id:
                coordinating[unit_id].append(by_id[task_id])
    for unit_id in sorted(set(lead) | set(coordinating)):
        if unit_id not in directory.names:
            continue
        name = directory.names[unit_id]
        recipients = directory.unit_recipients(unit_id, digest=policy.digest_honour_opt_out)
        duties = [("lead", r) for r in lead.get(unit_id, [])]
        duties += [("coordinating", r) for r in coordinating.get(unit_id, [])]
        lines = [
            line_as_of(MailKind.DIGEST, task_info(r, directory), role, name, out.day, policy)
            for role, r in duties
        ]
        shown = [ln for ln in lines if ln is not None]
        if not shown:
            continue
        preview = render.daily(out.day, [name], shown)  # the unit's whole overview, once
        for role, r in duties:
            out.add(
                MailKind.DIGEST,
                recipients,
                task_info(r, directory),
                unit_id=unit_id,
                unit_name=name,
                role=role,
                offset=0,
                key_offset=first.isoformat(),
                preview=preview,
            )


def plan_for_day(
    day: date, policy: Policy, *, dry_run: bool = False, missed: Sequence[date] = ()
) -> PlanResult:
    """Plan the reminder lines going out on `day`, with those of the `missed` days (a
    stopped scheduler's), all as of `day`; commit unless dry run."""
    directory = load_directory()
    span = sorted({*missed, day})
    out = _Collector(day, policy)
    _plan_digest(span, policy, directory, out)
    _plan_deadlines(span, policy, directory, out)
    # A key always maps to the same reminder, planned on its own day or by a catch-up run
    # covering that day: "already there" is one indexed lookup over the span.
    existing = set(
        db.session.execute(
            sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.planned_for.in_(span))
        ).scalars()
    )
    result = PlanResult(
        day=day,
        mails=out.mails,
        dry_run=dry_run,
        missed=[d for d in span if d != day],
        deadlines_on_days_off=out.flagged,
    )
    result.already_planned = {m.dedupe_key for m in out.mails} & existing
    # End the read transaction first: on SQLite a read that turns into a write fails at once
    # if another scheduler wrote meanwhile, while a fresh write transaction waits its turn.
    db.session.rollback()
    if dry_run:
        return result
    before = db.session.execute(
        sa.select(sa.func.count()).where(OutboxMessage.planned_for == day)
    ).scalar_one()
    insert_ignoring_duplicates(result.new)
    after = db.session.execute(
        sa.select(sa.func.count()).where(OutboxMessage.planned_for == day)
    ).scalar_one()
    result.inserted = after - before
    db.session.commit()
    return result
