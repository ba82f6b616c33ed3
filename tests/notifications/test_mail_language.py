"""Notification mails and in-app notices in each recipient's language: one event, told to
a person who chose English and to one who did not, reads in English for the first and
exactly as before in Vietnamese for the second; the digest and /notifications too.

English is checked with tests/i18n/english_scan.py: every Vietnamese word left in an
English mail must be a data value (a name, a plan number, a task title, a reason typed).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import Notification, User, db
from notifications.audience import Audience
from notifications.events import Event, notify
from notifications.render import N_, Msg
from notifications.sender import send_pending
from tests.foundation.web import login
from tests.i18n.english_scan import DataStrings, visible_runs
from tests.notifications.conftest import at, task_of, users_by_name
from workflow import assignees, task_reports
from workflow import requests as request_service
from workflow import tasks as svc
from workflow.transaction import unit_of_work

PLAN = "4403/KH-SGDĐT"  # item 2: led by TCCB, tracked by GDTX
DAY = date(2024, 8, 15)


def _choose_language(username: str, locale: str | None) -> User:
    with unit_of_work():
        user = users_by_name(username)
        user.locale = locale
    return user


def _vietnamese_left(data: DataStrings, mail) -> list[str]:  # noqa: ANN001
    """The Vietnamese words of a received mail (subject, text, HTML) no data value explains."""
    runs = [mail.subject.removeprefix("[PlanWork] ")]
    runs += [line for line in mail.text().splitlines() if line.strip()]
    runs += visible_runs(mail.html())
    return [word for run in runs for word in data.untranslated(run)]


def _mails_to(received, address: str) -> list:  # noqa: ANN001
    return [m for m in received if address in m.recipients]


def test_one_event_is_mailed_in_each_recipients_language(demo_app, smtp, policy):
    """Assignment, extension request and decision through a real SMTP server: the person
    who chose English reads English only; the Vietnamese colleague told of the same event
    reads the Vietnamese of before."""
    at(DAY, 9, 0)
    _choose_language("tccb.member", "en")
    _choose_language("gdtx.coordinator", "en")
    _choose_language("gdtx.coordinator2", None)
    task = task_of(PLAN, "2")
    member, coordinator = users_by_name("tccb.member"), users_by_name("tccb.coordinator")
    gdtx = users_by_name("gdtx.coordinator")

    assignees.assign(task.id, coordinator, [member.id])
    ext = request_service.request_extension(
        task.id, member, new_due_on=date(2024, 9, 30), reason="Chờ số liệu"
    )
    request_service.decide_extension(ext, gdtx, grant=True, reason=None)

    result = send_pending(policy)
    received = smtp.received
    assert result.sent == len(received) > 0
    data = DataStrings()

    english = _mails_to(received, "tccb.member@planwork.demo")
    assert {m.subject for m in english} == {
        f"[PlanWork] {coordinator.full_name} assigned you to task 2 – 4403/KH-SGDĐT",
        "[PlanWork] The extension request for task 2 – 4403/KH-SGDĐT was granted: "
        "new due date 30/09/2024",
    }
    asked = _mails_to(received, "gdtx.coordinator@planwork.demo")
    assert [m.subject for m in asked] == [
        "[PlanWork] Phòng Tổ chức cán bộ asks to extend task 2 – 4403/KH-SGDĐT to 30/09/2024"
    ]
    for mail in english + asked:
        assert _vietnamese_left(data, mail) == [], mail.subject
        assert "Reason: Chờ số liệu" in mail.text() or "extend" not in mail.subject
        assert "Automatic mail from PlanWork" in mail.text()
        assert '<html lang="en">' in mail.html()

    # The same events, told to those who did not choose: Vietnamese, as before.
    vietnamese = _mails_to(received, "gdtx.coordinator2@planwork.demo")
    assert [m.subject for m in vietnamese] == [
        "[PlanWork] Phòng Tổ chức cán bộ xin gia hạn nhiệm vụ 2 – 4403/KH-SGDĐT đến 30/09/2024"
    ]
    assert "Lý do: Chờ số liệu" in vietnamese[0].text()
    assert "Thư tự động từ PlanWork" in vietnamese[0].text()
    mailbox = [m for m in received if "chấp thuận" in m.subject]
    assert mailbox and all("tccb.member@planwork.demo" not in m.recipients for m in mailbox)


def test_the_digest_and_the_in_app_list_speak_the_readers_language(demo_app, client, smtp, policy):
    """A verified report is told in the daily digest (the default for it): the English
    reader's digest is English, frame and lines; the Vietnamese reader's stays Vietnamese.
    In /notifications each reads the same notice in their own language."""
    at(DAY, 9, 0)
    _choose_language("tccb.member", "en")
    task = task_of(PLAN, "2")
    member = users_by_name("tccb.member")
    svc.start_task(task.id, member, expected_version=None)
    task_reports.submit_report(task.id, member, expected_version=None, text="Xong")
    svc.verify_task(task.id, users_by_name("gdtx.coordinator2"), expected_version=None)
    send_pending(policy)
    at(DAY, 16, 31)
    before = len(smtp.received)
    send_pending(policy)
    digests = smtp.received[before:]
    data = DataStrings()

    (english,) = _mails_to(digests, "tccb.member@planwork.demo")
    assert english.subject.startswith("[PlanWork] News of 15/08/2024: ")
    assert "The report on task 2 – 4403/KH-SGDĐT was verified as complete" in english.text()
    assert _vietnamese_left(data, english) == []
    (vietnamese,) = _mails_to(digests, "tccb.coordinator@planwork.demo")
    assert vietnamese.subject.startswith("[PlanWork] Tin trong ngày 15/08/2024: ")
    assert "Báo cáo nhiệm vụ 2 – 4403/KH-SGDĐT đã được xác nhận hoàn thành" in vietnamese.text()

    # In the app: the row keeps the msgid, so each reader sees their own language.
    stored = db.session.execute(
        sa.select(Notification).where(
            Notification.user_id == member.id, Notification.kind == "verified"
        )
    ).scalar_one()
    assert stored.title == "Báo cáo nhiệm vụ 2 – 4403/KH-SGDĐT đã được xác nhận hoàn thành"
    login(client, "tccb.member")
    page = client.get("/notifications").get_data(as_text=True)
    assert "The report on task 2 – 4403/KH-SGDĐT was verified as complete" in page
    assert "đã được xác nhận hoàn thành" not in page
    # A row written before msgids were kept shows its stored text.
    with unit_of_work():
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id == stored.id)
            .values(title_msg=None, title="Văn bản cũ đã lưu")
        )
    assert "Văn bản cũ đã lưu" in client.get("/notifications").get_data(as_text=True)


def _notify_statements(count_queries, usernames: list[str]) -> int:  # noqa: ANN001
    task = task_of(PLAN, "2")
    actor = users_by_name("sgddt.admin")
    people = tuple(users_by_name(u).id for u in usernames)
    db.session.expire_all()
    title = Msg(N_("Nhắc việc: %(ref)s"), {"ref": task.number})
    event = Event(
        "assigned", "remind", task, actor, f"n{len(people)}", title, Audience(users=people)
    )
    with count_queries() as counter:
        told = notify(event)
    db.session.rollback()
    assert len(told) == len(people)
    return counter.count


def test_the_language_lookup_does_not_grow_with_the_recipients(demo_app, count_queries):
    at(DAY, 9, 0)
    _choose_language("tccb.member", "en")
    few = ["tccb.member", "gdtx.member"]
    many = few + ["gdtx.coordinator", "gdtx.coordinator2", "tccb.coordinator", "cdn.member"]
    assert _notify_statements(count_queries, few) == _notify_statements(count_queries, many)


def test_the_daily_reminder_speaks_each_persons_language(demo_app, smtp, policy):
    """The reminder is composed when it goes out, in its person's language: English for
    the member who chose it, Vietnamese as before for the colleague of the same unit."""
    from notifications.planner import plan_for_day

    day = date(2024, 6, 14)  # 2417 items 2.1, 2.2, 3.1 due Sunday 30/06: 16 days left
    at(day)
    _choose_language("gdtx.member", "en")
    plan_for_day(day, policy)
    send_pending(policy)
    data = DataStrings()
    (english,) = _mails_to(smtp.received, "gdtx.member@planwork.demo")
    assert english.subject == "[PlanWork] Reminder for 14/06/2024: 3 tasks (3 due soon)"
    assert "16 days left" in english.text() and "(Sunday, a day off)" in english.text()
    assert _vietnamese_left(data, english) == []
    (vietnamese,) = _mails_to(smtp.received, "gdtx.member2@planwork.demo")
    assert vietnamese.subject == "[PlanWork] Nhắc việc ngày 14/06/2024: 3 nhiệm vụ (3 sắp đến hạn)"
    assert "hạn 30/06/2024 (Chủ nhật, ngày nghỉ)" in vietnamese.text()
