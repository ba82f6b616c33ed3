"""Extension ("xin gia hạn") and explanation ("giải trình") requests: rules and audit."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models import ExtensionRequest, RequestStatus, Task, db
from tests.foundation.helpers import event_count, events_for
from tests.foundation.web import csrf_token, login, logout
from tests.ui.support import make_plan
from workflow import clock
from workflow import requests as req
from workflow.errors import InvalidInput, PermissionDenied


@pytest.fixture
def task_id(demo_app, users):  # noqa: ANN001
    clock.freeze(datetime(2024, 6, 15, 5))
    return make_plan(users, "98/KH-UI", [("1", "Việc cần gia hạn", date(2024, 6, 30), "TCCB")])["1"]


def test_extension_granted_moves_the_deadline_with_audit(task_id, users):  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        req.request_extension(
            task_id, users("vps.member"), new_due_on=date(2024, 7, 31), reason="x"
        )
    with pytest.raises(InvalidInput):
        req.request_extension(
            task_id, users("tccb.member"), new_due_on=date(2024, 6, 1), reason="x"
        )
    request_id = req.request_extension(
        task_id, users("tccb.member"), new_due_on=date(2024, 7, 31), reason="Chờ số liệu"
    )
    with pytest.raises(InvalidInput):  # one pending request at a time
        req.request_extension(
            task_id, users("tccb.member"), new_due_on=date(2024, 8, 31), reason="Lại"
        )
    with pytest.raises(PermissionDenied):
        req.decide_extension(request_id, users("tccb.coordinator"), grant=True, reason=None)
    req.decide_extension(request_id, users("gdtx.coordinator"), grant=True, reason="Đồng ý")
    db.session.expire_all()
    assert db.session.get(Task, task_id).due_on == date(2024, 7, 31)
    assert db.session.get(ExtensionRequest, request_id).status == RequestStatus.GRANTED
    actions = [(e.action, e.reason) for e in events_for(task_id)]
    assert ("task.extension_request", "Chờ số liệu") in actions
    grant = [e for e in events_for(task_id) if e.action == "task.extension_grant"][0]
    assert grant.before == {"due_on": "2024-06-30"} and grant.after["due_on"] == "2024-07-31"


def test_refusal_needs_a_reason_and_keeps_the_deadline(task_id, users):  # noqa: ANN001
    request_id = req.request_extension(
        task_id, users("tccb.member"), new_due_on=date(2024, 7, 31), reason="Chờ"
    )
    before = event_count()
    with pytest.raises(InvalidInput):
        req.decide_extension(request_id, users("gdtx.coordinator"), grant=False, reason=" ")
    assert event_count() == before
    req.decide_extension(request_id, users("gdtx.coordinator"), grant=False, reason="Không")
    db.session.expire_all()
    assert db.session.get(Task, task_id).due_on == date(2024, 6, 30)
    assert events_for(task_id)[-1].action == "task.extension_refuse"


def test_explanation_only_when_overdue_and_answered_by_the_lead(task_id, users):  # noqa: ANN001
    coordinator = users("gdtx.coordinator")
    with pytest.raises(InvalidInput):
        req.request_explanation(task_id, coordinator, question="Vì sao chậm?")
    clock.freeze(datetime(2024, 7, 5, 5))
    with pytest.raises(PermissionDenied):
        req.request_explanation(task_id, users("tccb.member"), question="?")
    request_id = req.request_explanation(task_id, coordinator, question="Vì sao chậm?")
    with pytest.raises(PermissionDenied):
        req.answer_explanation(request_id, users("vps.member"), explanation="Không phải tôi")
    req.answer_explanation(request_id, users("tccb.member"), explanation="Thiếu kinh phí")
    with pytest.raises(InvalidInput):
        req.answer_explanation(request_id, users("tccb.member"), explanation="Sửa lại")
    actions = [e.action for e in events_for(task_id)]
    assert actions[-2:] == ["task.explanation_request", "task.explanation_answer"]
    assert events_for(task_id)[-1].after["explanation"] == "Thiếu kinh phí"


def test_the_flow_on_the_task_page(task_id, client, users):  # noqa: ANN001
    login(client, "tccb.member")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="extension-form"' in page
    response = client.post(
        f"/tasks/{task_id}/extensions",
        data={"csrf_token": csrf_token(page), "due_on": "2024-07-31", "reason": "Chờ số liệu"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Đã gửi đề nghị gia hạn." in html and "31/07/2024" in html
    client.post("/logout", data={"csrf_token": csrf_token(html)})
    login(client, "gdtx.coordinator")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    request_id = db.session.query(ExtensionRequest.id).scalar()
    response = client.post(
        f"/tasks/extensions/{request_id}/decide",
        data={"csrf_token": csrf_token(page), "decision": "grant", "reason": ""},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Đã đồng ý" in html and "Đồng ý gia hạn" in html  # status and history line
    db.session.expire_all()
    assert db.session.get(Task, task_id).due_on == date(2024, 7, 31)


def test_coordinator_reassigns_and_moves_the_deadline_on_the_page(task_id, client, users):  # noqa: ANN001
    from tests.ui.support import unit_ids

    login(client, "gdtx.coordinator")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'class="node current" data-state="assigned"' in page
    version = db.session.get(Task, task_id).version
    client.post(
        f"/tasks/{task_id}/reassign",
        data={
            "csrf_token": csrf_token(page),
            "version": version,
            "unit_id": unit_ids()["VPS"],
            "reason": "TCCB quá tải",
        },
    )
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert task.lead_unit_id == unit_ids()["VPS"]
    client.post(
        f"/tasks/{task_id}/due",
        data={
            "csrf_token": csrf_token(page),
            "version": task.version,
            "due_on": "2024-09-30",
            "reason": "Theo chỉ đạo",
        },
    )
    db.session.expire_all()
    assert db.session.get(Task, task_id).due_on == date(2024, 9, 30)
    assert [e.action for e in events_for(task_id)][-2:] == ["task.reassign", "task.update"]
    logout(client)
    login(client, "tccb.member")
    assert client.get(f"/tasks/{task_id}").status_code == 403
