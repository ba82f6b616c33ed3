"""The admin outbox page, the iCalendar feed, the scheduler and the CLI."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import sqlalchemy as sa
from icalendar import Calendar

from models import OutboxState, Unit, db
from notifications.jobs import PLAN_JOB_ID, SECURITY_JOB_ID, SEND_JOB_ID, build_scheduler
from notifications.planner import plan_for_day
from tests.notifications.conftest import at, outbox_rows, task_of, users_by_name
from workflow import tasks as task_service

PLAN = "2417/KH-SGDĐT"


def _login(client, username: str) -> None:  # noqa: ANN001
    from flask import g

    from web.views.auth import SESSION_GENERATION, SESSION_LOGIN_AT

    # Requests share the test's app context, so Flask-Login's cached user must go.
    g.pop("_login_user", None)
    user = users_by_name(username)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        # The keys the login view writes: without them the user loader ends the session.
        session[SESSION_GENERATION] = user.session_generation
        session[SESSION_LOGIN_AT] = datetime.now(UTC).replace(tzinfo=None).isoformat()


def test_outbox_page_is_for_admins_and_resend_is_audited(client, demo_app, smtp_down, policy):
    at(date(2024, 6, 14))
    plan_for_day(date(2024, 6, 14), policy)
    row = outbox_rows()[0]
    from models import OutboxMessage

    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(state=OutboxState.FAILED, last_error="ConnectionRefusedError", attempts=20)
    )
    db.session.commit()
    _login(client, "gdtx.coordinator")
    assert client.get("/admin/outbox/").status_code == 403
    _login(client, "sgddt.admin")
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "Hộp thư đi" in page and "Còn 16 ngày" in page
    assert "Kính gửi: Phòng Giáo dục thường xuyên" in page  # the body is shown
    assert page.count("Gửi lại</button>") == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/outbox/{row.id}/resend", data={"csrf_token": token})
    assert response.status_code == 302
    assert outbox_rows()[0].state == OutboxState.PENDING
    from models import AuditEvent

    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "outbox.resend")
    ).scalar_one()
    assert event.actor_id == users_by_name("sgddt.admin").id
    failed_only = client.get("/admin/outbox/?state=failed").get_data(as_text=True)
    assert "Không có thư nào." in failed_only


def test_outbox_page_tells_merged_and_dropped_lines_from_errors(client, demo_app, smtp, policy):
    from notifications.sender import send_pending

    at(date(2024, 6, 14))
    plan_for_day(date(2024, 6, 14), policy)
    t21 = task_of("2417/KH-SGDĐT", "2.1")
    task_service.start_task(t21.id, users_by_name("gdtx.member"), expected_version=None)
    db.session.execute(
        sa.update(__import__("models").Task)
        .where(__import__("models").Task.id == t21.id)
        .values(state="reported")
    )
    db.session.commit()
    send_pending(policy)
    _login(client, "sgddt.admin")
    page = client.get("/admin/outbox/").get_data(as_text=True)
    assert "Ghi chú: Gửi trong thư nhắc việc #" in page
    assert "Ghi chú: Nhiệm vụ đã được báo cáo, xác nhận hoặc hủy trước khi gửi." in page
    assert "Lỗi gần nhất" not in page


def test_calendar_feed_by_secret_token(client, demo_app):
    from notifications.ical import feed_url

    unit = db.session.execute(sa.select(Unit).where(Unit.code == "TCCB")).scalar_one()
    url = feed_url(unit)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 24
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = list(cal.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert any(s.startswith("[Chủ trì] 2. ") for s in summaries)  # 4403 item 2 is TCCB's
    assert any(s.startswith("[Phối hợp] 2.1. ") for s in summaries)  # 2417 item 2.1
    lead = next(e for e in events if str(e["SUMMARY"]).startswith("[Chủ trì] 2. "))
    assert lead.decoded("DTSTART") == date(2024, 7, 31)
    assert "/tasks/" in str(lead["URL"])
    assert client.get("/calendar/not-a-real-token-at-all.ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404


def test_scheduler_is_built_with_fixed_jobs_in_vietnam_time(demo_app, policy):
    scheduler = build_scheduler(policy)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        PLAN_JOB_ID,
        SEND_JOB_ID,
        SECURITY_JOB_ID,
        "audit.anchor_mail",
        "webhooks.send",
    }
    plan = jobs[PLAN_JOB_ID]
    assert str(plan.trigger.timezone) == "Asia/Ho_Chi_Minh"
    assert "hour='6'" in str(plan.trigger) and "minute='30'" in str(plan.trigger)
    assert plan.coalesce is True and plan.max_instances == 1
    assert plan.func.__module__ == "notifications.jobs"


def test_cli_plan_json_then_send_then_nothing_new(demo_app, smtp):
    at(date(2024, 6, 14))  # a Friday: reminders go out on working days only
    runner = demo_app.test_cli_runner()
    out = runner.invoke(args=["reminders", "plan", "--date", "2024-06-14", "--dry-run", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["new"] == 15 and {m["task_number"] for m in payload["mails"]} == {
        "2.1",
        "2.2",
        "3.1",
    }
    assert outbox_rows() == []
    assert runner.invoke(args=["reminders", "plan", "--date", "2024-06-14"]).exit_code == 0
    sent = runner.invoke(args=["reminders", "send"])
    # 15 lines, one mail for each of the 5 people.
    assert "Đã gửi 5 thư" in sent.output and len(smtp.received) == 5
    again = runner.invoke(args=["reminders", "plan", "--date", "2024-06-14"])
    assert "Đã lập 0 thư mới" in again.output
    assert "Đã gửi 0 thư" in runner.invoke(args=["reminders", "send"]).output
    assert len(smtp.received) == 5
