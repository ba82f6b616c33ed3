"""A unit's workspace: what it leads, what it supports, what it must verify, and the actions
each user may take on each row, in a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from models import Plan, Report, Task, TaskState, TaskUnit, Unit, UnitGroup, User, db
from reports import task_rows
from reports.progress import (
    Page,
    TaskFilter,
    paginate_rows,
    unit_lead_and_coordinating,
)
from reports.task_rows import TaskRow, UnitRef
from workflow import clock
from workflow.permissions import allowed_events


@dataclass
class Workspace:
    lead: Page
    coordinating: Page
    to_verify: list[TaskRow]
    # task id -> the events this user may fire on it now (the in-place buttons)
    actions: dict[int, list[str]]
    # All the reported tasks waiting, of which `to_verify` holds the oldest TO_VERIFY_SHOWN.
    to_verify_total: int = 0


# The workspace lists the oldest reports waiting; the inbox has them all, each with its
# one-step action. A department tracking a city-wide plan may have thousands waiting.
TO_VERIFY_SHOWN = 50


def _ordered(where: sa.ColumnElement[bool], task_filter: TaskFilter, today: date) -> sa.Select:
    return task_rows.row_select(where, *task_filter.clauses(today)).order_by(
        *task_rows.deadline_order()
    )


def _first_awaiting_verification(unit_id: int, limit: int) -> tuple[list[TaskRow], int]:
    """The oldest reports waiting for this unit's verification and how many wait in all
    (one statement, the count a window over the same rows)."""
    rows = db.session.execute(
        task_rows.row_select(Plan.tracking_unit_id == unit_id, Task.state == TaskState.REPORTED)
        .add_columns(sa.func.count().over())
        .order_by(Task.reported_at, Task.id)
        .limit(limit)
    ).all()
    return task_rows.to_rows(rows), (int(rows[0][-1]) if rows else 0)


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
    """The user's unit's lead and coordinating tasks (filtered, paginated) and their actions,
    as Core rows: a fixed number of statements, and no ORM objects for the lists."""
    today = clock.today()
    lead_where, coordinating_where = unit_lead_and_coordinating(user.unit_id)
    lead = paginate_rows(
        _ordered(lead_where, task_filter, today), lead_page, per_page, build=task_rows.to_rows
    )
    coordinating = paginate_rows(
        # Whatever the unit coordinates it may see (can_view), so no visibility clause.
        _ordered(coordinating_where, task_filter, today),
        coord_page,
        per_page,
        build=task_rows.to_rows,
    )
    to_verify, to_verify_total = (
        _first_awaiting_verification(user.unit_id, TO_VERIFY_SHOWN)
        if user.role == "coordinator"
        else ([], 0)
    )
    # A task can be listed twice (led and awaiting this unit's verification): its row is
    # completed once per list, from the same two statements.
    rows = task_rows.complete(lead.items + coordinating.items + to_verify)
    authors = last_report_authors_by_task([t.id for t in rows if t.state == TaskState.REPORTED])
    actions = {t.id: allowed_events(t, user, authors.get(t.id, set())) for t in rows}
    return Workspace(lead, coordinating, to_verify, actions, to_verify_total)


def export_rows(user: User, task_filter: TaskFilter) -> list[tuple[str, TaskRow]]:
    """Every lead and coordinating task of the user's unit matching the filter, as
    ("lead"|"coordinating", row) with every unit each task names (lead and coordinating
    columns), from three Core statements (no ORM objects, no per-row permission checks:
    an export has no buttons). A district office's thousands of rows stay cheap."""
    today = clock.today()
    lead_where, coordinating_where = unit_lead_and_coordinating(user.unit_id)
    out: list[tuple[str, TaskRow]] = []
    rows_by_id: dict[int, list[TaskRow]] = {}
    for role, where in (("lead", lead_where), ("coordinating", coordinating_where)):
        for row in task_rows.to_rows(db.session.execute(_ordered(where, task_filter, today)).all()):
            rows_by_id.setdefault(row.id, []).append(row)
            out.append((role, row))
    # The units each task names, for the lead and coordinating columns (one statement).
    named = (
        sa.select(TaskUnit.task_id, TaskUnit.role, TaskUnit.mention, Unit.name, UnitGroup.name)
        .outerjoin(Unit, TaskUnit.unit_id == Unit.id)
        .outerjoin(UnitGroup, TaskUnit.group_id == UnitGroup.id)
        .where(
            TaskUnit.task_id.in_(
                sa.select(Task.id).where(
                    sa.or_(lead_where, coordinating_where), *task_filter.clauses(today)
                )
            )
        )
        .order_by(TaskUnit.task_id, TaskUnit.position)
    )
    for task_id, role, mention, unit_name, group_name in db.session.execute(named).all():
        for row in rows_by_id.get(task_id, []):
            row.units.append(UnitRef(unit_name or group_name or mention or "", role))
    return out
