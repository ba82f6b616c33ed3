"""Small helpers shared by the foundation tests."""

from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, Plan, Task, db


def find_task(plan_number: str, item_number: str, lead_unit_code: str | None = None) -> Task:
    """The (top-level, or the sub-task led by the given unit) task of a demo plan item."""
    from models import Unit

    query = (
        sa.select(Task)
        .join(Plan, Task.plan_id == Plan.id)
        .where(Plan.number == plan_number, Task.number == item_number)
    )
    if lead_unit_code is None:
        query = query.where(Task.parent_id.is_(None))
    else:
        unit_id = sa.select(Unit.id).where(Unit.code == lead_unit_code).scalar_subquery()
        query = query.where(Task.lead_unit_id == unit_id, Task.parent_id.is_not(None))
    return db.session.execute(query).scalar_one()


def event_count() -> int:
    return db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()


def events_for(task_id: int) -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "task", AuditEvent.object_id == task_id)
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def force_state(task: Task, state) -> None:  # noqa: ANN001
    """Test set-up only: put a task in a state without going through the workflow."""
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(state=state))
    db.session.commit()
    db.session.expire_all()
