"""Bulk actions on the workspace: start, remind, reassign, export; each task checked on its
own, each success audited, refused tasks unchanged, one transaction per request."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from models import MailKind, OutboxMessage, TaskAssignee, TaskState, db
from notifications.sender import send_pending
from tests.foundation.helpers import find_task
from tests.foundation.web import login
from tests.lists.helpers import (
    event_total,
    events,
    flashes,
    post_bulk,
    snapshot,
    tasks_led_by,
    unit_id,
)
from tests.notifications.conftest import at, users_by_name
from workflow import bulk_actions
from workflow import tasks as task_service
from workflow.errors import InvalidInput

A = TaskState.ASSIGNED
DAY = date(2024, 8, 15)  # a Thursday


def _remind_rows(task_ids: list[int]) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(OutboxMessage)
            .where(OutboxMessage.event == "remind", OutboxMessage.task_id.in_(task_ids))
            .order_by(OutboxMessage.id)
        ).scalars()
    )


def test_start_starts_what_the_member_may_and_lists_the_rest(client):
    own = [t.id for t in tasks_led_by("GDTX", A, 3)]
    # GDTX tracks 4403 and so sees item 2, but TCCB leads it: not GDTX's to start.
    other = find_task("4403/KH-SGDĐT", "2").id
    already = own[2]
    task_service.start_task(already, users_by_name("gdtx.member"), expected_version=None)
    before = snapshot([other, already])
    login(client, "gdtx.member")

    response = post_bulk(client, "start", own + [other])

    assert response.status_code == 302 and response.headers["Location"].endswith("/my-tasks")
    after = snapshot(own + [other])
    assert after[own[0]][0] == after[own[1]][0] == TaskState.IN_PROGRESS
    # Refused tasks are left exactly as they were (state, lead, version).
    assert after[other] == before[other] and after[already] == before[already]
    said = flashes(client)
    assert "Đã bắt đầu 2 nhiệm vụ." in said
    assert "2 nhiệm vụ không thể bắt đầu:" in said
    assert "Chỉ thành viên của đơn vị chủ trì mới được «Bắt đầu thực hiện»." in said
    # One audit event per task started, none for the refused ones (the earlier start of
    # `already` is the only other one).
    started = [e.object_id for e in events("task.start")]
    assert sorted(started) == sorted([already, own[0], own[1]])


def test_one_transaction_an_unexpected_error_undoes_every_task(demo_app, monkeypatch):
    ids = [t.id for t in tasks_led_by("GDTX", A, 2)]
    before, count = snapshot(ids), event_total()
    real = task_service.start_task
    calls = []

    def start_then_break(task_id, actor, *, expected_version):  # noqa: ANN001, ANN202
        calls.append(task_id)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(task_id, actor, expected_version=expected_version)

    monkeypatch.setattr(task_service, "start_task", start_then_break)
    with pytest.raises(RuntimeError):
        bulk_actions.start([str(i) for i in ids], users_by_name("gdtx.member"))
    # The first task had started inside the request; the error took it back with the rest.
    assert snapshot(ids) == before and event_total() == count


def test_a_member_cannot_reassign_and_nothing_changes(client):
    ids = [t.id for t in tasks_led_by("GDTX", A, 2)]
    login(client, "gdtx.member")  # (signing in is an audit event of its own)
    before, count = snapshot(ids), event_total()
    post_bulk(client, "reassign", ids, confirm="1", unit_id=str(unit_id("TCCB")), reason="x")
    assert "Chỉ điều phối viên mới được giao lại nhiệm vụ." in flashes(client)
    # Nor is the confirmation page shown to them.
    response = post_bulk(client, "reassign", ids)
    assert response.status_code == 302
    assert snapshot(ids) == before and event_total() == count


def test_reassign_asks_first_then_moves_each_allowed_task_with_its_event(client):
    ids = [t.id for t in tasks_led_by("GDTX", A, 2)]
    # A coordinator of another unit may see a task (its unit coordinates it) but may not
    # hand it over: only the plan's tracking unit does.
    login(client, "gdtx.coordinator")
    page = post_bulk(client, "reassign", ids)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="confirm" value="1"' in body and "data-confirm=" in body
    assert all(f'name="ids" value="{i}"' in body for i in ids)
    assert snapshot(ids)[ids[0]][1] == unit_id("GDTX"), "the first step changes nothing"

    tccb = unit_id("TCCB")
    post_bulk(client, "reassign", ids, confirm="1", unit_id=str(tccb), reason="Đúng chức năng")
    assert all(lead == tccb for _, lead, _ in snapshot(ids).values())
    moved = [e for e in events("task.reassign") if e.object_id in ids]
    assert sorted(e.object_id for e in moved) == sorted(ids)
    assert all(e.reason == "Đúng chức năng" for e in moved)
    assert "Đã giao lại 2 nhiệm vụ cho" in flashes(client)


def test_reassign_by_a_coordinator_who_does_not_track_the_plan_is_refused(client):
    # TCCB's coordinator sees 4403 item 2 (TCCB leads it) but GDTX tracks the plan.
    task = find_task("4403/KH-SGDĐT", "2")
    before = snapshot([task.id])
    login(client, "tccb.coordinator")
    post_bulk(client, "reassign", [task.id], confirm="1", unit_id=str(unit_id("GDTX")), reason="x")
    said = flashes(client)
    assert "1 nhiệm vụ không thể giao lại:" in said
    assert "Chỉ điều phối viên của cơ quan thường trực" in said
    assert snapshot([task.id]) == before


def test_remind_queues_one_mail_per_person_audited_and_once_a_day(client):
    at(DAY, 9, 0)
    task = find_task("4403/KH-SGDĐT", "2")  # TCCB leads, GDTX tracks; open
    login(client, "gdtx.coordinator")
    post_bulk(client, "remind", [task.id], note="Hạn đã qua, xin gửi báo cáo.")
    assert "Đã gửi nhắc việc cho 1 nhiệm vụ." in flashes(client)

    rows = _remind_rows([task.id])
    recipients = [r.recipient for r in rows]
    # The lead unit's people and mailbox, each exactly once; members at once (their choice
    # for work given to them), coordinators in their digest.
    assert len(recipients) == len(set(recipients))
    at_once = {r.recipient for r in rows if r.kind == MailKind.EVENT}
    assert "tccb.member@planwork.demo" in at_once
    assert "tccb.coordinator@planwork.demo" in recipients
    assert all("gdtx" not in r for r in recipients), "the actor's unit is not reminded"
    assert all("Nhắc việc" in r.subject for r in rows)
    reminded = [e for e in events("task.remind") if e.object_id == task.id]
    assert len(reminded) == 1 and reminded[0].reason == "Hạn đã qua, xin gửi báo cáo."

    # The same reminder again the same day is refused: no second event, no second mail.
    post_bulk(client, "remind", [task.id])
    assert "Nhiệm vụ đã được nhắc hôm nay." in flashes(client)
    assert len(_remind_rows([task.id])) == len(rows)
    assert len([e for e in events("task.remind") if e.object_id == task.id]) == 1


def test_remind_goes_to_the_assignees_when_the_task_names_them(client):
    at(DAY, 9, 0)
    task = find_task("4403/KH-SGDĐT", "2")
    db.session.add(TaskAssignee(task_id=task.id, user_id=users_by_name("tccb.member").id))
    db.session.commit()
    login(client, "gdtx.coordinator")
    post_bulk(client, "remind", [task.id])
    assert [r.recipient for r in _remind_rows([task.id])] == ["tccb.member@planwork.demo"]


def test_remind_is_for_coordinators_and_open_tasks(client):
    at(DAY, 9, 0)
    ids = [t.id for t in tasks_led_by("GDTX", A, 1)]
    login(client, "gdtx.member")
    count = event_total()
    post_bulk(client, "remind", ids)
    assert "1 nhiệm vụ không thể nhắc việc:" in flashes(client)
    assert event_total() == count and _remind_rows(ids) == []


def test_remind_mail_reaches_a_real_smtp_server_once(client, smtp, policy):
    at(DAY, 9, 0)
    task = find_task("4403/KH-SGDĐT", "2")
    login(client, "gdtx.coordinator")
    post_bulk(client, "remind", [task.id])
    send_pending(policy)
    send_pending(policy)  # a second drain sends nothing again
    got = [m for m in smtp.received if "Nhắc việc" in m.subject]
    member = [m for m in got if "tccb.member@planwork.demo" in m.recipients]
    assert len(member) == 1
    assert task.title[:30] in member[0].text() or task.number in member[0].text()
    assert len({m.message_id for m in got}) == len(got)


def test_export_writes_exactly_the_selected_tasks(client):
    chosen = tasks_led_by("GDTX", A, 2)
    login(client, "gdtx.member")
    response = post_bulk(client, "export_csv", [t.id for t in chosen])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3  # header + the two chosen
    assert {r[2] for r in rows[1:]} == {t.title for t in chosen}
    xlsx = post_bulk(client, "export_xlsx", [t.id for t in chosen])
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Hãy chọn ít nhất một nhiệm vụ."),
        (["abc"], "Lựa chọn không hợp lệ; không có gì thay đổi."),
        (["99999999"], "1 nhiệm vụ đã chọn không tồn tại hoặc bạn không được xem"),
    ],
)
def test_bad_selection_says_why_and_changes_nothing(client, ids, message):
    own = [t.id for t in tasks_led_by("GDTX", A, 1)]
    login(client, "gdtx.member")
    before, count = snapshot(own), event_total()
    for action in ("start", "export_csv"):
        response = post_bulk(client, action, own + ids if ids else [])
        assert response.status_code == 302
        assert message in flashes(client)
    assert snapshot(own) == before and event_total() == count


def test_a_task_the_user_may_not_see_spoils_the_whole_request(client):
    # A school member sees nothing of 2417; with one task of their own it is still refused.
    hidden = find_task("2417/KH-SGDĐT", "2.1").id
    own = [t.id for t in tasks_led_by("GDTX", A, 1)]
    login(client, "thcs-lqd8.member")
    before, count = snapshot(own + [hidden]), event_total()
    post_bulk(client, "start", [hidden])
    assert "không tồn tại hoặc bạn không được xem" in flashes(client)
    response = post_bulk(client, "export_csv", [hidden])
    assert response.status_code == 302
    assert snapshot(own + [hidden]) == before and event_total() == count


def test_more_than_the_cap_is_refused_with_a_clear_message(client):
    login(client, "gdtx.member")
    too_many = list(range(1, bulk_actions.MAX_TASKS + 2))
    post_bulk(client, "start", too_many)
    assert f"tối đa {bulk_actions.MAX_TASKS} nhiệm vụ" in flashes(client)
    with pytest.raises(InvalidInput):
        bulk_actions.parse_selection([str(i) for i in too_many])


def test_unknown_action_is_refused(client):
    ids = [t.id for t in tasks_led_by("GDTX", A, 1)]
    before = snapshot(ids)
    login(client, "gdtx.member")
    post_bulk(client, "delete", ids)
    assert "Hãy chọn một thao tác" in flashes(client)
    assert snapshot(ids) == before


def _workspace(demo_app, username: str) -> str:  # noqa: ANN001
    client = demo_app.test_client()
    login(client, username)
    return client.get("/my-tasks").get_data(as_text=True)


def test_the_workspace_offers_checkboxes_and_the_bar_by_role(demo_app):
    page = _workspace(demo_app, "gdtx.member")
    assert 'id="bulk-form"' in page and 'form="bulk-form"' in page
    assert 'class="bulk-all" data-bulk-scope="page"' in page
    assert 'value="start"' in page and 'value="reassign"' not in page
    page = _workspace(demo_app, "gdtx.coordinator")
    assert 'value="reassign"' in page and 'value="remind"' in page
    assert 'id="bulk-form"' not in _workspace(demo_app, "sgddt.inspector")
