"""A unit's workspace: what it leads, what it supports, what it must verify, and the actions
each user may take on each row, in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Report, Task, TaskState, User, db
from reports.progress import Page, TaskFilter, paginate, unit_lead_and_coordinating
from reports.queries import awaiting_verification
from workflow import clock
from workflow.permissions import allowed_events


@dataclass
class Workspace:
    lead: Page
    coordinating: Page
    to_verify: list[Task]
    # task id -> the events this user may fire on it now (the in-place buttons)
    actions: dict[int, list[str]]


def _ordered(where: sa.ColumnElement[bool], task_filter: TaskFilter, today: date) -> sa.Select:
    return (
        sa.select(Task)
        .where(where, *task_filter.clauses(today))
        .order_by(Task.due_on.is_(None), Task.due_on, Task.plan_id, Task.position)
    )


def last_report_authors_by_task(task_ids: list[int]) -> dict[int, set[int]]:
    """Who wrote each task's latest report (one statement for all): nobody verifies their own."""
    if not task_ids:
        return {}
    latest = (
        sa.select(sa.func.max(Report.id))
        .where(Report.task_id.in_(task_ids))
        .group_by(Report.task_id)
    )
    rows = db.session.execute(
        sa.select(Report.task_id, Report.author_id, Report.on_behalf_of_id).where(
            Report.id.in_(latest)
        )
    ).all()
    return {task_id: {i for i in (a, b) if i is not None} for task_id, a, b in rows}


def workspace(
    user: User, task_filter: TaskFilter, lead_page: int = 1, coord_page: int = 1, per_page: int = 50
) -> Workspace:
    """The user's unit's lead and coordinating tasks (filtered, paginated) and their actions."""
    today = clock.today()
    lead_where, coordinating_where = unit_lead_and_coordinating(user.unit_id)
    lead = paginate(_ordered(lead_where, task_filter, today), lead_page, per_page)
    coordinating = paginate(
        # Whatever the unit coordinates it may see (can_view), so no visibility clause.
        _ordered(coordinating_where, task_filter, today),
        coord_page,
        per_page,
    )
    to_verify = awaiting_verification(user.unit_id) if user.role == "coordinator" else []
    rows = lead.items + coordinating.items + to_verify
    # Permission checks read the plan's tracking unit, sub-tasks and parents: loaded once.
    if rows:
        db.session.execute(
            sa.select(Task)
            .where(Task.id.in_([t.id for t in rows]))
            .options(
                selectinload(Task.plan),
                selectinload(Task.subtasks),
            )
        ).all()
    authors = last_report_authors_by_task([t.id for t in rows if t.state == TaskState.REPORTED])
    actions = {t.id: allowed_events(t, user, authors.get(t.id, set())) for t in rows}
    return Workspace(lead, coordinating, to_verify, actions)
