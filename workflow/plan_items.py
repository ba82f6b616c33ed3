"""A plan's items by hand: add one at the end, move one up or down, remove one (its task and
open sub-tasks are cancelled, never deleted). Editing an item's fields and units is in
workflow/plan_item_edit.py.

Each service checks who may edit the plan and the item's version, then makes the change
with its audit event in one transaction.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import Task, TaskState, User, db
from workflow import audit
from workflow.errors import InvalidInput
from workflow.plan_access import check_can_edit, check_version, load_item, load_plan, plan_tasks
from workflow.plan_fields import ItemFields, UnitNames, clean_reason, item_input
from workflow.plan_withdrawal import FINAL_STATES, cancel_tasks
from workflow.plans import add_items
from workflow.transaction import unit_of_work


def work_started(task: Task) -> bool:
    """Whether the task (or one of its sub-tasks) has moved beyond its assignment."""
    return task.state != TaskState.ASSIGNED or any(
        s.state != TaskState.ASSIGNED for s in task.subtasks
    )


def check_number_free(plan_id: int, number: str, except_task_id: int | None = None) -> None:
    """Item numbers are unique among the plan's items that stand (a cancelled one frees it)."""
    query = sa.select(Task.id).where(
        Task.plan_id == plan_id,
        Task.parent_id.is_(None),
        Task.number == number,
        Task.state != TaskState.CANCELLED,
    )
    if except_task_id is not None:
        query = query.where(Task.id != except_task_id)
    if db.session.execute(query.limit(1)).first() is not None:
        raise InvalidInput(
            "Kế hoạch đã có nhiệm vụ số %(number)s.",
            number=number,
        )


def _place(top: list[Task]) -> None:
    """Positions 0, 1, 2 … in the order of `top`: each item, then its sub-tasks.
    Only the rows whose position changes are written (each write bumps a task's version)."""
    position = 0
    for task in top:
        for row in [task, *sorted(task.subtasks, key=lambda s: (s.position, s.id))]:
            if row.position != position:
                row.position = position
            position += 1


def renumber(plan_id: int) -> None:
    """Close the gaps in the plan's positions, keeping the order items are shown in."""
    _place([t for t in plan_tasks(plan_id) if t.parent_id is None])


def add_item(plan_id: int, actor: User, fields: ItemFields, *, reason: str | None = None) -> int:
    """Add an item at the end of the plan (with fan-out and its "task.create" events);
    returns the new task's id."""
    with unit_of_work():
        plan = load_plan(plan_id)
        check_can_edit(plan, actor)
        item = item_input(fields, UnitNames(), plan.year)
        check_number_free(plan.id, item.number)
        last = db.session.execute(
            sa.select(sa.func.max(Task.position)).where(Task.plan_id == plan.id)
        ).scalar_one()
        add_items(
            plan,
            [item],
            actor,
            first_position=(last if last is not None else -1) + 1,
            reason=clean_reason(reason, False, ""),
        )
        task_id = db.session.execute(
            sa.select(Task.id)
            .where(Task.plan_id == plan.id, Task.parent_id.is_(None), Task.number == item.number)
            .order_by(Task.id.desc())
            .limit(1)
        ).scalar_one()
    return task_id


def move_item(task_id: int, actor: User, direction: str, *, expected_version: int | None) -> None:
    """Move an item one place up or down among the plan's items ("task.move")."""
    if direction not in ("up", "down"):
        raise InvalidInput("Hướng di chuyển không hợp lệ.")
    with unit_of_work():
        task = load_item(task_id)
        plan = task.plan
        check_can_edit(plan, actor)
        check_version(task, expected_version)
        top = [t for t in plan_tasks(plan.id) if t.parent_id is None]
        index = top.index(task)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(top):
            raise InvalidInput("Nhiệm vụ đã ở đầu (hoặc cuối) kế hoạch.")
        neighbour = top[target]
        top[index], top[target] = top[target], top[index]
        _place(top)
        audit.record(
            "task.move",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=plan.id,
            before={"order": index + 1},
            after={
                "order": target + 1,
                ("after" if direction == "down" else "before"): neighbour.number,
            },
        )


def remove_item(task_id: int, actor: User, *, expected_version: int | None, reason: str) -> None:
    """Take an item out of the plan: its task and open sub-tasks are cancelled with the
    reason (the trail keeps everything; nothing is deleted). A verified item stays."""
    with unit_of_work():
        task = load_item(task_id)
        check_can_edit(task.plan, actor)
        check_version(task, expected_version)
        reason = clean_reason(reason, True, "Hãy nêu lý do bỏ nhiệm vụ khỏi kế hoạch.")
        if task.state == TaskState.CANCELLED:
            raise InvalidInput("Nhiệm vụ đã bị hủy.")
        if task.state == TaskState.VERIFIED:
            raise InvalidInput("Nhiệm vụ đã được xác nhận hoàn thành; không thể bỏ.")
        open_subtasks = [sub for sub in task.subtasks if sub.state not in FINAL_STATES]
        cancel_tasks([*open_subtasks, task], actor, reason, {"removed_from_plan": True})
