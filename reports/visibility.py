"""`permissions.can_view` as SQL: the tasks and plans a user may see, as WHERE clauses.

Lists, counts, search and exports filter in the database with these clauses, so a member
never finds (or counts) a task of another unit, and no page loads rows only to drop them.
Keep in step with `workflow.permissions.can_view`; tests/ui/test_search.py checks both agree.

Cost follows the user's share, not the city (issue 12): the visible ids are a UNION of
selects that each walk one index from the user's unit (plans it tracks, tasks it leads,
the parents of its sub-tasks, the rows naming it or its groups as coordinating, and the
sub-tasks of those). An OR of IN-subqueries over the same tables made the planner scan
every task and every task unit, three or four times per page; the UNION reads only the
rows that belong to the unit. tests/scale/test_visibility_plan.py holds that to the plan.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import Plan, Role, Task, TaskUnit, Unit, UnitRole, User, unit_group_members

SEE_ALL_ROLES = frozenset({Role.ADMIN, Role.INSPECTOR})

# The unions below are built once per unit and kept. A department's visible ids are a
# UNION of some thirty selects: about 2 ms of SQLAlchemy construction and cache-key work
# each time a page asks, and the dashboard asks five times. A statement holds nothing but
# the unit's id, so it cannot go stale. A person's pages come in bursts to the same worker,
# so a few units suffice; at about 200 KB a unit, 16 keep a worker's memory in bounds.
_per_unit = functools.lru_cache(maxsize=16)


def _unit_groups(unit_id: int) -> sa.Select:
    return sa.select(unit_group_members.c.group_id).where(unit_group_members.c.unit_id == unit_id)


def coordinating_task_ids(unit_id: int) -> sa.CompoundSelect:
    """Ids of tasks naming the unit as coordinating, directly or through one of its groups
    (two index lookups: task_units by unit and role, and by group and role)."""
    return sa.union(
        sa.select(TaskUnit.task_id).where(
            TaskUnit.unit_id == unit_id, TaskUnit.role == UnitRole.COORDINATING
        ),
        sa.select(TaskUnit.task_id).where(
            TaskUnit.group_id.in_(_unit_groups(unit_id)), TaskUnit.role == UnitRole.COORDINATING
        ),
    )


@_per_unit
def coordinated_with_subtasks(unit_id: int) -> sa.CompoundSelect:
    """The unit's coordinating tasks and their sub-tasks, which inherit the parent's
    coordinating units (the workspace's "Phối hợp" list)."""
    direct = coordinating_task_ids(unit_id).subquery()
    return sa.union(
        sa.select(direct.c.task_id),
        sa.select(Task.id).where(Task.parent_id.in_(sa.select(direct.c.task_id))),
    )


def descendant_units(unit_id: int) -> sa.CompoundSelect:
    """Ids of the units up to three levels below the unit (department → district office →
    school → its branches): index walks of units by parent. Plain subqueries rather than a
    recursive CTE, so a statement may hold several of them without naming clashes."""
    children = sa.select(Unit.id).where(Unit.parent_id == unit_id)
    grandchildren = sa.select(Unit.id).where(Unit.parent_id.in_(children))
    great = sa.select(Unit.id).where(Unit.parent_id.in_(grandchildren))
    return sa.union(children, grandchildren, great)


def _tracked_plans(unit_id: int) -> sa.Select:
    """Plans the unit tracks, or a unit below it does (the cascade, issue 15)."""
    # A UNION, not an OR: PostgreSQL estimates "tracked by the unit OR by one below it" at
    # half of all plans, then reads every task of the city by a sequential scan (40 ms at
    # 100,000 tasks) where an index walk of the unit's few thousand would do.
    # (Selected from as a subquery: SQLite refuses a UNION nested in another.)
    tracked = sa.union(
        sa.select(Plan.id).where(Plan.tracking_unit_id == unit_id),
        sa.select(Plan.id).where(Plan.tracking_unit_id.in_(descendant_units(unit_id))),
    ).subquery("tracked_plans")
    return sa.select(tracked.c.id)


@_per_unit
def visible_task_ids(unit_id: int) -> sa.CompoundSelect:
    """Ids of the tasks a member of the unit may see, each branch an index walk."""
    sub = aliased(Task)
    coordinated = coordinating_task_ids(unit_id).subquery()
    return sa.union(
        # Tasks of the plans the unit (or a unit below it) tracks.
        sa.select(Task.id).where(Task.plan_id.in_(_tracked_plans(unit_id))),
        sa.select(Task.id).where(Task.lead_unit_id == unit_id),
        # A fanned-out parent is visible to each of its sub-tasks' lead units.
        sa.select(sub.parent_id).where(sub.lead_unit_id == unit_id, sub.parent_id.is_not(None)),
        sa.select(coordinated.c.task_id),
        # A sub-task inherits its parent's coordinating units.
        sa.select(Task.id).where(Task.parent_id.in_(sa.select(coordinated.c.task_id))),
    )


def visible_task_branches(unit_id: int) -> list[sa.ColumnElement[bool]]:
    """`visible_task_ids` as clauses over `Task`, one per branch of its union.

    A short list in deadline order (the dashboard's first twenty overdue) filters within
    each branch and merges the few rows left, where `Task.id IN (visible ids)` builds a
    department's whole visible set (11,000 ids) and joins it to every overdue task of the
    city. tests/security/test_visibility_sql.py holds the two to the same tasks."""
    sub = aliased(Task)
    coordinated = coordinating_task_ids(unit_id).subquery()
    coordinated_ids = sa.select(coordinated.c.task_id)
    return [
        Task.plan_id.in_(_tracked_plans(unit_id)),
        Task.lead_unit_id == unit_id,
        Task.id.in_(
            sa.select(sub.parent_id).where(sub.lead_unit_id == unit_id, sub.parent_id.is_not(None))
        ),
        Task.id.in_(coordinated_ids),
        Task.parent_id.in_(coordinated_ids),
    ]


def visible_tasks(user: User) -> sa.ColumnElement[bool]:
    """A clause over `Task` true for the tasks `can_view(task, user)` allows."""
    if user.role in SEE_ALL_ROLES:
        return sa.true()
    return Task.id.in_(visible_task_ids(user.unit_id))


@_per_unit
def visible_plan_ids(unit_id: int) -> sa.CompoundSelect:
    """Plans holding a task the unit may see: the plans it tracks, and the plans of the
    tasks it leads or coordinates (a sub-task and its parent share their plan, so the
    tracked plans' tasks need not be read one by one)."""
    coordinated = coordinating_task_ids(unit_id).subquery()
    return sa.union(
        _tracked_plans(unit_id),
        sa.select(Task.plan_id).where(Task.lead_unit_id == unit_id),
        sa.select(Task.plan_id).where(Task.id.in_(sa.select(coordinated.c.task_id))),
    )


def visible_plans(user: User) -> sa.ColumnElement[bool]:
    """A clause over `Plan`: plans holding at least one task the user may see.

    The plan itself is a public document sent to every unit it names, so whoever sees
    one of its tasks may read the whole plan table; task pages stay guarded by can_view.
    """
    if user.role in SEE_ALL_ROLES:
        return sa.true()
    return Plan.id.in_(visible_plan_ids(user.unit_id))
