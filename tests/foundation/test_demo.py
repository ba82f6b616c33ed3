"""The demo: directory, users, plans and, by default, a replayed year of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from demo.loader import load_demo
from models import AuditEvent, Task, TaskState, Unit, User, db
from tests.foundation.helpers import find_task
from workflow.audit import verify_chain
from workflow.clock import to_local


def test_history_replays_a_year_through_the_workflow(app):
    load_demo(history=True)
    item3 = find_task("4403/KH-SGDĐT", "3")
    assert item3.state == TaskState.VERIFIED
    verified = db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.object_id == item3.id, AuditEvent.action == "task.verify"
        )
    ).scalar_one()
    verifier = db.session.get(User, verified.actor_id)
    assert verifier.username == "gdtx.coordinator"
    assert to_local(verified.occurred_at).replace(tzinfo=None) == datetime(2024, 9, 27, 9, 20)
    # Item 2 was returned once with its reason and verified after a late second report.
    item2 = find_task("4403/KH-SGDĐT", "2")
    assert item2.state == TaskState.VERIFIED and item2.reported_late
    assert (
        db.session.execute(
            sa.select(AuditEvent.reason).where(
                AuditEvent.object_id == item2.id, AuditEvent.action == "task.return"
            )
        )
        .scalar_one()
        .startswith("Thiếu danh sách")
    )
    # The walk-through items stay untouched for new users and the reminder example.
    for number in ("1.2", "2.1", "2.2", "3.1"):
        assert find_task("2417/KH-SGDĐT", number).state == TaskState.ASSIGNED
    assert verify_chain().intact
    first_plan_event = db.session.execute(
        sa.select(AuditEvent.occurred_at).where(AuditEvent.action == "plan.create").limit(1)
    ).scalar_one()
    assert first_plan_event.year == 2024


def test_demo_cli_loads_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--no-history"])
    assert first.exit_code == 0 and "planwork-demo" in first.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 1
    skipped = runner.invoke(args=["demo", "load", "--if-empty"])
    assert skipped.exit_code == 0 and "không nạp lại" in skipped.output
    count = db.session.execute(sa.select(sa.func.count(Task.id))).scalar_one()
    assert count == 69


def test_history_gives_the_year_end_annex_real_values(app):
    from reports.indicators import annex_rows

    load_demo(history=True)
    unit_ids = (
        db.session.execute(sa.select(Unit.id).where(Unit.code.in_(["GDTRH", "VPS", "PGD-Q1"])))
        .scalars()
        .all()
    )
    rows = annex_rows(list(unit_ids), 2024)
    text = " ".join(str(vars(r)) for r in rows)
    assert "99,07" in text and "Rất tốt" in text
