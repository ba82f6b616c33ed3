"""Services that move a task through its states: start, verify, return, reopen, cancel.

Each takes ids and plain values, checks role, state and version, changes the rows,
writes the audit event and commits once. Views never set `task.state` themselves.
The loading, version check and roll-up to a fanned-out parent defined here are shared by
the other task services (workflow/task_reports.py: reports and contributions;
workflow/task_edits.py: field edits and lead reassignment) and by plan item editing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from models import (
    Plan,
    Report,
    Task,
    TaskState,
    TaskUnit,
    UnitGroup,
    User,
    db,
)
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, StaleObject
from workflow.rollup import parent_needs_update
from workflow.signals import task_transitioned
from workflow.snapshots import task_snapshot
from workflow.state_machine import REASON_REQUIRED, fire
from workflow.substitutions import acting_for
from workflow.transaction import unit_of_work


def task_loader_options() -> list[Any]:
    """Eager loads that let the task page and permission checks run without lazy queries."""
    # Each many-to-one (a plan's tracking unit, a row's unit or group, the lead unit) is
    # joined into the statement that loads its owner rather than read by a statement of
    # its own (with the reports' authors and units, reports/queries.py: the task page went
    # from 27 statements to 19 on the city), and every action loads the task this way.
    return [
        joinedload(Task.lead_unit),
        selectinload(Task.plan).joinedload(Plan.tracking_unit),
        selectinload(Task.units).joinedload(TaskUnit.unit),
        selectinload(Task.units).joinedload(TaskUnit.group).selectinload(UnitGroup.members),
        joinedload(Task.parent)
        .selectinload(Task.units)
        .joinedload(TaskUnit.group)
        .selectinload(UnitGroup.members),
        joinedload(Task.parent).selectinload(Task.units).joinedload(TaskUnit.unit),
        selectinload(Task.subtasks).joinedload(Task.lead_unit),
    ]


def load_task(task_id: int) -> Task:
    """The task with what permission checks need, or NotFound."""
    task = db.session.execute(
        sa.select(Task).where(Task.id == task_id).options(*task_loader_options())
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.")
    return task


def last_report_authors(task_id: int) -> set[int]:
    """Who wrote (or had written on their behalf) the task's latest report."""
    row = db.session.execute(
        sa.select(Report.author_id, Report.on_behalf_of_id)
        .where(Report.task_id == task_id)
        .order_by(Report.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return set()
    return {i for i in row if i is not None}


def check_version(task: Task, expected_version: int | None) -> None:
    """Refuse (StaleObject) when the task changed since the person loaded it."""
    if expected_version is not None and task.version != expected_version:
        raise StaleObject(
            "Nhiệm vụ vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới."
        )


def _clean_reason(event: str, reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if event in REASON_REQUIRED and not reason:
        raise InvalidInput("Hãy nêu lý do.")
    return reason


def roll_up(task: Task, actor: User) -> None:
    """Move a sub-task's parent to the state its sub-tasks now give it ("task.rollup")."""
    parent = task.parent
    if parent is None:
        return
    new_state = parent_needs_update(parent)
    if new_state is None:
        return
    before = {"state": parent.state}
    parent.state = new_state
    parent.updated_at = clock.now()
    if new_state == TaskState.VERIFIED:
        parent.verified_at = clock.now()
    audit.record(
        "task.rollup",
        actor=actor,
        object_type="task",
        object_id=parent.id,
        plan_id=parent.plan_id,
        before=before,
        after={"state": new_state, "because_of_task": task.id},
    )


@dataclass
class TransitionResult:
    """What a task service leaves behind: the task's id, new state and new version."""

    task_id: int
    state: TaskState
    version: int


def transition(
    task_id: int,
    actor: User,
    event: str,
    *,
    expected_version: int | None,
    reason: str | None = None,
) -> TransitionResult:
    """Fire `event` on the task for `actor`; the generic path behind the named services."""
    if event == "report":
        raise InvalidInput("Gửi báo cáo cần nội dung báo cáo.")
    with unit_of_work():
        task = load_task(task_id)
        check_version(task, expected_version)
        principal = acting_for(task, actor, event, last_report_authors(task.id))
        reason = _clean_reason(event, reason)
        before = task_snapshot(task, ("state",))
        fire(task, event)
        now = clock.now()
        task.updated_at = now
        if event == "verify":
            task.verified_at = now
        if event in ("return", "reopen"):
            task.verified_at = None
        cascaded: list[Task] = []
        if event == "cancel" and task.subtasks:
            for sub in task.subtasks:
                if sub.state not in (TaskState.VERIFIED, TaskState.CANCELLED):
                    cascaded.append(sub)
        audit.record(
            f"task.{event}",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after={"state": task.state},
            reason=reason,
            on_behalf_of=principal,
        )
        for sub in cascaded:
            sub_before = {"state": sub.state}
            fire(sub, "cancel")
            sub.updated_at = now
            audit.record(
                "task.cancel",
                actor=actor,
                object_type="task",
                object_id=sub.id,
                plan_id=sub.plan_id,
                before=sub_before,
                after={"state": sub.state},
                reason=reason,
                on_behalf_of=principal,
            )
        db.session.flush()
        task_transitioned.send(task, event=event, actor=actor, reason=reason)
        roll_up(task, actor)
        db.session.flush()
        result = TransitionResult(task.id, task.state, task.version)
    return result


def start_task(task_id: int, actor: User, *, expected_version: int | None) -> TransitionResult:
    """The lead unit begins work."""
    return transition(task_id, actor, "start", expected_version=expected_version)


def verify_task(task_id: int, actor: User, *, expected_version: int | None) -> TransitionResult:
    """A tracking-unit coordinator accepts the report."""
    return transition(task_id, actor, "verify", expected_version=expected_version)


def return_task(
    task_id: int, actor: User, *, expected_version: int | None, reason: str
) -> TransitionResult:
    """A tracking-unit coordinator sends the report back, saying why."""
    return transition(task_id, actor, "return", expected_version=expected_version, reason=reason)


def reopen_task(
    task_id: int, actor: User, *, expected_version: int | None, reason: str
) -> TransitionResult:
    """A verified task goes back to work, with a reason."""
    return transition(task_id, actor, "reopen", expected_version=expected_version, reason=reason)


def cancel_task(
    task_id: int, actor: User, *, expected_version: int | None, reason: str
) -> TransitionResult:
    """A tracking-unit coordinator cancels the task (and its open sub-tasks)."""
    return transition(task_id, actor, "cancel", expected_version=expected_version, reason=reason)
