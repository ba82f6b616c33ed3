"""Contributions and the lists of requests through /api/v1: a coordinating unit's token
adds its input with attachments like the web's form; a token of anyone else cannot, and
nothing is written when it is refused."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import sqlalchemy as sa

from models import AuditEvent, Contribution, Role, Task, TaskState, TaskUnit, UnitRole, User, db
from tests.api.conftest import task_of, user
from workflow import clock, permissions


def _count(model) -> int:  # noqa: ANN001
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _coordinated_task(username: str = "tccb.member") -> Task:
    """An open leaf task on which the user's unit coordinates (not leads)."""
    unit_id = user(username).unit_id
    sub = sa.orm.aliased(Task)
    task = db.session.execute(
        sa.select(Task)
        .join(TaskUnit, TaskUnit.task_id == Task.id)
        .where(
            TaskUnit.unit_id == unit_id,
            TaskUnit.role == UnitRole.COORDINATING,
            Task.state.in_([TaskState.ASSIGNED, TaskState.IN_PROGRESS]),
            Task.lead_unit_id != unit_id,
            ~sa.exists().where(sub.parent_id == Task.id),
        )
        .order_by(Task.id)
        .limit(1)
    ).scalar_one()
    assert permissions.can_contribute(task, user(username))
    return task


def _contribute(client, task_id: int, text: str = "Phòng TCCB đã rà soát nhân sự."):  # noqa: ANN001
    return client.post(
        f"/tasks/{task_id}/contributions",
        data={
            "text": text,
            "files": [(io.BytesIO("Danh sách nhân sự\n".encode()), "nhan-su.txt")],
        },
        content_type="multipart/form-data",
    )


def test_a_coordinating_unit_contributes_with_an_attachment(api):
    task = _coordinated_task()
    state = task.state
    created = _contribute(api("tccb.member", "write"), task.id)
    assert created.status_code == 201, created.get_json()
    contribution_id = created.get_json()["id"]
    # Listed to whoever may see the task, with the file and its checksum.
    listed = api("gdtx.coordinator").get(f"/tasks/{task.id}/contributions")
    assert listed.status_code == 200
    (item,) = [c for c in listed.get_json()["items"] if c["id"] == contribution_id]
    assert item["text"] == "Phòng TCCB đã rà soát nhân sự."
    assert item["unit_id"] == user("tccb.member").unit_id
    (attachment,) = item["attachments"]
    assert attachment["filename"] == "nhan-su.txt"
    download = api("gdtx.coordinator").get(f"/attachments/{attachment['id']}")
    assert hashlib.sha256(download.data).hexdigest() == attachment["sha256"]
    download.close()
    # The task's state did not move; the audit event names the contribution.
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == state
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "task.contribute")
    ).scalar_one()
    assert event.after["contribution_id"] == contribution_id
    assert event.after["attachments"] == ["nhan-su.txt"]
    assert event.actor_id == user("tccb.member").id


def test_a_token_cannot_contribute_where_its_user_cannot(api):
    task = _coordinated_task()
    # Tokens are made (and audited) first, so the counts below see only the refusals.
    stranger, reader = api("pgd-q8.member", "write"), api("tccb.member", "read")
    inspector, writer = api("sgddt.inspector", "read"), api("tccb.member", "write")
    # The lead unit's member does not contribute to its own task (it reports).
    lead_member = (
        db.session.execute(
            sa.select(User)
            .where(User.unit_id == task.lead_unit_id, User.role == Role.MEMBER, User.active)
            .order_by(User.id)
        )
        .scalars()
        .first()
    )
    assert lead_member is not None
    lead = api(lead_member.username, "write")
    before = (_count(Contribution), _count(AuditEvent))
    refused = _contribute(lead, task.id)
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["code"] == "forbidden"
    # Another unit's member does not even see the task.
    hidden = _contribute(stranger, task.id)
    assert hidden.status_code == 404 and hidden.get_json()["code"] == "not_found"
    assert stranger.get(f"/tasks/{task.id}/contributions").status_code == 404
    # The coordinating unit's read token is refused for the scope.
    read_only = _contribute(reader, task.id)
    assert read_only.status_code == 403
    assert read_only.get_json()["code"] == "insufficient_scope"
    # An inspector sees the task but changes nothing.
    assert _contribute(inspector, task.id).status_code == 403
    # Empty text: a Vietnamese message, nothing written.
    empty = _contribute(writer, task.id, text="   ")
    assert empty.status_code in (400, 422) and empty.is_json
    assert (_count(Contribution), _count(AuditEvent)) == before


def test_a_closed_task_takes_no_contribution(api):
    task = _coordinated_task()
    coordinator = api("gdtx.coordinator", "write")
    # Cancelled by its tracking unit (GDTX tracks the demo plan).
    cancelled = coordinator.post(f"/tasks/{task.id}/cancel", json={"reason": "Không còn phù hợp"})
    assert cancelled.status_code == 200, cancelled.get_json()
    before = _count(Contribution)
    refused = _contribute(api("tccb.member", "write"), task.id)
    assert refused.status_code == 403
    assert "Chỉ đơn vị phối hợp" in refused.get_json()["message"]
    assert _count(Contribution) == before


def test_request_lists_show_what_was_asked_and_decided(api):
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    member = api("gdtx.member", "write")
    due = max(task.due_on or clock.today(), clock.today()) + timedelta(days=30)
    asked = member.post(
        f"/tasks/{task.id}/extensions",
        json={"due_on": due.isoformat(), "reason": "Chờ kinh phí"},
    )
    assert asked.status_code == 201, asked.get_json()
    extensions = member.get(f"/tasks/{task.id}/extensions").get_json()["items"]
    (extension,) = [e for e in extensions if e["id"] == asked.get_json()["id"]]
    assert extension["status"] == "pending" and extension["new_due_on"] == due.isoformat()
    assert extension["reason"] == "Chờ kinh phí"
    explanations = member.get(f"/tasks/{task.id}/explanations")
    assert explanations.status_code == 200 and isinstance(explanations.get_json()["items"], list)
    # Another district's token does not see the task's requests.
    assert api("pgd-q8.member").get(f"/tasks/{task.id}/extensions").status_code == 404
    assert api("pgd-q8.member").get(f"/tasks/{task.id}/explanations").status_code == 404
