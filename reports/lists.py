"""Reads behind the task lists' furniture: a person's saved filters, the selected tasks of a
bulk export, the units a selection may be handed to. Never writes."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Plan, SavedFilter, Task, TaskUnit, Unit, User, db
from workflow.permissions import can_view


@dataclass(frozen=True)
class SavedLink:
    """One saved filter as a link above its list."""

    id: int
    name: str
    query: str


def saved_filters(user: User, list_name: str) -> list[SavedLink]:
    """The user's saved filters of one list, by name (one statement)."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = db.session.execute(
        sa.select(SavedFilter.id, SavedFilter.name, SavedFilter.query)
        .where(SavedFilter.user_id == user.id, SavedFilter.list_name == list_name)
        .order_by(SavedFilter.name, SavedFilter.id)
    ).all()
    return [SavedLink(*row) for row in rows]


def selected_tasks(user: User, ids: list[int]) -> tuple[list[Task], int]:
    """The selected tasks the user may see, in the order chosen, with what the export
    columns read; and how many of the ids were unknown or not the user's to see."""
    tasks = {
        t.id: t
        for t in db.session.execute(
            sa.select(Task)
            .where(Task.id.in_(ids))
            .options(
                selectinload(Task.plan),
                selectinload(Task.lead_unit),
                selectinload(Task.units).selectinload(TaskUnit.unit),
                selectinload(Task.units).selectinload(TaskUnit.group),
                selectinload(Task.subtasks),
                selectinload(Task.parent).selectinload(Task.units),
            )
        ).scalars()
    }
    shown = [tasks[i] for i in ids if i in tasks and can_view(tasks[i], user)]
    return shown, len(ids) - len(shown)


def reassign_targets() -> list[tuple[int, str]]:
    """The active units a selection can be handed to, by name."""
    return [
        (uid, name)
        for uid, name in db.session.execute(
            sa.select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)
        ).all()
    ]


def plan_label(plan: Plan | None) -> str:
    """A plan's number, or the start of its title when it has none."""
    if plan is None:
        return ""
    return plan.number or plan.title[:60]
