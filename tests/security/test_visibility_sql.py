"""The two SQL forms of a unit's visibility agree: the UNION of visible ids that lists and
counts filter by, and its branches as clauses over `Task` that the dashboard's short lists
filter within (reports/visibility.py)."""

from __future__ import annotations

import sqlalchemy as sa

from models import Task, Unit, User, db
from reports import progress
from reports.visibility import visible_task_branches, visible_task_ids, visible_tasks
from workflow import clock


def test_the_branches_select_exactly_the_visible_tasks_of_every_unit(demo_app):
    unit_ids = db.session.execute(sa.select(Unit.id)).scalars().all()
    seen = 0
    for unit_id in unit_ids:
        by_union = set(
            db.session.execute(
                sa.select(Task.id).where(Task.id.in_(visible_task_ids(unit_id)))
            ).scalars()
        )
        by_branches = set(
            db.session.execute(
                sa.select(Task.id).where(sa.or_(*visible_task_branches(unit_id)))
            ).scalars()
        )
        assert by_branches == by_union, unit_id
        seen += bool(by_union)
    assert seen >= 10


def _reference_list(user: User, clauses: list) -> list[int]:
    """The dashboard list as it was first written: every visible task, filtered, sorted."""
    return list(
        db.session.execute(
            sa.select(Task.id)
            .where(visible_tasks(user), progress.is_leaf(), progress.live_plan(), *clauses)
            .order_by(Task.due_on, Task.id)
            .limit(progress.LIST_LIMIT)
        ).scalars()
    )


def test_the_dashboard_lists_are_the_first_visible_tasks_by_deadline(demo_app):
    today = clock.today()
    overdue = progress.TaskFilter(overdue=True).clauses(today)
    due_soon = progress.TaskFilter(due_soon=True).clauses(today)
    users = db.session.execute(sa.select(User).where(User.unit_id.is_not(None))).scalars().all()
    listed = 0
    for user in users:
        board = progress.dashboard(user)
        assert [t.id for t in board.overdue] == _reference_list(user, overdue), user.username
        assert [t.id for t in board.due_soon] == _reference_list(user, due_soon), user.username
        listed += len(board.overdue)
    assert listed
