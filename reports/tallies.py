"""The dashboard's figures from kept tallies (models.counters), not from a recount.

A user's figures are the tallies of the plans they see whole (every plan for admins and
inspectors, the plans their unit tracks for the others) plus, for the rest of their share
(tasks they lead or coordinate in other plans), a live count over those few tasks through
the index-backed visibility of reports/visibility.py. Both halves give the same columns
(plan, lead unit, due date, state, QĐ 42 group, how many), so one GROUP BY reads them as
one; the tallies make an admin's quarter a sum over a few thousand rows instead of a scan
of every task.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import Plan, PlanStatus, Task, TaskState, TaskTally, User
from reports.visibility import SEE_ALL_ROLES, visible_task_ids

S = TaskState
OPEN_NOT_REPORTED = (S.ASSIGNED, S.IN_PROGRESS)

Filter = Callable[[Any], list[sa.ColumnElement[bool]]]


def bucket_case(state: Any, reported_late: Any, due_on: Any, today: date) -> sa.Case:
    """The QĐ 42 group over any (state, reported_late, due_on) columns; the rules of
    reports.progress.bucket_expr, case for case."""
    return sa.case(
        (sa.and_(state == S.VERIFIED, reported_late.is_(True)), "done_late"),
        (state == S.VERIFIED, "done_on_time"),
        (state == S.CANCELLED, "cancelled"),
        (sa.and_(state == S.REPORTED, reported_late.is_(True)), "open_overdue"),
        (sa.and_(state.in_(OPEN_NOT_REPORTED), due_on < today), "open_overdue"),
        else_="open_in_time",
    )


def _columns(entity: Any) -> SimpleNamespace:
    return SimpleNamespace(
        plan_id=entity.plan_id,
        lead_unit_id=entity.lead_unit_id,
        due_on=entity.due_on,
        state=entity.state,
        reported_late=entity.reported_late,
    )


def _live_plans(column: Any) -> sa.ColumnElement[bool]:
    return column.not_in(sa.select(Plan.id).where(Plan.status == PlanStatus.WITHDRAWN))


def figures(user: User, today: date, where: Filter) -> sa.Subquery:
    """The user's visible leaves as (plan_id, unit_id, due_on, state, bucket, n) rows,
    kept tallies for whole plans and a live count for the rest; `where` gives the filter
    over either side's columns."""
    tally = _columns(TaskTally)
    kept = sa.select(
        TaskTally.plan_id.label("plan_id"),
        TaskTally.lead_unit_id.label("unit_id"),
        TaskTally.due_on.label("due_on"),
        TaskTally.state.label("state"),
        bucket_case(tally.state, tally.reported_late, tally.due_on, today).label("bucket"),
        TaskTally.n.label("n"),
    ).where(_live_plans(TaskTally.plan_id), TaskTally.n != 0, *where(tally))
    if user.role in SEE_ALL_ROLES:
        return kept.subquery()
    tracked = sa.select(Plan.id).where(Plan.tracking_unit_id == user.unit_id)
    kept = kept.where(TaskTally.plan_id.in_(tracked))
    task = _columns(Task)
    sub = aliased(Task)
    live = sa.select(
        Task.plan_id,
        Task.lead_unit_id,
        Task.due_on,
        sa.cast(Task.state, sa.String(20)),
        bucket_case(task.state, task.reported_late, task.due_on, today),
        sa.literal(1),
    ).where(
        Task.id.in_(visible_task_ids(user.unit_id, tracked=False)),
        Task.plan_id.not_in(tracked),
        ~sa.exists().where(sub.parent_id == Task.id),
        _live_plans(Task.plan_id),
        *where(task),
    )
    return sa.union_all(kept, live).subquery()
