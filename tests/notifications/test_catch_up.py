"""A scheduler that was stopped: the days it missed, the gap beyond its window, the log of
each run, and the demo's replayed history that must not mail anyone today."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa

from models import MailKind, OutboxMessage, OutboxState, db
from notifications import jobs, locks
from notifications.sender import send_pending
from tests.notifications.conftest import at, outbox_rows, task_of

PLAN = "2417/KH-SGDĐT"


def test_restart_within_the_window_catches_up_as_of_today(demo_app, smtp, policy, caplog):
    """Last planned Thursday 20/06; restarted Monday 24/06. Friday 21/06's 7-day
    reminder of 2.1 (due Sunday 30/06) goes out on Monday, saying 6 days, not 9."""
    locks.set_planned_through(date(2024, 6, 20))
    at(date(2024, 6, 24))
    with caplog.at_level(logging.INFO, logger="notifications.jobs"):
        (result,) = jobs.run_planning(date(2024, 6, 24), policy)
        jobs.run_sending(policy)
    assert result.missed == [date(2024, 6, 21), date(2024, 6, 22), date(2024, 6, 23)]
    mail = next(r for r in smtp.received if r.recipients == ["gdtx.member@planwork.demo"])
    assert "Còn 6 ngày – 2.1." in mail.text() and "Còn 9 ngày" not in mail.text()
    assert locks.planned_through() == date(2024, 6, 24)
    # Each run is logged with its figures.
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("reminders run day=2024-06-24 planned=") for m in messages)
    assert any(m.startswith("outbox run day=2024-06-24 sent=") for m in messages)
    assert not [r for r in outbox_rows() if r.kind == MailKind.EVENT]  # no gap to report


def test_gap_beyond_the_window_is_logged_and_mailed_to_the_admins(demo_app, smtp, policy, caplog):
    """Stopped for 10 days: the 7 oldest are not sent late; the admins hear of them."""
    locks.set_planned_through(date(2024, 6, 10))
    at(date(2024, 6, 21))
    with caplog.at_level(logging.WARNING, logger="notifications.jobs"):
        (result,) = jobs.run_planning(date(2024, 6, 21), policy)
    assert result.missed == [date(2024, 6, 18), date(2024, 6, 19), date(2024, 6, 20)]
    assert any("2024-06-11 to 2024-06-17 not planned" in r.getMessage() for r in caplog.records)
    # Friday 14/06's 14-day reminders (in the gap) are not planned late.
    t21 = task_of(PLAN, "2.1")
    assert not [m for m in result.mails if m.task_id == t21.id and m.offset_days == 14]
    gap = [r for r in outbox_rows() if r.kind == MailKind.EVENT and r.event == "gap"]
    assert [r.recipient for r in gap] == ["sgddt.admin@planwork.demo"]
    assert "(11/06/2024 – 17/06/2024)" in gap[0].subject
    assert "15 dòng nhắc việc về 3 nhiệm vụ" in gap[0].body_text
    # Running again the same day neither re-reports the gap nor plans anything twice.
    again = jobs.run_planning(date(2024, 6, 21), policy)[0]
    assert again.inserted == 0 and again.missed == []
    assert len([r for r in outbox_rows() if r.event == "gap"]) == 1
    send_pending(policy)
    admin = [r for r in smtp.received if r.recipients == ["sgddt.admin@planwork.demo"]]
    assert len(admin) == 1 and "không được gửi bù" in admin[0].text()


def test_demo_history_leaves_no_old_mail_pending(app, smtp_for_app):
    from demo.loader import load_demo
    from notifications.policy import load_policy

    load_demo(history=True)
    rows = list(db.session.execute(sa.select(OutboxMessage)).scalars())
    assert rows, "the replayed reports and decisions queued their event mails"
    assert {r.state for r in rows} == {OutboxState.OBSOLETE}
    assert all("lịch sử 2024" in (r.last_error or "") for r in rows)
    at(date(2026, 12, 2), 10, 0)
    assert send_pending(load_policy()).sent == 0
    assert smtp_for_app.received == []
