"""Plan one day's reminders into the outbox.

A fixed number of statements whatever the number of tasks: the day's candidate tasks
(by due date), their coordinating units, the group memberships, the directory of
recipients, the quarter's tasks on a digest day, and one bulk insert that skips rows
already planned. Rendering happens in Python, once per (task, unit, kind), not per person.

Escalations are rolled up: a tracking unit's coordinator gets one mail a day listing every
task whose overdue notice went to its lead unit that day (the day after due, then weekly),
not one mail per task.
"""

from __future__ import annotations

from collections import defaultdict
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


def _info(row: sa.Row, directory: Directory, days_overdue: int | None = None) -> render.TaskInfo:
    return render.TaskInfo(
        id=row.id,
        number=row.number,
        title=row.title,
        due_on=row.due_on,
        plan_id=row.plan_id,
        plan_number=row.plan_number or row.plan_title[:60],
        plan_title=row.plan_title,
        lead_name=directory.names.get(row.lead_unit_id) if row.lead_unit_id else None,
        days_overdue=days_overdue,
    )


class _Collector:
    """Gathers mails, one per (key), keeping the first planned for an address."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.mails: list[PlannedMail] = []
        self.keys: set[str] = set()

    def add(
        self,
        kind: MailKind,
        recipients: list[str],
        rendered: render.Rendered,
        *,
        task: render.TaskInfo | None = None,
        unit_id: int | None = None,
        unit_name: str | None = None,
        offset: int | None = None,
        key_offset: int | str | None = None,
        task_ids: tuple[int, ...] = (),
    ) -> list[str]:
        added = []
        for recipient in recipients:
            key = dedupe_key(
                kind,
                recipient,
                task_id=task.id if task else None,
                unit_id=unit_id,
                due_on=task.due_on if task else None,
                offset=key_offset if key_offset is not None else offset,
            )
            if key in self.keys:
                continue
            self.keys.add(key)
            added.append(recipient)
            self.mails.append(
                PlannedMail(
                    dedupe_key=key,
                    kind=kind,
                    recipient=recipient,
                    planned_for=self.day,
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    task_id=task.id if task else None,
                    unit_id=unit_id,
                    due_on=task.due_on if task else None,
                    offset_days=offset,
                    task_number=task.number if task else None,
                    plan_number=task.plan_number if task else None,
                    unit_name=unit_name,
                    task_ids=task_ids,
                )
            )
        return added


# Overdue rows to escalate, by tracking unit: (task row, days overdue).
Escalated = dict[int, list[tuple[sa.Row, int]]]


def _plan_deadlines(day: date, policy: Policy, directory: Directory, out: _Collector) -> Escalated:
    lead_dates = {day + timedelta(days=k): k for k in policy.lead_days}
    coord_dates = {day + timedelta(days=k): k for k in policy.coordinating_days}
    overdue_dates = {day - timedelta(days=k): k for k in policy.overdue_offsets()}
    all_dates = set(lead_dates) | set(coord_dates) | set(overdue_dates)
    escalated: Escalated = defaultdict(list)
    if not all_dates:
        return escalated
    rows = db.session.execute(_open_tasks_due(Task.due_on.in_(sorted(all_dates)))).all()
    coordinating = (
        _coordinating_units(Task.due_on.in_(sorted(coord_dates)), _group_members())
        if coord_dates
        else {}
    )
    for row in rows:
        task = _info(row, directory)
        # Parent tasks are carried by their sub-tasks: each sub-task reminds its own lead.
        lead_id = None if row.is_parent else row.lead_unit_id
        lead_name = directory.names.get(lead_id) if lead_id else None
        if row.due_on in lead_dates and lead_name:
            days = lead_dates[row.due_on]
            out.add(
                MailKind.BEFORE_DUE,
                directory.unit_recipients(lead_id),
                render.before_due(task, lead_name, days, "lead"),
                task=task,
                unit_id=lead_id,
                unit_name=lead_name,
                offset=days,
            )
        if row.due_on in coord_dates:
            days = coord_dates[row.due_on]
            for unit_id in coordinating.get(row.id, []):
                if unit_id == lead_id or unit_id not in directory.names:
                    continue
                name = directory.names[unit_id]
                out.add(
                    MailKind.BEFORE_DUE,
                    directory.unit_recipients(unit_id),
                    render.before_due(task, name, days, "coordinating"),
                    task=task,
                    unit_id=unit_id,
                    unit_name=name,
                    offset=days,
                )
        if row.due_on in overdue_dates and lead_name:
            days = overdue_dates[row.due_on]
            out.add(
                MailKind.OVERDUE,
                directory.unit_recipients(lead_id),
                render.overdue(task, lead_name, days),
                task=task,
                unit_id=lead_id,
                unit_name=lead_name,
                offset=-days,
            )
            if policy.overdue_escalate and row.tracking_unit_id is not None:
                escalated[row.tracking_unit_id].append((row, days))
    return escalated


def _plan_escalations(
    day: date, directory: Directory, escalated: Escalated, out: _Collector
) -> None:
    """One roll-up per tracking unit coordinator listing the day's escalated tasks.

    Keyed by (kind, tracking unit, day, recipient): planned again, by a catch-up run or a
    second scheduler, it is written once. A coordinator who is also on a task's lead unit got
    that task's overdue notice already, so it is left out of their roll-up.
    """
    lead_lists: dict[int, set[str]] = {}
    for tracking_id in sorted(escalated):
        items = escalated[tracking_id]
        name = directory.names.get(tracking_id, "")
        # Coordinators who would receive the same list share one rendering.
        by_list: dict[tuple[int, ...], list[str]] = defaultdict(list)
        for coordinator in directory.coordinators(tracking_id):
            listed = []
            for row, _ in items:
                if row.lead_unit_id not in lead_lists:
                    lead_lists[row.lead_unit_id] = set(directory.unit_recipients(row.lead_unit_id))
                if coordinator not in lead_lists[row.lead_unit_id]:
                    listed.append(row.id)
            if listed:
                by_list[tuple(listed)].append(coordinator)
        for task_ids, coordinators in by_list.items():
            wanted = set(task_ids)
            infos = [_info(row, directory, days) for row, days in items if row.id in wanted]
            out.add(
                MailKind.ESCALATION,
                coordinators,
                render.escalation(name, day, _groups_by_plan(infos)),
                unit_id=tracking_id,
                unit_name=name or None,
                key_offset=day.isoformat(),
                task_ids=task_ids,
            )


def _groups_by_plan(tasks: list[render.TaskInfo]) -> list[render.PlanGroup]:
    """Tasks grouped by plan (plans in first-seen order), each plan's by due date."""
    groups: dict[int, render.PlanGroup] = {}
    for task in tasks:
        if task.plan_id not in groups:
            groups[task.plan_id] = render.PlanGroup(task.plan_number, task.plan_title, [])
        groups[task.plan_id].tasks.append(task)
    for group in groups.values():
        group.tasks.sort(key=lambda t: (t.due_on, t.number))
    return list(groups.values())


def _plan_digest(day: date, policy: Policy, directory: Directory, out: _Collector) -> None:
    if not policy.digest_enabled or policy.digest_day(day) != day:
        return
    first, last = quarter_start(day), quarter_end(day)
    in_quarter = Task.due_on.between(first, last)
    rows = db.session.execute(_open_tasks_due(in_quarter)).all()
    by_id = {row.id: row for row in rows}
    infos = {row.id: _info(row, directory) for row in rows}  # shared by lead and coordinating
    lead: dict[int, list[sa.Row]] = defaultdict(list)
    for row in rows:
        if row.lead_unit_id is not None and not row.is_parent:
            lead[row.lead_unit_id].append(row)
    coordinating: dict[int, list[sa.Row]] = defaultdict(list)
    for task_id, unit_ids in _coordinating_units(in_quarter, _group_members()).items():
        for unit_id in unit_ids:
            if unit_id != by_id[task_id].lead_unit_id:
                coordinating[unit_id].append(by_id[task_id])
    label = quarter_label(day)
    for unit_id in sorted(set(lead) | set(coordinating)):
        if unit_id not in directory.names:
            continue
        name = directory.names[unit_id]
        rendered = render.digest(
            name,
            label,
            _groups_by_plan([infos[r.id] for r in lead.get(unit_id, [])]),
            _groups_by_plan([infos[r.id] for r in coordinating.get(unit_id, [])]),
        )
        out.add(
            MailKind.DIGEST,
            directory.unit_recipients(unit_id, digest=policy.digest_honour_opt_out),
            rendered,
            unit_id=unit_id,
            unit_name=name,
            key_offset=first.isoformat(),
        )


def plan_for_day(day: date, policy: Policy, *, dry_run: bool = False) -> PlanResult:
    """Plan `day`'s digests, before-due, overdue and escalation mails; commit unless dry run."""
    directory = load_directory()
    out = _Collector(day)
    _plan_digest(day, policy, directory, out)
    escalated = _plan_deadlines(day, policy, directory, out)
    _plan_escalations(day, directory, escalated, out)
    # A key always maps to the same planned day, so "already there" is one indexed lookup.
    existing = set(
        db.session.execute(
            sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.planned_for == day)
        ).scalars()
    )
    # Before roll-ups, escalations went one per task ("escalation|t<task>|…"). A day planned
    # that way (a catch-up run straddling the upgrade) must not escalate a second time.
    per_task = f"{MailKind.ESCALATION}|t"
    escalated_before = {k.rsplit("|", 1)[1] for k in existing if k.startswith(per_task)}
    mails = [
        m
        for m in out.mails
        if not (m.kind == MailKind.ESCALATION and m.recipient in escalated_before)
    ]
    result = PlanResult(day=day, mails=mails, dry_run=dry_run)
    result.already_planned = {m.dedupe_key for m in mails} & existing
    # End the read transaction first: on SQLite a read that turns into a write fails at once
    # if another scheduler wrote meanwhile, while a fresh write transaction waits its turn.
    db.session.rollback()
    if dry_run:
        return result
    insert_ignoring_duplicates(result.new)
    after = db.session.execute(
        sa.select(sa.func.count()).where(OutboxMessage.planned_for == day)
    ).scalar_one()
    result.inserted = after - len(existing)
    db.session.commit()
    return result
