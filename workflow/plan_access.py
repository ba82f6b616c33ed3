"""Loading a plan or one of its items for a change by hand, and the checks every such change
makes first: who may edit the plan (admins, and coordinators of its tracking or issuing
unit; never once it is withdrawn), and whether someone else changed it meanwhile.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Plan, PlanStatus, Task, TaskUnit, UnitGroup, User, db
from workflow.errors import InvalidInput, NotFound, PermissionDenied, StaleObject


def can_edit_plan(plan: Plan, user: Any) -> bool:
    """Who may change a plan and its items: admins, and coordinators of its tracking or
    issuing unit (the people who may import and update it); never once it is withdrawn."""
    from workflow.cascade_tree import is_above
    from workflow.import_permissions import can_import, can_update

    if plan.status == PlanStatus.WITHDRAWN:
        return False
    # The cascade: a district office's coordinators manage its schools' plans too.
    return can_update(plan, user) or (
        can_import(user) and is_above(user.unit_id, plan.tracking_unit_id)
    )


def check_can_edit(plan: Plan, actor: User) -> None:
    """Refuse a change to a withdrawn plan, or by someone who may not edit it."""
    if plan.status == PlanStatus.WITHDRAWN:
        raise InvalidInput("Kế hoạch đã bị thu hồi; không sửa được.")
    if not can_edit_plan(plan, actor):
        raise PermissionDenied(
            "Chỉ quản trị viên hoặc điều phối viên của cơ quan thường trực (hoặc cơ quan ban "
            "hành) mới được sửa kế hoạch này."
        )


def load_plan(plan_id: int) -> Plan:
    """The plan, or NotFound."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch.")
    return plan


def plan_tasks(plan_id: int) -> list[Task]:
    """All the plan's tasks (items and sub-tasks) in order, with units and sub-tasks loaded."""
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id)
            .order_by(Task.position, Task.id)
            .options(selectinload(Task.units), selectinload(Task.subtasks))
        ).scalars()
    )


def load_item(task_id: int) -> Task:
    """A plan item (a top-level task) with its plan, units and sub-tasks, or NotFound;
    a sub-task is refused: it is edited through its item."""
    task = db.session.execute(
        sa.select(Task)
        .where(Task.id == task_id)
        .options(
            selectinload(Task.plan),
            selectinload(Task.units).selectinload(TaskUnit.unit),
            selectinload(Task.units).selectinload(TaskUnit.group).selectinload(UnitGroup.members),
            selectinload(Task.subtasks).selectinload(Task.units),
        )
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.")
    if task.parent_id is not None:
        raise InvalidInput(
            "Đây là nhiệm vụ con của một đơn vị; hãy sửa nhiệm vụ gốc trong kế hoạch."
        )
    return task


def check_version(obj: Plan | Task, expected_version: int | None) -> None:
    """Refuse (StaleObject) when the plan or task changed since it was loaded."""
    if expected_version is not None and obj.version != expected_version:
        raise StaleObject("Dữ liệu vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại.")
