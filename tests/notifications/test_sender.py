"""Delivery through a real SMTP server on loopback: exactly once, through faults."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditEvent, OutboxState, Task, TaskState, db
from notifications import jobs, sender
from notifications.planner import plan_for_day
from notifications.policy import load_policy
from notifications.sender import claim, send_pending
from tests.notifications.conftest import at, outbox_rows, task_of
from workflow import clock

DAY = date(2024, 6, 16)


def _keys(received) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted((r.recipients[0], r.subject) for r in received)


def test_send_delivers_vietnamese_html_and_text_with_links(demo_app, smtp, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    result = send_pending(policy)
    assert result.sent == 15 and len(smtp.received) == 15
    mail = next(r for r in smtp.received if r.recipients == ["gdtx.member@planwork.demo"])
    task = task_of("2417/KH-SGDĐT", mail.subject.split("nhiệm vụ ")[1].split(" ")[0])
    assert "Còn 14 ngày" in mail.subject and "hạn 30/06/2024" in mail.subject
    text, html = mail.text(), mail.html()
    assert "Kính gửi: Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học" in text
    assert f"http://127.0.0.1:5000/tasks/{task.id}" in text
    assert "http://127.0.0.1:5000/my-tasks" in text
    assert f'href="http://127.0.0.1:5000/tasks/{task.id}"' in html
    assert "<strong>14 ngày</strong>" in html
    assert mail.message["Auto-Submitted"] == "auto-generated"
    rows = outbox_rows()
    assert {r.state for r in rows} == {OutboxState.SENT}
    assert {r.message_id for r in rows} == {r.message_id for r in smtp.received}
    # Nothing new on a second run of both.
    plan_for_day(DAY, policy)
    assert send_pending(policy).sent == 0 and len(smtp.received) == 15


def test_smtp_down_for_a_day_then_recovering_delivers_each_once(demo_app, smtp_down, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    start = clock.now()
    for hour in range(24):  # the scheduler keeps trying through a day without a mail server
        clock.freeze(start + timedelta(hours=hour))
        result = jobs.run_sending(policy)
        assert result is not None and result.sent == 0
    rows = outbox_rows()
    assert {r.state for r in rows} == {OutboxState.PENDING}
    assert all(r.attempts >= 5 and "Connection refused" in (r.last_error or "") for r in rows)
    attempts_after_a_day = rows[0].attempts
    assert attempts_after_a_day < policy.max_attempts  # back-off kept it from giving up
    smtp_down.start()
    for hour in range(24, 30):
        clock.freeze(start + timedelta(hours=hour))
        jobs.run_sending(policy)
    assert len(smtp_down.received) == 15
    assert len({r.message_id for r in smtp_down.received}) == 15
    assert {r.state for r in outbox_rows()} == {OutboxState.SENT}


def test_backoff_doubles_and_is_capped(policy):
    assert [policy.backoff_seconds(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert policy.backoff_seconds(30) == policy.backoff_max_seconds


def test_failed_after_last_retry_then_admin_resend_is_audited(demo_app, smtp_down, policy_file):
    from notifications.outbox import resend
    from tests.notifications.conftest import users_by_name

    few = load_policy(
        policy_file(
            'holidays_file = "holidays_vn.json"\n[sender]\nmax_attempts = 2\n'
            "backoff_base_seconds = 60\n"
        )
    )
    at(DAY)
    plan_for_day(DAY, few)
    send_pending(few)
    clock.freeze(clock.now() + timedelta(minutes=5))
    send_pending(few)
    rows = outbox_rows()
    assert {r.state for r in rows} == {OutboxState.FAILED}
    clock.freeze(clock.now() + timedelta(days=1))
    assert send_pending(few).claimed == 0  # failed mails stay put until someone resends
    admin = users_by_name("sgddt.admin")
    smtp_down.start()
    resend(rows[0].id, admin)
    assert send_pending(few).sent == 1
    assert len(smtp_down.received) == 1
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "outbox.resend")
    ).scalar_one()
    assert event.object_id == rows[0].id and event.actor_id == admin.id


def test_sender_killed_after_claiming_loses_nothing(demo_app, smtp, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    token, claimed = claim(policy, limit=5)  # this sender now "dies": never sends, never marks
    assert len(claimed) == 5
    result = send_pending(policy)  # another sender, within the lease, leaves those alone
    assert result.sent == 10
    clock.freeze(clock.now() + timedelta(seconds=policy.lease_seconds + 1))
    assert send_pending(policy).sent == 5
    assert len(smtp.received) == 15
    assert len({r.message_id for r in smtp.received}) == 15


def test_crash_between_send_and_commit_resends_with_same_message_id(
    demo_app, smtp, policy, monkeypatch
):
    at(DAY)
    plan_for_day(DAY, policy)

    class Killed(BaseException):
        pass

    real_mark = sender.mark_sent
    calls = {"n": 0}

    def dies_on_third(row_id: int, token: str) -> bool:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed  # the server accepted mail 3, the process died before recording it
        return real_mark(row_id, token)

    monkeypatch.setattr(sender, "mark_sent", dies_on_third)
    with pytest.raises(Killed):
        send_pending(policy)
    db.session.rollback()
    monkeypatch.setattr(sender, "mark_sent", real_mark)
    assert len(smtp.received) == 3
    clock.freeze(clock.now() + timedelta(seconds=policy.lease_seconds + 1))
    send_pending(policy)
    # At-least-once: the one mail in flight went twice, with one Message-ID, so it is one mail.
    assert len(smtp.received) == 16
    assert len(smtp.unique()) == 15
    ids = [r.message_id for r in smtp.received]
    assert len(set(ids)) == 15 and ids.count(ids[2]) == 2
    assert {r.state for r in outbox_rows()} == {OutboxState.SENT}


def test_message_id_is_derived_from_the_outbox_key(demo_app, policy):
    from notifications.outbox import message_id_for

    plan_for_day(DAY, policy)
    rows = outbox_rows()
    assert all(r.message_id == message_id_for(r.dedupe_key) for r in rows)
    assert len({r.message_id for r in rows}) == len(rows)


@pytest.mark.parametrize("with_lease", [True, False])
def test_two_schedulers_at_once_send_each_mail_once(demo_app, smtp, policy, with_lease):
    at(DAY)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler() -> None:
        with demo_app.app_context():
            try:
                barrier.wait()
                if with_lease:
                    jobs.run_planning(DAY, policy)
                    jobs.run_sending(policy)
                else:  # even without the lease, planning dedupes and claiming never overlaps
                    plan_for_day(DAY, policy)
                    send_pending(policy)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    jobs.run_sending(policy)  # whatever a skipped scheduler left is sent by the next run
    assert len(smtp.received) == 15
    assert len({r.message_id for r in smtp.received}) == 15
    assert len(outbox_rows()) == 15


def test_second_scheduler_is_harmless_while_the_lease_is_held(demo_app, policy):
    from notifications import locks

    at(DAY)
    with locks.lease(jobs.PLAN_JOB_ID, 600) as first:
        assert first
        assert jobs.run_planning(DAY, policy) == []  # the "other scheduler" skips
        assert outbox_rows() == []
    assert jobs.run_planning(DAY, policy)[-1].inserted == 15
    # A holder that died: its lease expires and the next scheduler takes over.
    assert locks.acquire(jobs.SEND_JOB_ID, "dead-host:1", 60)
    assert jobs.run_sending(policy) is None
    clock.freeze(clock.now() + timedelta(seconds=61))
    assert jobs.run_sending(policy) is not None


def test_reminder_for_a_task_reported_before_sending_is_not_sent(demo_app, smtp, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    task = task_of("2417/KH-SGDĐT", "2.1")
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(state=TaskState.REPORTED))
    db.session.commit()
    result = send_pending(policy)
    assert result.obsolete == 5 and result.sent == 10
    assert not any("2.1" in r.subject for r in smtp.received)
    states = {r.state for r in outbox_rows() if r.task_id == task.id}
    assert states == {OutboxState.OBSOLETE}
