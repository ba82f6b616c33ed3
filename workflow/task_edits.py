"""A tracking coordinator's corrections to one task: its fields (title, content, due date,
timeframe) or its lead unit, each with a reason, its audit event and one commit.

Items of a plan (numbers, order, units of a fanned-out item) are edited in
workflow/plan_items.py; this is the task page's own edit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from models import TaskUnit, Unit, UnitRole, User, db
from workflow import audit, clock, permissions
from workflow.errors import InvalidInput
from workflow.inputs import check_due_date
from workflow.signals import task_changed
from workflow.tasks import TransitionResult, check_version, load_task
from workflow.transaction import unit_of_work

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
        raise InvalidInput("Không sửa được trường: %(fields)s", fields=", ".join(sorted(unknown)))
    if not (reason or "").strip():
        raise InvalidInput("Hãy nêu lý do thay đổi.")
    if "due_on" in changes and changes["due_on"] is not None:
        if not isinstance(changes["due_on"], date):
            raise InvalidInput("Hạn hoàn thành không hợp lệ.")
        check_due_date(changes["due_on"], "Hạn hoàn thành")
    with unit_of_work():
        task = load_task(task_id)
        check_version(task, expected_version)
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
        # A moved deadline is its own kind of news; other field edits are told as one.
        if "due_on" in changed:
            task_changed.send(task, change="due", actor=actor, reason=reason.strip(), before=before)
        if set(changed) - {"due_on"}:
            task_changed.send(
                task, change="edit", actor=actor, reason=reason.strip(), before=before
            )
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
        check_version(task, expected_version)
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
        task_changed.send(
            task, change="reassign", actor=actor, reason=reason.strip(), before=before
        )
        result = TransitionResult(task.id, task.state, task.version)
    return result
