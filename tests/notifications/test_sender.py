"""Delivery through a real SMTP server on loopback: one reminder mail a person a day,
true on the day it goes out, exactly once, through faults."""

from __future__ import annotations

import subprocess
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from models import AuditEvent, MailKind, OutboxState, Task, TaskState, db
from notifications import jobs, locks, sender
from notifications.outbox import PlannedMail, insert_ignoring_duplicates
from notifications.planner import plan_for_day
from notifications.policy import load_policy
from notifications.sender import claim, send_pending
from tests.notifications.conftest import at, outbox_rows, task_of, unit_addresses
from workflow import clock

DAY = date(2024, 6, 14)  # Friday: the 14-day reminders of 2.1, 2.2, 3.1 (due Sunday 30/06)
MONDAY = date(2024, 6, 17)
MANY = date(2024, 12, 17)  # 14 days before 31/12: every district office has a sub-task due


def _people(day: date, policy) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.recipient for m in plan_for_day(day, policy, dry_run=True).mails}


def test_one_mail_per_person_listing_every_line_in_vietnamese_with_links(demo_app, smtp, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    result = send_pending(policy)
    # 15 lines (3 tasks x 5 GDTX addresses) make 5 mails, one per person.
    assert result.sent == 5 and result.merged == 10 and len(smtp.received) == 5
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(unit_addresses("GDTX"))
    mail = next(r for r in smtp.received if r.recipients == ["gdtx.member@planwork.demo"])
    assert mail.subject == ("[PlanWork] Nhắc việc ngày 14/06/2024: 3 nhiệm vụ (3 sắp đến hạn)")
    text, html = mail.text(), mail.html()
    assert text.startswith("Kính gửi: Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học")
    # Counted on the day it goes out, sorted by urgency then item number, links each.
    lines = [ln for ln in text.splitlines() if ln.startswith("  - ")]
    assert [ln.split(" – ")[1].split(".")[0:2] for ln in lines] == [
        ["2", "1"],
        ["2", "2"],
        ["3", "1"],
    ]
    assert all(ln.startswith("  - Còn 16 ngày – ") for ln in lines)
    assert "hạn 30/06/2024 (Chủ nhật, ngày nghỉ)" in text
    for number in ("2.1", "2.2", "3.1"):
        task = task_of("2417/KH-SGDĐT", number)
        assert f"http://127.0.0.1:5000/tasks/{task.id}" in text
        assert f'href="http://127.0.0.1:5000/tasks/{task.id}"' in html
    assert "http://127.0.0.1:5000/my-tasks" in text
    assert "<strong>Còn 16 ngày</strong>" in html
    assert mail.message["Auto-Submitted"] == "auto-generated"
    rows = outbox_rows()
    assert {r.state for r in rows} == {OutboxState.SENT}
    carriers = [r for r in rows if r.last_error is None]
    assert {r.message_id for r in carriers} == {r.message_id for r in smtp.received}
    # The carrier keeps the mail as sent; the other lines say which mail carried them.
    by_recipient = {r.recipients[0]: r for r in smtp.received}
    assert all(r.subject == by_recipient[r.recipient].subject for r in carriers)
    merged = [r for r in rows if r.last_error]
    assert len(merged) == 10
    assert all(r.last_error.startswith("Gửi trong thư nhắc việc #") for r in merged)
    # Nothing new on a second run of both.
    plan_for_day(DAY, policy)
    assert send_pending(policy).sent == 0 and len(smtp.received) == 5


def test_long_vietnamese_subject_keeps_every_space_through_smtp(demo_app, smtp, policy):
    subject = (
        "[PlanWork] Tổng hợp ngày 01/01/2025: 21 nhiệm vụ quá hạn cần đôn đốc – Phòng Giáo "
        "dục thường xuyên - Chuyên nghiệp và Đại học; Công đoàn ngành Giáo dục Thành phố đã "
        "gửi báo cáo nhiệm vụ 1.10 – 2417/KH-SGDĐT  (hai dấu cách) Nghịêmtúcđượcviếtliềnnhau"
    )
    at(DAY)
    insert_ignoring_duplicates(
        [
            PlannedMail(
                dedupe_key="event:test|u1|-|subject|a@planwork.demo",
                kind=MailKind.EVENT,
                event="report",
                recipient="a@planwork.demo",
                planned_for=DAY,
                subject=subject,
                body_text="x",
                body_html="<p>x</p>",
            )
        ]
    )
    db.session.commit()
    assert send_pending(policy).sent == 1
    # The server parsed the raw bytes with the standard library's modern policy.
    assert smtp.received[0].subject == subject
    assert str(smtp.received[0].message["Subject"]) == subject
    # Every encoded-word fits RFC 2047's 75 characters.
    words = sender.encode_subject(subject).split(" ")
    assert len(words) > 5 and all(len(w) <= 75 for w in words)
    assert sender.encode_subject("[PlanWork] plain") == "[PlanWork] plain"


def test_smtp_down_for_a_day_then_weekend_then_monday_recounts(demo_app, smtp_down, policy):
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
    assert rows[0].attempts < policy.max_attempts  # back-off kept it from giving up
    smtp_down.start()
    for hour in range(24, 72):  # Saturday and Sunday: the server is back, no reminder goes
        clock.freeze(start + timedelta(hours=hour))
        jobs.run_sending(policy)
    assert smtp_down.received == []
    at(MONDAY, 6, 31)
    jobs.run_sending(policy)
    assert len(smtp_down.received) == 5
    assert len({r.message_id for r in smtp_down.received}) == 5
    # True on Monday: 13 days left, not the 16 of Friday's plan.
    assert all("3 nhiệm vụ (3 sắp đến hạn)" in r.subject for r in smtp_down.received)
    assert all("Còn 13 ngày – 2.1." in r.text() for r in smtp_down.received)
    assert not any("Còn 16 ngày" in r.text() for r in smtp_down.received)
    assert {r.state for r in outbox_rows()} == {OutboxState.SENT}


def test_at_most_one_reminder_a_person_a_day(demo_app, smtp, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    assert send_pending(policy).sent == 5
    # More lines for the same people turn up later that day (a re-plan, a catch-up):
    # they wait for the next working day and go out then, counted as of then.
    later = plan_for_day(date(2024, 6, 21), policy, dry_run=True).mails
    gdtx = [m for m in later if m.recipient in unit_addresses("GDTX")]
    insert_ignoring_duplicates(gdtx)
    db.session.commit()
    at(DAY, 15, 0)
    result = send_pending(policy)
    assert result.sent == 0 and result.postponed == len(gdtx) and len(smtp.received) == 5
    at(MONDAY, 6, 31)
    assert send_pending(policy).sent == 5
    monday = smtp.received[5:]
    assert all("Còn 13 ngày" in r.text() for r in monday)


def test_lines_no_longer_true_are_dropped_with_their_reason(demo_app, smtp, policy):
    at(DAY)
    plan_for_day(DAY, policy)
    task = task_of("2417/KH-SGDĐT", "2.1")
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(state=TaskState.REPORTED))
    db.session.commit()
    result = send_pending(policy)
    assert result.obsolete == 5 and result.sent == 5
    assert all("2 nhiệm vụ (2 sắp đến hạn)" in r.subject for r in smtp.received)
    assert not any(" – 2.1. " in r.text() for r in smtp.received)
    dropped = [r for r in outbox_rows() if r.task_id == task.id]
    assert {r.state for r in dropped} == {OutboxState.OBSOLETE}
    assert all("đã được báo cáo" in (r.last_error or "") for r in dropped)


def test_before_due_line_past_its_deadline_goes_out_as_overdue(demo_app, smtp, policy):
    """Planned on Friday 28/06 (1 day before Sunday's deadline: "Còn 2 ngày"), held by a
    dead mail server until Monday 01/07: it goes out as "Quá hạn 1 ngày", once, merged with
    Monday's own overdue line of the same task."""
    at(date(2024, 6, 28))
    plan_for_day(date(2024, 6, 28), policy)
    db.session.execute(
        sa.update(__import__("models").OutboxMessage).values(
            next_attempt_at=clock.now() + timedelta(days=3)
        )
    )
    db.session.commit()
    at(date(2024, 7, 1), 6, 31)
    plan_for_day(date(2024, 7, 1), policy)
    send_pending(policy)
    mail = next(r for r in smtp.received if r.recipients == ["gdtx.member@planwork.demo"])
    text = mail.text()
    assert "Còn " not in text and "Quá hạn 1 ngày – 2.1." in text
    assert text.count(" – 2.1. ") == 1
    assert sum(1 for r in smtp.received if r.recipients == ["gdtx.member@planwork.demo"]) == 1


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
    at(MONDAY)
    assert send_pending(few).claimed == 0  # failed mails stay put until someone resends
    admin = users_by_name("sgddt.admin")
    smtp_down.start()
    resend(rows[0].id, admin)
    assert send_pending(few).sent == 1
    assert len(smtp_down.received) == 1
    assert "Còn 13 ngày" in smtp_down.received[0].subject  # rendered as of the resend
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "outbox.resend")
    ).scalar_one()
    assert event.object_id == rows[0].id and event.actor_id == admin.id


def test_sender_killed_after_claiming_loses_nothing(demo_app, smtp, policy):
    at(MANY)
    plan_for_day(MANY, policy)
    people = _people(MANY, policy)
    token, claimed = claim(policy, limit=5)  # this sender now "dies": never sends, never marks
    held = {r.recipient for r in claimed}
    assert 1 <= len(held) <= 5  # a person's lines are claimed together
    assert len(claimed) == sum(1 for r in outbox_rows() if r.recipient in held)
    result = send_pending(policy)  # another sender, within the lease, leaves those alone
    assert result.sent == len(people) - len(held)
    clock.freeze(clock.now() + timedelta(seconds=policy.lease_seconds + 1))
    assert send_pending(policy).sent == len(held)
    assert len(smtp.received) == len(people)
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(people)


def test_claims_of_a_dead_sender_process_are_taken_back_at_once(demo_app, smtp, policy):
    at(MANY)
    plan_for_day(MANY, policy)
    people = _people(MANY, policy)
    token, claimed = claim(policy, limit=5)
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process of this host that no longer exists
    dead_token = f"{locks.claim_token().split(':')[0]}:{gone.pid}:deadbeef"
    db.session.execute(
        sa.update(__import__("models").OutboxMessage)
        .where(__import__("models").OutboxMessage.claim_token == token)
        .values(claim_token=dead_token)
    )
    db.session.commit()
    assert send_pending(policy).sent == len(people)  # no lease to wait for
    assert len({r.recipients[0] for r in smtp.received}) == len(smtp.received) == len(people)


def test_crash_between_send_and_commit_resends_with_same_message_id(
    demo_app, smtp, policy, monkeypatch
):
    at(MANY)
    plan_for_day(MANY, policy)
    people = _people(MANY, policy)

    class Killed(BaseException):
        pass

    real_deliver = sender._deliver
    calls = {"n": 0}

    def dies_on_third(item, token):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed  # the server accepted mail 3, the process died before recording it
        return real_deliver(item, token)

    monkeypatch.setattr(sender, "_deliver", dies_on_third)
    with pytest.raises(Killed):
        send_pending(policy)
    db.session.rollback()
    monkeypatch.setattr(sender, "_deliver", real_deliver)
    assert len(smtp.received) == 3
    clock.freeze(clock.now() + timedelta(seconds=policy.lease_seconds + 1))
    send_pending(policy)
    # At-least-once: the one mail in flight went twice, with one Message-ID, so it is one mail.
    assert len(smtp.received) == len(people) + 1
    assert len(smtp.unique()) == len(people)
    ids = [r.message_id for r in smtp.received]
    assert ids.count(ids[2]) == 2
    assert {r.state for r in outbox_rows()} == {OutboxState.SENT}


def test_message_id_is_derived_from_the_outbox_key(demo_app, policy):
    from notifications.outbox import message_id_for

    plan_for_day(DAY, policy)
    rows = outbox_rows()
    assert all(r.message_id == message_id_for(r.dedupe_key) for r in rows)
    assert len({r.message_id for r in rows}) == len(rows)


@pytest.mark.parametrize("with_lease", [True, False])
def test_two_schedulers_at_once_send_each_mail_once(demo_app, smtp, policy, with_lease):
    at(MANY)
    people = _people(MANY, policy)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scheduler() -> None:
        with demo_app.app_context():
            try:
                barrier.wait()
                if with_lease:
                    jobs.run_planning(MANY, policy)
                    jobs.run_sending(policy)
                else:  # even without the lease, planning dedupes and claiming never overlaps
                    plan_for_day(MANY, policy)
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
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(people)
    assert len({r.message_id for r in smtp.received}) == len(people)
    assert {r.state for r in outbox_rows()} == {OutboxState.SENT}


def test_second_scheduler_is_harmless_while_the_lease_is_held(demo_app, policy):
    at(DAY)
    with locks.lease(jobs.PLAN_JOB_ID, 600) as first:
        assert first
        assert jobs.run_planning(DAY, policy) == []  # the "other scheduler" skips
        assert outbox_rows() == []
    assert jobs.run_planning(DAY, policy)[-1].inserted == 15
    # A holder on another host: its lease must run out before the next scheduler takes over.
    assert locks.acquire(jobs.SEND_JOB_ID, "otherhost:1:abcd", 60)
    assert jobs.run_sending(policy) is None
    clock.freeze(clock.now() + timedelta(seconds=61))
    assert jobs.run_sending(policy) is not None


def test_lease_of_a_killed_scheduler_on_this_host_is_taken_at_once(demo_app, policy):
    """The review saw nothing sent for 10 minutes after kill -9: the dead process's lease."""
    at(DAY)
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = f"{locks.holder_name().split(':')[0]}:{gone.pid}:abcd1234"
    alive = f"{locks.holder_name().split(':')[0]}:1:abcd1234"  # pid 1 always exists
    assert locks.acquire(jobs.SEND_JOB_ID, alive, 600)
    assert jobs.run_sending(policy) is None  # a live holder keeps its lease
    locks.release(jobs.SEND_JOB_ID, alive)
    assert locks.acquire(jobs.SEND_JOB_ID, dead, 600)
    assert jobs.run_sending(policy) is not None  # taken over at once, no 10-minute wait


def test_roll_up_planned_before_the_upgrade_is_dropped_with_its_reason(demo_app, smtp, policy):
    from models import Unit

    gdtx = db.session.execute(sa.select(Unit.id).where(Unit.code == "GDTX")).scalar_one()
    at(DAY)
    insert_ignoring_duplicates(
        [
            PlannedMail(
                dedupe_key=f"escalation|u{gdtx}|-|2024-06-14|gdtx.coordinator@planwork.demo",
                kind=MailKind.ESCALATION,
                recipient="gdtx.coordinator@planwork.demo",
                planned_for=DAY,
                subject="[PlanWork] Tổng hợp ngày 14/06/2024: 1 nhiệm vụ quá hạn cần đôn đốc",
                body_text="x",
                body_html="x",
                unit_id=gdtx,
            )
        ]
    )
    db.session.commit()
    result = send_pending(policy)
    assert result.sent == 0 and result.obsolete == 1 and smtp.received == []
    (row,) = outbox_rows()
    assert row.state == OutboxState.OBSOLETE and "cách cũ" in row.last_error
