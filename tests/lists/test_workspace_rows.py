"""The workspace's Core rows (reports/task_rows.py) against the ORM model they replace:
every listed row carries the same facts as its `Task`, and offers the same actions."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Task, TaskUnit, UnitRole, User, db
from reports.progress import TaskFilter
from reports.workspace import last_report_authors_by_task, workspace
from workflow.permissions import allowed_events


def _orm_tasks(ids: set[int]) -> dict[int, Task]:
    rows = db.session.execute(
        sa.select(Task)
        .where(Task.id.in_(ids))
        .options(
            selectinload(Task.plan),
            selectinload(Task.lead_unit),
            selectinload(Task.subtasks),
            selectinload(Task.units).selectinload(TaskUnit.unit),
            selectinload(Task.units).selectinload(TaskUnit.group),
        )
    ).scalars()
    return {t.id: t for t in rows}


def test_every_workspace_row_agrees_with_its_task(demo_app):
    users = db.session.execute(sa.select(User).order_by(User.id)).scalars().all()
    seen_fanned_out = seen_unled = seen_listed_twice = 0
    for user in users:
        if user.unit_id is None:
            continue
        space = workspace(user, TaskFilter(), per_page=500)
        rows = space.lead.items + space.coordinating.items + space.to_verify
        if not rows:
            continue
        tasks = _orm_tasks({r.id for r in rows})
        authors = last_report_authors_by_task(list(tasks))
        ids = [r.id for r in rows]
        seen_listed_twice += len(ids) - len(set(ids))
        for row in rows:
            task = tasks[row.id]
            assert (row.number, row.title, row.due_on, row.state, row.version) == (
                task.number,
                task.title,
                task.due_on,
                task.state,
                task.version,
            )
            assert (row.plan.number, row.plan.tracking_unit_id) == (
                task.plan.number,
                task.plan.tracking_unit_id,
            )
            assert row.subtasks == sorted(s.id for s in task.subtasks)
            seen_fanned_out += bool(row.subtasks)
            if task.lead_unit is None:
                assert row.lead_unit is None
                named = [tu.display_name for tu in task.units if tu.role == UnitRole.LEAD]
                assert [u.display_name for u in row.units] == named
                seen_unled += bool(named)
            else:
                assert row.lead_unit.name == task.lead_unit.name
            assert space.actions[row.id] == allowed_events(task, user, authors.get(row.id, set()))
    # The demo holds each case the rows must get right; without them the test proves little.
    assert seen_fanned_out and seen_unled and seen_listed_twice


def test_every_export_row_names_the_units_its_task_names(demo_app):
    """The workspace export's lead and coordinating columns come from the units each task
    names, on every row (a task the unit both leads and coordinates, through a group it
    belongs to, is listed twice and named in full both times)."""
    from reports.workspace import export_rows

    users = db.session.execute(sa.select(User).where(User.unit_id.is_not(None))).scalars().all()
    listed = 0
    for user in users:
        rows = export_rows(user, TaskFilter())
        tasks = _orm_tasks({row.id for _, row in rows})
        for _, row in rows:
            task = tasks[row.id]
            # The ORM relationship has no order on PostgreSQL; the export's is the plan's.
            assert sorted((u.role, u.display_name) for u in row.units) == sorted(
                (tu.role, tu.display_name) for tu in task.units
            )
            assert (row.plan.number, row.title, row.state) == (
                task.plan.number,
                task.title,
                task.state,
            )
        listed += len(rows)
    assert listed
