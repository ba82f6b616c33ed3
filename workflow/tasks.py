"""Services that move tasks: start, report, verify, return, reopen, cancel, contribute, edit.

Each takes ids and plain values, checks role, state and version, changes the rows,
writes the audit event and commits once. Views never set `task.state` themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    Contribution,
    Plan,
    Report,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitGroup,
    UnitRole,
    User,
    db,
)
from workflow import audit, clock, indicators, permissions
from workflow.attachments import UploadedFile, store_attachments
from workflow.errors import InvalidInput, NotFound, StaleObject
from workflow.indicators import ValueInput
from workflow.inputs import check_due_date
from workflow.rollup import parent_needs_update
from workflow.signals import task_transitioned
from workflow.snapshots import task_snapshot
from workflow.state_machine import REASON_REQUIRED, fire
from workflow.substitutions import acting_for
from workflow.transaction import unit_of_work

REPORT_MAX_CHARS = 50_000


def task_loader_options() -> list[Any]:
    """Eager loads that let the task page and permission checks run without lazy queries."""
    return [
        selectinload(Task.plan).selectinload(Plan.tracking_unit),
        selectinload(Task.units).selectinload(TaskUnit.unit),
        selectinload(Task.units).selectinload(TaskUnit.group).selectinload(UnitGroup.members),
        selectinload(Task.lead_unit),
        selectinload(Task.parent)
        .selectinload(Task.units)
        .selectinload(TaskUnit.group)
        .selectinload(UnitGroup.members),
        selectinload(Task.parent).selectinload(Task.units).selectinload(TaskUnit.unit),
        selectinload(Task.subtasks).selectinload(Task.lead_unit),
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


def _check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and task.version != expected_version:
        raise StaleObject(
            "Nhiệm vụ vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới."
        )


def _clean_reason(event: str, reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if event in REASON_REQUIRED and not reason:
        raise InvalidInput("Hãy nêu lý do.")
    return reason


def _roll_up(task: Task, actor: User) -> None:
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
        _check_version(task, expected_version)
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
        _roll_up(task, actor)
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


def submit_report(
    task_id: int,
    actor: User,
    *,
    expected_version: int | None,
    text: str,
    figures: dict[str, Any] | None = None,
    files: list[UploadedFile] | None = None,
    indicator_values: Mapping[int, ValueInput] | None = None,
) -> TransitionResult:
    """The lead unit reports: text required, figures, attachments and the values of the
    unit's indicators for the task's year optional. The values are saved in the report's
    transaction: a value that does not fit refuses the whole report."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Báo cáo cần có nội dung.")
    if len(text) > REPORT_MAX_CHARS:
        raise InvalidInput(f"Báo cáo dài quá {REPORT_MAX_CHARS} ký tự.")
    with unit_of_work():
        task = load_task(task_id)
        _check_version(task, expected_version)
        principal = acting_for(task, actor, "report", set())
        before = task_snapshot(task, ("state", "reported_late"))
        fire(task, "report")
        now = clock.now()
        late = task.due_on is not None and clock.today() > task.due_on
        task.reported_at = now
        task.reported_late = late
        task.updated_at = now
        report = Report(
            task_id=task.id,
            unit_id=(principal or actor).unit_id,
            author_id=actor.id,
            on_behalf_of_id=principal.id if principal else None,
            text=text,
            figures=figures,
            submitted_at=now,
            late=late,
        )
        db.session.add(report)
        db.session.flush()
        # Values before attachments: a refused value leaves no file behind either.
        indicators.save_report_values(
            task, report, actor, indicator_values or {}, on_behalf_of=principal
        )
        stored = store_attachments(files or [], task=task, uploader=actor, report=report)
        audit.record(
            "task.report",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after={
                "state": task.state,
                "reported_late": late,
                "report_id": report.id,
                "report_text": text,
                "figures": figures,
                "attachments": [a.filename for a in stored],
            },
            on_behalf_of=principal,
        )
        db.session.flush()
        task_transitioned.send(task, event="report", actor=actor, reason=None)
        _roll_up(task, actor)
        db.session.flush()
        result = TransitionResult(task.id, task.state, task.version)
    return result


def add_contribution(
    task_id: int, actor: User, *, text: str, files: list[UploadedFile] | None = None
) -> int:
    """A coordinating unit adds its input; the task's state does not move."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Đóng góp cần có nội dung.")
    with unit_of_work():
        task = load_task(task_id)
        if not permissions.can_contribute(task, actor):
            raise permissions.PermissionDenied(
                "Chỉ đơn vị phối hợp mới được thêm đóng góp khi nhiệm vụ còn đang mở."
            )
        contribution = Contribution(
            task_id=task.id, unit_id=actor.unit_id, author_id=actor.id, text=text
        )
        db.session.add(contribution)
        db.session.flush()
        stored = store_attachments(
            files or [], task=task, uploader=actor, contribution=contribution
        )
        audit.record(
            "task.contribute",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            after={
                "contribution_id": contribution.id,
                "text": text,
                "attachments": [a.filename for a in stored],
            },
        )
        contribution_id = contribution.id
    return contribution_id


EDITABLE_FIELDS = ("title", "content", "due_on", "timeframe_text")


def update_task(
    task_id: int,
    actor: User,
    *,
    expected_version: int | None,
    reason: str,
    changes: dict[str, Any],
) -> TransitionResult:
    """A tracking coordinator edits fields (title, content, due date …), with a reason."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput("Không sửa được trường: " + ", ".join(sorted(unknown)))
    if not (reason or "").strip():
        raise InvalidInput("Hãy nêu lý do thay đổi.")
    if "due_on" in changes and changes["due_on"] is not None:
        if not isinstance(changes["due_on"], date):
            raise InvalidInput("Hạn hoàn thành không hợp lệ.")
        check_due_date(changes["due_on"], "Hạn hoàn thành")
    with unit_of_work():
        task = load_task(task_id)
        _check_version(task, expected_version)
        if not permissions.can_edit(task, actor):
            raise permissions.PermissionDenied(
                "Chỉ điều phối viên của cơ quan thường trực mới được sửa nhiệm vụ."
            )
        changed = {k: v for k, v in changes.items() if getattr(task, k) != v}
        if not changed:
            raise InvalidInput("Không có gì thay đổi.")
        before = {k: getattr(task, k) for k in changed}
        for key, value in changed.items():
            setattr(task, key, value)
        task.updated_at = clock.now()
        audit.record(
            "task.update",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after=changed,
            reason=reason.strip(),
        )
        db.session.flush()
        result = TransitionResult(task.id, task.state, task.version)
    return result


def reassign_lead(
    task_id: int,
    actor: User,
    *,
    expected_version: int | None,
    unit_id: int,
    reason: str,
) -> TransitionResult:
    """A tracking coordinator hands the task to another lead unit, with a reason."""
    if not (reason or "").strip():
        raise InvalidInput("Hãy nêu lý do giao lại.")
    with unit_of_work():
        task = load_task(task_id)
        _check_version(task, expected_version)
        if not permissions.can_edit(task, actor):
            raise permissions.PermissionDenied(
                "Chỉ điều phối viên của cơ quan thường trực mới được giao lại nhiệm vụ."
            )
        if task.subtasks:
            raise InvalidInput("Hãy giao lại từng nhiệm vụ con.")
        unit = db.session.get(Unit, unit_id)
        if unit is None or not unit.active:
            raise InvalidInput("Đơn vị không tồn tại hoặc đã ngừng hoạt động.")
        if unit.id == task.lead_unit_id:
            raise InvalidInput("Đơn vị này đang chủ trì nhiệm vụ.")
        before = {"lead_unit_id": task.lead_unit_id}
        for row in [tu for tu in task.units if tu.role == UnitRole.LEAD]:
            task.units.remove(row)
        task.units.append(TaskUnit(unit_id=unit.id, role=UnitRole.LEAD, mention=unit.name))
        task.lead_unit_id = unit.id
        task.updated_at = clock.now()
        audit.record(
            "task.reassign",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after={"lead_unit_id": unit.id, "lead_unit": unit.name},
            reason=reason.strip(),
        )
        db.session.flush()
        result = TransitionResult(task.id, task.state, task.version)
    return result
