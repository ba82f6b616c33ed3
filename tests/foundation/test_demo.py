"""The demo: directory, users, plans and, by default, a replayed year of work."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from demo.loader import load_demo
from models import AuditEvent, Task, TaskState, Unit, User, db
from tests.foundation.helpers import find_task
from workflow import clock
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


# The current year's plan (issue 14): dates around "today", live work in the default quarter.
LIVE_TODAY = datetime(2027, 2, 17, 3, 0)  # 10:00 on Wednesday 17/02/2027 in Vietnam


def _load_live(today: datetime = LIVE_TODAY) -> int:
    from demo.loader import load_live_plan

    load_demo(history=True)
    plan_id = load_live_plan(today=to_local(today).date())
    clock.freeze(today)
    return plan_id


def test_live_plan_puts_work_in_the_default_quarter(app):
    from models import ExplanationRequest, ExtensionRequest, Plan, RequestStatus
    from reports.progress import dashboard

    plan_id = _load_live()
    plan = db.session.get(Plan, plan_id)
    assert plan.year == 2027 and plan.number == "2027/KH-GDTX-MAU"
    coordinator = db.session.execute(
        sa.select(User).where(User.username == "gdtx.coordinator")
    ).scalar_one()
    board = dashboard(coordinator)
    assert board.quarter == "2027-Q1"
    live = next(r for r in board.plans if r.id == plan_id)
    # Overdue, due soon, reported (waiting for verification) and done, in this quarter.
    assert live.tally.buckets["open_overdue"] >= 3
    assert live.tally.states["reported"] == 3
    assert live.tally.states["verified"] == 1
    live_tasks = {
        t.id: t
        for t in db.session.execute(sa.select(Task).where(Task.plan_id == plan_id)).scalars()
    }
    soon = [t for t in board.due_soon if t.id in live_tasks]
    overdue = [
        t
        for t in live_tasks.values()
        if t.state in (TaskState.ASSIGNED, TaskState.IN_PROGRESS) and t.due_on < date(2027, 2, 17)
    ]
    assert len(soon) >= 3 and len(overdue) >= 4 and board.overdue_count >= len(overdue)
    assert all(date(2027, 2, 17) <= t.due_on <= date(2027, 3, 3) for t in soon)
    # A pending extension request and unanswered explanation requests on the live plan.
    pending = (
        db.session.execute(
            sa.select(ExtensionRequest)
            .join(Task, ExtensionRequest.task_id == Task.id)
            .where(Task.plan_id == plan_id, ExtensionRequest.status == RequestStatus.PENDING)
        )
        .scalars()
        .all()
    )
    assert len(pending) == 1 and pending[0].new_due_on > date(2027, 2, 17)
    asked = (
        db.session.execute(
            sa.select(ExplanationRequest)
            .join(Task, ExplanationRequest.task_id == Task.id)
            .where(Task.plan_id == plan_id, ExplanationRequest.explanation.is_(None))
        )
        .scalars()
        .all()
    )
    assert len(asked) == 2
    # The 2024 plans and their history stay as they were, and the chain holds.
    assert find_task("4403/KH-SGDĐT", "3").state == TaskState.VERIFIED
    assert verify_chain().intact


def test_demo_cli_adds_a_plan_of_this_year_around_today(app):
    from models import Plan

    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    today = clock.today()
    plans = db.session.execute(sa.select(Plan).order_by(Plan.id)).scalars().all()
    assert [p.year for p in plans] == [2024, 2024, today.year]
    dues = (
        db.session.execute(sa.select(Task.due_on).where(Task.plan_id == plans[-1].id))
        .scalars()
        .all()
    )
    assert min(dues) < today < max(dues)
    assert verify_chain().intact
