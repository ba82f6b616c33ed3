"""A plan's page: its items with lead and coordinating units, state and sub-task roll-up."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import Plan, Role, Task, TaskUnit, UnitGroup, UnitRole, db
from workflow.rollup import progress

bp = Blueprint("plans", __name__, url_prefix="/plans")


def _items(plan_id: int) -> list[Task]:
    """The plan's top-level items in document order, sub-tasks and units loaded."""
    units = selectinload(Task.units)
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
            .order_by(Task.position)
            .options(
                units.selectinload(TaskUnit.unit),
                units.selectinload(TaskUnit.group).selectinload(UnitGroup.members),
                selectinload(Task.subtasks).selectinload(Task.lead_unit),
                selectinload(Task.lead_unit),
            )
        ).scalars()
    )


def _may_view(plan: Plan, items: list[Task]) -> bool:
    """Admins, inspectors and coordinators see every plan; members see the plans their unit
    tracks, issued, leads or coordinates an item of."""
    if current_user.role in (Role.ADMIN, Role.INSPECTOR, Role.COORDINATOR):
        return True
    unit_id = current_user.unit_id
    if unit_id in (plan.tracking_unit_id, plan.issuer_id):
        return True
    for task in items:
        if task.lead_unit_id == unit_id or any(s.lead_unit_id == unit_id for s in task.subtasks):
            return True
        for row in task.units:
            if row.unit_id == unit_id:
                return True
            if row.group is not None and any(m.id == unit_id for m in row.group.members):
                return True
    return False


def _row(task: Task) -> dict[str, Any]:
    names = {role: [tu.display_name for tu in task.units if tu.role == role] for role in UnitRole}
    review = {
        role: [tu.mention for tu in task.units if tu.role == role and tu.needs_review]
        for role in UnitRole
    }
    done, counted = progress([s.state for s in task.subtasks])
    return {
        "task": task,
        "lead": names[UnitRole.LEAD],
        "coordinating": names[UnitRole.COORDINATING],
        "lead_review": review[UnitRole.LEAD],
        "coordinating_review": review[UnitRole.COORDINATING],
        "subtasks": task.subtasks,
        "rollup": f"{done}/{counted}" if task.subtasks else None,
    }


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int) -> str:
    """The plan's items: STT, content, lead, coordinating, timeframe, state."""
    plan = db.get_or_404(Plan, plan_id)
    items = _items(plan_id)
    if not _may_view(plan, items):
        abort(403)
    return render_template(
        "plans/show.html",
        plan=plan,
        rows=[_row(t) for t in items],
    )
