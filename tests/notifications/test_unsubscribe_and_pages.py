"""One-click unsubscribe (RFC 8058) from a real mail, the confirmation page, bad tokens,
the in-app list with its header count, and marking notices read."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from models import AuditEvent, Notification, NotificationPref, db
from notifications.sender import send_pending
from tests.foundation.web import csrf_token, login
from tests.notifications.conftest import at, outbox_rows, task_of, users_by_name
from workflow import task_reports
from workflow import tasks as svc

PLAN = "4403/KH-SGDĐT"
DAY = date(2024, 8, 15)


def _report_and_send(policy, smtp):  # noqa: ANN001, ANN202
    """tccb.member starts and reports item 2: GDTX's coordinators get a mail at once."""
    task = task_of(PLAN, "2")
    member = users_by_name("tccb.member")
    svc.start_task(task.id, member, expected_version=None)
    task_reports.submit_report(task.id, member, expected_version=None, text="Xong")
    send_pending(policy)
    return task


def _unsubscribe_path(mail) -> str:  # noqa: ANN001
    header = str(mail.message["List-Unsubscribe"]).strip()
    url = re.fullmatch(r"<(.+)>", header).group(1)
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_one_click_unsubscribe_needs_no_login_and_turns_the_kind_off(
    client, demo_app, smtp, policy
):
    at(DAY, 9, 0)
    task = _report_and_send(policy, smtp)
    mail = next(m for m in smtp.received if m.recipients == ["gdtx.coordinator@planwork.demo"])
    path = _unsubscribe_path(mail)
    assert path in mail.text()  # the footer offers the same link
    # The confirmation page (GET) changes nothing.
    page = client.get(path).get_data(as_text=True)
    assert "Đơn vị chủ trì gửi báo cáo" in page and "Hủy nhận loại thư này" in page
    assert db.session.execute(sa.select(NotificationPref)).first() is None
    # A mail client's one-click POST: no session, no CSRF token.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Đã hủy nhận loại thư «Đơn vị chủ trì gửi báo cáo»" in response.get_data(as_text=True)
    coordinator = users_by_name("gdtx.coordinator")
    pref = db.session.execute(sa.select(NotificationPref)).scalar_one()
    assert (pref.user_id, pref.kind, pref.mode) == (coordinator.id, "reported", "off")
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "notification_prefs.unsubscribe")
    ).scalar_one()
    assert event.actor_id == coordinator.id
    # Again: nothing more to turn off, said so.
    again = client.post(path).get_data(as_text=True)
    assert "đã không nhận loại thư «Đơn vị chủ trì gửi báo cáo» từ trước" in again
    # The next report reaches coordinator2 only, and no in-app notice for the one who left.
    svc.return_task(task.id, users_by_name("gdtx.coordinator2"), expected_version=None, reason="x")
    task_reports.submit_report(
        task.id, users_by_name("tccb.member"), expected_version=None, text="Lần hai"
    )
    before = len(smtp.received)
    send_pending(policy)
    reports = [m for m in smtp.received[before:] if "đã gửi báo cáo" in m.subject]
    assert [m.recipients for m in reports] == [["gdtx.coordinator2@planwork.demo"]]
    assert (
        db.session.execute(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == coordinator.id, Notification.kind == "reported"
            )
        ).scalar_one()
        == 1
    )


def test_bad_tokens_get_a_vietnamese_message_and_change_nothing(client, demo_app, smtp, policy):
    at(DAY, 9, 0)
    _report_and_send(policy, smtp)
    path = _unsubscribe_path(smtp.received[0])
    token = path.rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    # Another person's code under the same signature: the signature no longer holds.
    swapped = token.replace(token.split(".")[0], "WyJ1MSIsInJlcG9ydGVkIl0")
    for bad in (forged, swapped, "x", "a" * 400):
        for method in (client.get, client.post):
            response = method(f"/unsubscribe/{bad}")
            assert response.status_code == 400
            assert "Liên kết hủy nhận thư không hợp lệ" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(NotificationPref)).first() is None
    assert (
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action.like("notification_prefs.%"))
        ).first()
        is None
    )


def test_digest_unsubscribe_turns_off_every_kind_that_came_in_the_digest(
    client, demo_app, smtp, policy
):
    at(DAY, 9, 0)
    task = task_of(PLAN, "2")
    svc.start_task(task.id, users_by_name("tccb.member"), expected_version=None)  # digest
    at(DAY, 16, 45)
    send_pending(policy)
    digests = [m for m in smtp.received if m.recipients == ["gdtx.coordinator@planwork.demo"]]
    assert len(digests) == 1 and "Tin trong ngày 15/08/2024" in digests[0].subject
    client.post(_unsubscribe_path(digests[0]))
    modes = dict(
        db.session.execute(
            sa.select(NotificationPref.kind, NotificationPref.mode).where(
                NotificationPref.user_id == users_by_name("gdtx.coordinator").id
            )
        ).all()
    )
    # A coordinator's defaults: reports and extension requests at once, the rest digest.
    assert "reported" not in modes and "extension_requested" not in modes
    assert modes["started"] == "off" and set(modes.values()) == {"off"} and len(modes) == 13


def test_notifications_page_count_and_mark_read(client, demo_app, policy):
    at(DAY, 9, 0)
    task = task_of(PLAN, "2")
    svc.start_task(task.id, users_by_name("tccb.member"), expected_version=None)
    task_reports.submit_report(
        task.id, users_by_name("tccb.member"), expected_version=None, text="Xong"
    )
    login(client, "gdtx.coordinator")
    page = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="2 thông báo chưa đọc">2</span>' in page
    assert "Phòng Tổ chức cán bộ đã gửi báo cáo nhiệm vụ 2 – 4403/KH-SGDĐT" in page
    assert "đã bắt đầu thực hiện nhiệm vụ 2" in page
    assert f'href="/tasks/{task.id}"' in page
    first = (
        db.session.execute(
            sa.select(Notification.id)
            .where(Notification.user_id == users_by_name("gdtx.coordinator").id)
            .order_by(Notification.id)
        )
        .scalars()
        .first()
    )
    response = client.post(
        "/notifications/read", data={"csrf_token": csrf_token(page), "id": str(first)}
    )
    assert response.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="1 thông báo chưa đọc">1</span>' in page
    # Someone else's notice cannot be marked: gdtx.coordinator2's stay unread.
    other = (
        db.session.execute(
            sa.select(Notification.id).where(
                Notification.user_id == users_by_name("gdtx.coordinator2").id
            )
        )
        .scalars()
        .first()
    )
    client.post("/notifications/read", data={"csrf_token": csrf_token(page), "id": str(other)})
    assert db.session.get(Notification, other).read_at is None
    client.post("/notifications/read", data={"csrf_token": csrf_token(page)})
    page = client.get("/notifications").get_data(as_text=True)
    assert 'thông báo chưa đọc">' not in page
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert "Chưa có thông báo nào." in unread
    # Bad input: a refusal in Vietnamese, nothing changes.
    bad = client.post(
        "/account/notifications",
        data={"csrf_token": csrf_token(page), "mode-reported": "sometimes"},
    )
    assert bad.status_code == 302
    assert "Lựa chọn thông báo không hợp lệ." in client.get("/account/notifications").get_data(
        as_text=True
    )
    assert db.session.execute(sa.select(NotificationPref)).first() is None
    assert outbox_rows()  # the events were mailed too
