"""The audit trail: one event per change, append-only in the database, a verifiable chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from models import AuditEvent, db
from tests.foundation.helpers import event_count, events_for, find_task
from workflow import task_edits, task_reports
from workflow import tasks as svc
from workflow.audit import client_address, verify_chain


def _drop_triggers() -> None:
    # End the session's transaction first: on PostgreSQL its read lock would block the DDL.
    db.session.rollback()
    if db.engine.dialect.name == "sqlite":
        statements = [
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ]
    else:
        statements = ["DROP TRIGGER audit_events_no_update ON audit_events"]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _verify_cli(app):  # noqa: ANN001
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_each_change_writes_exactly_one_event_with_its_facts(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    member, coordinator = users("gdtx.member"), users("gdtx.coordinator")
    with client_address("10.1.2.3"):
        steps = [
            lambda: svc.start_task(task.id, member, expected_version=None),
            lambda: task_reports.submit_report(
                task.id, member, expected_version=None, text="Đã làm"
            ),
            lambda: svc.return_task(
                task.id, coordinator, expected_version=None, reason="Thiếu số liệu"
            ),
        ]
        for step in steps:
            before = event_count()
            step()
            assert event_count() == before + 1
    start, report, returned = events_for(task.id)[-3:]
    assert (start.action, start.actor_id, start.before, start.after) == (
        "task.start",
        member.id,
        {"state": "assigned"},
        {"state": "in_progress"},
    )
    assert start.unit_id == member.unit_id and start.client_addr == "10.1.2.3"
    assert report.after["report_text"] == "Đã làm"
    assert (returned.action, returned.reason, returned.actor_name) == (
        "task.return",
        "Thiếu số liệu",
        coordinator.full_name,
    )
    assert returned.plan_id == task.plan_id


def test_contribution_edit_and_reassign_are_audited(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    before = event_count()
    task_reports.add_contribution(
        task.id, users("vps.member"), text="Văn phòng đã chuẩn bị hội trường"
    )
    task_edits.update_task(
        task.id,
        users("gdtx.coordinator"),
        expected_version=None,
        reason="Lùi lịch",
        changes={"timeframe_text": "Quý I năm 2025"},
    )
    task_edits.reassign_lead(
        task.id,
        users("gdtx.coordinator"),
        expected_version=None,
        unit_id=users("cttt.member").unit_id,
        reason="Phân công lại",
    )
    actions = [e.action for e in events_for(task.id)][-3:]
    assert actions == ["task.contribute", "task.update", "task.reassign"]
    assert event_count() == before + 3


def test_logins_and_failed_logins_are_audited(demo_app):
    from workflow.users import authenticate

    before = event_count()
    assert authenticate("gdtx.member", "planwork-demo") is not None
    assert authenticate("gdtx.member", "wrong-password") is None
    actions = (
        db.session.execute(sa.select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(2))
        .scalars()
        .all()
    )
    assert actions == ["user.login_failed", "user.login"]
    assert event_count() == before + 2


def test_demo_load_is_audited(demo_app):
    counts = dict(
        db.session.execute(
            sa.select(AuditEvent.action, sa.func.count()).group_by(AuditEvent.action)
        ).all()
    )
    assert counts["unit.create"] == 69 and counts["plan.create"] == 2
    assert counts["task.create"] == 69 and counts["user.create"] == 84


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET reason = 'sửa' WHERE seq = 5",
        "DELETE FROM audit_events WHERE seq = 5",
    ],
)
def test_database_refuses_update_and_delete(demo_app, statement):
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert verify_chain().intact


def test_chain_is_intact_after_activity(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "1.1")
    svc.start_task(task.id, users("gdtx.member"), expected_version=None)
    report = verify_chain()
    assert report.intact and report.checked == event_count()
    result = _verify_cli(demo_app)
    assert result.exit_code == 0 and "nguyên vẹn" in result.output


def test_verify_names_an_edited_event(demo_app):
    target = db.session.execute(sa.select(AuditEvent).where(AuditEvent.seq == 40)).scalar_one()
    _drop_triggers()
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(AuditEvent.__table__)
            .where(AuditEvent.__table__.c.seq == 40)
            .values(reason="đã sửa lén")
        )
    db.session.expire_all()
    report = verify_chain()
    assert not report.intact and report.bad_event_id == target.id
    assert report.checked == 39
    result = _verify_cli(demo_app)
    assert result.exit_code == 1 and f"#{target.id}" in result.output


def test_verify_names_a_deleted_event(demo_app):
    after_gap = db.session.execute(sa.select(AuditEvent).where(AuditEvent.seq == 41)).scalar_one()
    _drop_triggers()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_events WHERE seq = 40")
    db.session.expire_all()
    report = verify_chain()
    assert not report.intact and report.bad_event_id == after_gap.id
    assert "40" in report.problem
    assert _verify_cli(demo_app).exit_code == 1


def test_verify_catches_a_deleted_last_event(demo_app):
    last = event_count()
    _drop_triggers()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM audit_events WHERE seq = {last}")
    db.session.expire_all()
    report = verify_chain()
    assert not report.intact and report.bad_seq == last


@pytest.mark.parametrize("forged_hash", ["f" * 64, None])
def test_verify_catches_an_inserted_event(demo_app, forged_hash):
    # No trigger stops an INSERT; the chain must. A forger who recomputes the hash of an
    # appended row is still caught because the chain head does not know the row.
    from workflow.audit import event_hash

    last = db.session.execute(
        sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one()
    fake = AuditEvent(
        seq=last.seq + 1,
        occurred_at=last.occurred_at,
        actor_id=None,
        actor_name="Kẻ giả mạo",
        action="task.verify",
        object_type="task",
        object_id=1,
        plan_id=1,
        before={"state": "reported"},
        after={"state": "verified"},
        prev_hash=last.hash,
        hash="",
    )
    fake.hash = forged_hash or event_hash(fake)
    values = {c.name: getattr(fake, c.name) for c in AuditEvent.__table__.columns if c.name != "id"}
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(sa.insert(AuditEvent.__table__).values(**values))
    db.session.expire_all()
    report = verify_chain()
    assert not report.intact
    assert report.bad_seq == last.seq + 1
