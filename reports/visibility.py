"""`permissions.can_view` as SQL: the tasks and plans a user may see, as WHERE clauses.

Lists, counts, search and exports filter in the database with these clauses, so a member
never finds (or counts) a task of another unit, and no page loads rows only to drop them.
Keep in step with `workflow.permissions.can_view`; tests/ui/test_search.py checks both agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import Plan, Role, Task, TaskUnit, UnitRole, User, unit_group_members

SEE_ALL_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR})


def coordinating_task_ids(unit_id: int) -> sa.Select:
    """Ids of tasks naming the unit as coordinating, directly or through one of its groups."""
    groups = sa.select(unit_group_members.c.group_id).where(unit_group_members.c.unit_id == unit_id)
    return sa.select(TaskUnit.task_id).where(
        TaskUnit.role == UnitRole.COORDINATING,
        sa.or_(TaskUnit.unit_id == unit_id, TaskUnit.group_id.in_(groups)),
    )


def visible_tasks(user: User) -> sa.ColumnElement[bool]:
    """A clause over `Task` true for the tasks `can_view(task, user)` allows."""
    if user.role in SEE_ALL_ROLES:
        return sa.true()
    unit_id = user.unit_id
    sub = aliased(Task)
    coordinated = coordinating_task_ids(unit_id)
    return sa.or_(
        Task.plan_id.in_(sa.select(Plan.id).where(Plan.tracking_unit_id == unit_id)),
        Task.lead_unit_id == unit_id,
        # A fanned-out parent is visible to each of its sub-tasks' lead units.
        Task.id.in_(sa.select(sub.parent_id).where(sub.lead_unit_id == unit_id)),
        Task.id.in_(coordinated),
        # A sub-task inherits its parent's coordinating units.
        Task.parent_id.in_(coordinated),
    )


def visible_plans(user: User) -> sa.ColumnElement[bool]:
    """A clause over `Plan`: plans holding at least one task the user may see.

    The plan itself is a public document sent to every unit it names, so whoever sees
    one of its tasks may read the whole plan table; task pages stay guarded by can_view.
    """
    if user.role in SEE_ALL_ROLES:
        return sa.true()
    return sa.or_(
        Plan.tracking_unit_id == user.unit_id,
        Plan.id.in_(sa.select(Task.plan_id).where(visible_tasks(user))),
    )
