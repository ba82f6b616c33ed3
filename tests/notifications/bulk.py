"""Bulk-built tasks for the query-count test and the benchmark (core inserts, no audit)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from models import Plan, Task, TaskUnit, Unit, db


def add_tasks(count: int, around: date) -> None:
    """Add `count` open tasks to the first demo plan, due around `around`, with leads and
    coordinating units spread over the directory."""
    plan_id = db.session.execute(sa.select(Plan.id).order_by(Plan.id).limit(1)).scalar_one()
    units = list(db.session.execute(sa.select(Unit.id).order_by(Unit.id)).scalars())
    start = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(Task.id), 0))).scalar_one()
    offsets = [-8, -1, 1, 7, 14, 30, 45]
    tasks, links = [], []
    for i in range(count):
        task_id = start + 1 + i
        due = around + timedelta(days=offsets[i % len(offsets)])
        lead = units[i % len(units)]
        tasks.append(
            {
                "id": task_id,
                "plan_id": plan_id,
                "position": 1000 + task_id,
                "number": f"B{task_id}",
                "title": f"Nhiệm vụ thử số {task_id}",
                "periods": [],
                "due_on": due,
                "ongoing": False,
                "state": "assigned",
                "lead_unit_id": lead,
                "reported_late": False,
                "version": 1,
            }
        )
        links.append({"task_id": task_id, "unit_id": lead, "role": "lead", "mention": "x"})
        coord = units[(i * 7 + 3) % len(units)]
        if coord != lead:
            links.append(
                {"task_id": task_id, "unit_id": coord, "role": "coordinating", "mention": "y"}
            )
    db.session.execute(sa.insert(Task.__table__), tasks)
    db.session.execute(sa.insert(TaskUnit.__table__), links)
    db.session.commit()
