"""Person-level assignment: a lead unit's coordinator names who of its staff does a task.

The unit stays responsible (reports, permissions and figures are per unit); assignees say
who in the unit carries the work, for "Việc của tôi" and the inbox. Each change writes its
audit event on the task in the same transaction and announces `task_assigned`.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from models import Role, Task, TaskAssignee, User, db
from workflow import audit, clock, permissions
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.signals import task_assigned
from workflow.tasks import load_task
from workflow.transaction import unit_of_work

# Who may carry out a task: the people who act for a unit (not inspectors, not admins).
ASSIGNABLE_ROLES = permissions.ACTING_ROLES
MAX_PER_CALL = 50


def can_assign(task: Task, user: User) -> bool:
    """A coordinator of the task's lead unit, on an open task that carries the work itself."""
    return (
        user.role == Role.COORDINATOR
        and task.lead_unit_id is not None
        and user.unit_id == task.lead_unit_id
        and task.state in permissions.OPEN_STATES
        and not task.subtasks
    )


def _check(task: Task, actor: User) -> None:
    if actor.role != Role.COORDINATOR or task.lead_unit_id is None:
        raise PermissionDenied(
            "Chỉ điều phối viên của đơn vị chủ trì mới được giao người thực hiện."
        )
    if actor.unit_id != task.lead_unit_id:
        raise PermissionDenied(
            "Chỉ điều phối viên của đơn vị chủ trì mới được giao người thực hiện."
        )
    if task.subtasks:
        raise InvalidInput("Hãy giao người thực hiện trên nhiệm vụ con của từng đơn vị.")
    if task.state not in permissions.OPEN_STATES:
        raise InvalidInput("Nhiệm vụ đã kết thúc; không giao thêm người thực hiện.")


def _staff(task: Task, user_ids: list[int]) -> list[User]:
    people = list(
        db.session.execute(sa.select(User).where(User.id.in_(user_ids)).order_by(User.id))
        .scalars()
        .all()
    )
    if len(people) != len(set(user_ids)):
        raise InvalidInput("Không tìm thấy người được chọn.")
    for person in people:
        if (
            person.unit_id != task.lead_unit_id
            or person.role not in ASSIGNABLE_ROLES
            or not person.active
        ):
            raise InvalidInput(
                "%(name)s không phải cán bộ đang làm việc của đơn vị chủ trì.",
                name=person.full_name,
            )
    return people


def assign(task_id: int, actor: User, user_ids: Iterable[int]) -> list[int]:
    """Give the task to these people of its lead unit; returns the ids newly assigned.

    People already assigned are left as they are; any person outside the unit refuses the
    whole call (nothing changes)."""
    wanted = sorted({int(i) for i in user_ids})
    if not wanted:
        raise InvalidInput("Hãy chọn ít nhất một người thực hiện.")
    if len(wanted) > MAX_PER_CALL:
        raise InvalidInput(
            "Mỗi lần giao tối đa %(max_per_call)s người.",
            max_per_call=MAX_PER_CALL,
        )
    with unit_of_work():
        task = load_task(task_id)
        _check(task, actor)
        people = _staff(task, wanted)
        current = set(
            db.session.execute(
                sa.select(TaskAssignee.user_id).where(TaskAssignee.task_id == task.id)
            ).scalars()
        )
        added = []
        now = clock.now()
        for person in people:
            if person.id in current:
                continue
            db.session.add(
                TaskAssignee(
                    task_id=task.id, user_id=person.id, assigned_by_id=actor.id, assigned_at=now
                )
            )
            audit.record(
                "task.assign",
                actor=actor,
                object_type="task",
                object_id=task.id,
                plan_id=task.plan_id,
                unit_id=task.lead_unit_id,
                after={"assignee_id": person.id, "assignee": person.full_name},
            )
            task_assigned.send(task, actor=actor, assignee=person, assigned=True)
            added.append(person.id)
        if not added:
            raise InvalidInput("Những người được chọn đã là người thực hiện nhiệm vụ này.")
    return added


def unassign(task_id: int, actor: User, user_id: int) -> None:
    """Take one person off the task (the unit keeps the task)."""
    with unit_of_work():
        task = load_task(task_id)
        _check(task, actor)
        row = db.session.execute(
            sa.select(TaskAssignee).where(
                TaskAssignee.task_id == task.id, TaskAssignee.user_id == user_id
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("Người này không phải người thực hiện nhiệm vụ.")
        person = db.session.get(User, user_id)
        db.session.delete(row)
        audit.record(
            "task.unassign",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            unit_id=task.lead_unit_id,
            before={"assignee_id": user_id, "assignee": person.full_name if person else None},
        )
        task_assigned.send(task, actor=actor, assignee=person, assigned=False)
