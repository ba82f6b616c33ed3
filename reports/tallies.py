"""The dashboard's figures from kept tallies (models.counters), not from a recount.

Admins and inspectors read the whole city's tallies; everyone else reads the tallies kept
for their unit, which count exactly the tasks reports/visibility.py lets the unit see.
Either way a quarter's figures are a sum over a few hundred or thousand rows (plan, lead
unit, due date, state, reported late, how many) instead of a walk over the tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from models import Plan, PlanStatus, TaskState, TaskTally, TaskViewTally, User
from reports.visibility import SEE_ALL_ROLES

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
    """The user's visible leaves as (plan_id, unit_id, due_on, state, bucket, n) rows:
    the whole city's tallies for admins and inspectors, the tallies kept for the user's
    unit (every task it may see) for the others; `where` filters over the columns."""
    model: Any = TaskTally if user.role in SEE_ALL_ROLES else TaskViewTally
    columns = _columns(model)
    query = sa.select(
        model.plan_id.label("plan_id"),
        model.lead_unit_id.label("unit_id"),
        model.due_on.label("due_on"),
        model.state.label("state"),
        bucket_case(columns.state, columns.reported_late, columns.due_on, today).label("bucket"),
        model.n.label("n"),
    ).where(_live_plans(model.plan_id), model.n != 0, *where(columns))
    if model is TaskViewTally:
        query = query.where(TaskViewTally.viewer_unit_id == user.unit_id)
    return query.subquery()
