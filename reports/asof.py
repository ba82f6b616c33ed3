"""A plan or a unit as it stood at the end of a past day, rebuilt from the audit events.

The trail, not the current rows, is the source: "task.create" carries the full snapshot,
later events carry what they changed (state, lead, due date, fields, reports). Replaying
a task's events in chain order up to the cut-off gives its state then. A task whose
creation was recorded after the cut-off did not exist yet and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from models import AuditEvent, Plan, Task, Unit, db
from reports.audit_trail import end_of_local_day
from reports.unit_names import unit_names_on

# Fields a later event may change and the reconstruction follows.
FOLLOWED = ("state", "lead_unit_id", "due_on", "title", "content", "timeframe_text", "number")


@dataclass
class ReportThen:
    report_id: int | None
    text: str
    at: datetime
    actor: str | None
    late: bool
    figures: dict | None = None


@dataclass
class TaskThen:
    """One task as it stood at the cut-off."""

    task_id: int
    plan_id: int | None
    number: str = ""
    title: str = ""
    parent_id: int | None = None
    state: str = "assigned"
    lead_unit_id: int | None = None
    due_on: date | None = None
    timeframe_text: str | None = None
    reports: list[ReportThen] = field(default_factory=list)
    contributions: list[str] = field(default_factory=list)
    last_event_at: datetime | None = None
    lead_unit_name: str | None = None
    reported_late: bool = False
    reported_at: datetime | None = None
    verified_at: datetime | None = None
    has_subtasks: bool = False

    def overdue_on(self, day: date) -> bool:
        """Past its due date on `day` without a report (overdue is derived, not a state)."""
        open_ = self.state in ("assigned", "in_progress")
        return open_ and self.due_on is not None and self.due_on < day


def _apply(task: TaskThen, event: AuditEvent) -> None:
    after = event.after or {}
    if event.action == "task.create":
        for key in FOLLOWED + ("parent_id",):
            if key in after:
                setattr(task, key, after[key])
        task.has_subtasks = bool(after.get("subtasks"))
    elif event.action == "task.report":
        task.state = after.get("state", task.state)
        task.reported_late = bool(after.get("reported_late"))
        task.reported_at = event.occurred_at
        task.reports.append(
            ReportThen(
                after.get("report_id"),
                after.get("report_text", ""),
                event.occurred_at,
                event.actor_name,
                task.reported_late,
                after.get("figures"),
            )
        )
    elif event.action == "task.contribute":
        task.contributions.append(after.get("text", ""))
    else:
        # Transitions, rollups, updates, reassignments, granted extensions: take what changed.
        for key in FOLLOWED:
            if key in after:
                setattr(task, key, after[key])
        if event.action in ("task.verify", "task.rollup") and task.state == "verified":
            task.verified_at = event.occurred_at
        elif task.state != "verified":
            task.verified_at = None
    if isinstance(task.due_on, str):
        task.due_on = date.fromisoformat(task.due_on)
    task.last_event_at = event.occurred_at


def replay(events: list[AuditEvent]) -> dict[int, TaskThen]:
    """Fold task events (in seq order) into the tasks they describe; created ones only."""
    tasks: dict[int, TaskThen] = {}
    for event in events:
        if event.object_type != "task" or event.object_id is None:
            continue
        if event.action == "task.create":
            tasks[event.object_id] = TaskThen(event.object_id, event.plan_id)
        task = tasks.get(event.object_id)
        if task is not None:
            _apply(task, event)
    return tasks


def _name_units(tasks: list[TaskThen], day: date | None = None) -> None:
    ids = {t.lead_unit_id for t in tasks if t.lead_unit_id}
    if day is not None:
        # The names as they were that day (a unit renamed since keeps its old name here).
        names = unit_names_on(ids, day)
    else:
        names = dict(
            db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()
        )
    for t in tasks:
        t.lead_unit_name = names.get(t.lead_unit_id)


def _order(tasks: dict[int, TaskThen]) -> list[TaskThen]:
    positions = dict(
        db.session.execute(sa.select(Task.id, Task.position).where(Task.id.in_(tasks))).all()
    )
    return sorted(tasks.values(), key=lambda t: (t.plan_id or 0, positions.get(t.task_id, 0)))


def tasks_as_of(
    day: date, *, plan_id: int | None = None, unit_id: int | None = None
) -> dict[int, TaskThen]:
    """Every task of the plan and/or led by the unit at the end of `day`, by id: one statement.

    For a unit, the tasks it leads now or that were ever reassigned are read (reassignments
    are rare, so their events are the only ones read beyond the unit's own), then those it
    led at the cut-off are kept.
    """
    cutoff = end_of_local_day(day)
    where = [AuditEvent.object_type == "task", AuditEvent.occurred_at <= cutoff]
    if plan_id is not None:
        where.append(AuditEvent.plan_id == plan_id)
    if unit_id is not None:
        current = sa.select(Task.id).where(Task.lead_unit_id == unit_id)
        reassigned = sa.select(AuditEvent.object_id).where(
            AuditEvent.action == "task.reassign", AuditEvent.object_type == "task"
        )
        where.append(
            sa.or_(AuditEvent.object_id.in_(current), AuditEvent.object_id.in_(reassigned))
        )
    events = list(
        db.session.execute(sa.select(AuditEvent).where(*where).order_by(AuditEvent.seq)).scalars()
    )
    tasks = replay(events)
    if unit_id is not None:
        tasks = {k: v for k, v in tasks.items() if v.lead_unit_id == unit_id}
    return tasks


def ordered(tasks: dict[int, TaskThen], day: date | None = None) -> list[TaskThen]:
    """The tasks in plan order, their lead units named (as on `day` when given)."""
    result = _order(tasks)
    _name_units(result, day)
    return result


def plan_as_of(plan_id: int, day: date) -> list[TaskThen]:
    """The plan's tasks at the end of `day` (Vietnam time): three statements."""
    return ordered(tasks_as_of(day, plan_id=plan_id), day)


def unit_as_of(unit_id: int, day: date) -> list[TaskThen]:
    """Tasks the unit led at the end of `day`: those it leads now or that were ever reassigned."""
    return ordered(tasks_as_of(day, unit_id=unit_id), day)


def task_timeline(task_id: int) -> list[AuditEvent]:
    """Every event of a task, oldest first: who did what, when, and why."""
    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "task", AuditEvent.object_id == task_id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def plan_numbers(plan_ids: set[int]) -> dict[int, str]:
    """Plan labels for a unit's page (one statement)."""
    plans = db.session.execute(sa.select(Plan).where(Plan.id.in_(plan_ids))).scalars()
    return {p.id: p.label for p in plans}
