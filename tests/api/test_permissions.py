"""A token can do no more than its user: the same permissions, scope only takes away."""

from __future__ import annotations

import hashlib
import io

import sqlalchemy as sa

from models import ApiToken, AuditEvent, Task, TaskState, db
from tests.api.conftest import task_of, user
from workflow import permissions
from workflow import tasks as task_service


def _events() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()


def _state(task_id: int) -> TaskState:
    db.session.expire_all()
    return db.session.get(Task, task_id).state


def _reported_task(api, reporter: str = "gdtx.member") -> Task:  # type: ignore[no-untyped-def]
    """A task of GDTX moved to "reported" through the API by one of its people."""
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    member = api(reporter, "write")
    started = member.post(f"/tasks/{task.id}/start", json={"version": task.version})
    assert started.status_code == 200, started.get_json()
    reported = member.post(
        f"/tasks/{task.id}/report",
        data={
            "text": "Đã tổ chức 12 buổi tuyên truyền.",
            "version": str(started.get_json()["version"]),
            "files": [(io.BytesIO("Danh sách buổi tuyên truyền\n".encode()), "danh-sach.txt")],
        },
        content_type="multipart/form-data",
    )
    assert reported.status_code == 200, reported.get_json()
    assert reported.get_json()["state"] == "reported"
    return task


def test_a_members_token_cannot_verify_a_coordinators_can(api):
    # Reported by a coordinator, so the member's refusal is about the role, not about
    # verifying one's own report.
    task = _reported_task(api, "gdtx.coordinator")
    member = api("gdtx.member", "write")
    before = _events()
    refused = member.post(f"/tasks/{task.id}/verify", json={})
    assert refused.status_code == 403
    body = refused.get_json()
    assert body["code"] == "forbidden"
    assert "Chỉ điều phối viên của cơ quan thường trực" in body["message"]
    assert _state(task.id) == TaskState.REPORTED
    assert _events() == before

    verified = api("gdtx.coordinator2", "write").post(f"/tasks/{task.id}/verify", json={})
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["state"] == "verified"
    event = db.session.execute(
        sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one()
    assert (event.action, event.object_id) == ("task.verify", task.id)
    assert event.actor_id == user("gdtx.coordinator2").id


def test_the_report_keeps_its_attachment_and_its_audit_event(api):
    task = _reported_task(api)
    detail = api("gdtx.coordinator").get(f"/tasks/{task.id}").get_json()
    assert detail["state"] == "reported"
    assert detail["allowed_events"] == ["verify", "return", "cancel"]
    (report,) = detail["reports"]
    assert report["text"] == "Đã tổ chức 12 buổi tuyên truyền."
    assert [a["filename"] for a in report["attachments"]] == ["danh-sach.txt"]
    assert report["attachments"][0]["content_type"] == "text/plain"
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "task.report")
    ).scalar_one()
    assert event.after["attachments"] == ["danh-sach.txt"]
    assert event.actor_id == user("gdtx.member").id

    # The file comes back as sent, to whoever may see the task, and to no one else.
    download = api("gdtx.coordinator").get(f"/attachments/{report['attachments'][0]['id']}")
    assert download.status_code == 200 and download.mimetype == "text/plain"
    assert hashlib.sha256(download.data).hexdigest() == report["attachments"][0]["sha256"]
    download.close()
    hidden = api("pgd-q8.member").get(f"/attachments/{report['attachments'][0]['id']}")
    assert hidden.status_code == 404 and hidden.get_json()["code"] == "not_found"


def test_a_read_token_cannot_write(api):
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    reader = api("gdtx.member", "read")
    before = _events()
    refused = reader.post(f"/tasks/{task.id}/start", json={})
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "insufficient_scope"
    assert _state(task.id) == TaskState.ASSIGNED
    assert _events() == before
    # The same user with a write token may.
    assert api("gdtx.member", "write").post(f"/tasks/{task.id}/start", json={}).status_code == 200


def test_a_revoked_token_is_refused(api):
    from workflow import tokens

    client = api("gdtx.member", "write")
    assert client.get("/me").status_code == 200
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == tokens.hash_secret(client.token))
    ).scalar_one()
    tokens.revoke_token(token.id, user("gdtx.member"))
    refused = client.get("/me")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    assert client.post(f"/tasks/{task.id}/start", json={}).status_code == 401
    assert _state(task.id) == TaskState.ASSIGNED


def test_a_deactivated_users_token_is_refused(api):
    client = api("gdtx.member", "read")
    member = user("gdtx.member")
    member.active = False
    db.session.commit()
    assert client.get("/me").status_code == 401


def test_another_units_tasks_are_invisible(api):
    outsider = user("pgd-q8.member")
    all_ids = set(db.session.execute(sa.select(Task.id)).scalars())
    visible = {t for t in all_ids if permissions.can_view(task_service.load_task(t), outsider)}
    hidden = sorted(all_ids - visible)
    assert visible and hidden
    client = api("pgd-q8.member", "write")

    listed: set[int] = set()
    cursor = None
    while True:
        page = client.get(
            "/tasks", query_string={"limit": 7, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200
        listed |= {item["id"] for item in page.get_json()["items"]}
        cursor = page.get_json()["next_cursor"]
        if cursor is None:
            break
    assert listed == visible

    one = client.get(f"/tasks/{hidden[0]}")
    assert one.status_code == 404
    assert one.get_json()["code"] == "not_found"
    # Not even a write tells it exists, and nothing changes.
    before = _events()
    assert client.post(f"/tasks/{hidden[0]}/start", json={}).status_code == 404
    assert (
        client.post(
            f"/tasks/{hidden[0]}/extensions", json={"due_on": "2030-01-01", "reason": "x"}
        ).status_code
        == 404
    )
    assert _events() == before
    # Plans without a visible task are not listed either.
    plans = {p["id"] for p in client.get("/plans").get_json()["items"]}
    visible_plans = set(
        db.session.execute(sa.select(Task.plan_id).where(Task.id.in_(visible))).scalars()
    )
    assert plans == visible_plans


def test_an_inspector_reads_all_and_gets_no_write_token(api, make_token):
    import pytest

    from workflow.errors import InvalidInput

    with pytest.raises(InvalidInput):
        make_token("sgddt.inspector", "write")
    inspector = api("sgddt.inspector", "read")
    total = db.session.execute(sa.select(sa.func.count()).select_from(Task)).scalar_one()
    page = inspector.get("/tasks", query_string={"limit": 200}).get_json()
    assert len(page["items"]) == total
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    assert inspector.post(f"/tasks/{task.id}/cancel", json={"reason": "x"}).status_code == 403
