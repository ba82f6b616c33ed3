"""The webhooks pages and /api/v1/webhooks: register, see the secret once, read the
delivery log, redeliver a failed event (audited); unit B never sees unit A's hooks."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import AuditEvent, db
from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from notifications import webhook_sender
from tests.foundation.web import csrf_token, login
from workflow import tasks as task_service
from workflow import tokens, webhooks


def _token(username: str, scope: str) -> dict[str, str]:
    user = tokens.find_user(username)
    secret = tokens.create_token(user.id, None, scope=scope, name=f"t {scope}").secret
    return {"Authorization": f"Bearer {secret}"}


def test_register_on_the_page_shows_the_secret_once(loopback_allowed, receiver, users):
    client = loopback_allowed.test_client()
    login(client, "tccb.coordinator")
    page = client.get("/webhooks/")
    assert page.status_code == 200
    answer = client.post(
        "/webhooks/",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "url": receiver.url,
            "event_types": ["task.started", "task.verified"],
        },
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    hook = db.session.execute(sa.select(Webhook)).scalar_one()
    assert hook.secret in html and hook.unit_id == users("tccb.coordinator").unit_id
    assert hook.event_types == ["task.started", "task.verified"]
    again = client.get("/webhooks/").get_data(as_text=True)
    assert receiver.url in again and hook.secret not in again
    assert hook.secret not in client.get(f"/webhooks/{hook.id}").get_data(as_text=True)


def test_a_refused_url_is_a_message_on_the_page(demo_app, users):
    client = demo_app.test_client()
    login(client, "tccb.coordinator")
    page = client.get("/webhooks/").get_data(as_text=True)
    answer = client.post(
        "/webhooks/",
        data={"csrf_token": csrf_token(page), "url": "https://169.254.169.254/latest"},
    )
    assert answer.status_code == 200
    assert "địa chỉ nội bộ" in answer.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Webhook.id))).scalar_one() == 0


def test_members_have_no_webhooks_page_and_units_see_only_their_own(demo_app, users):
    hook = webhooks.create_webhook(users("tccb.coordinator"), url="https://example.org/tccb")
    member = demo_app.test_client()
    login(member, "tccb.member")
    assert member.get("/webhooks/").status_code == 403
    other = demo_app.test_client()
    login(other, "gdtx.coordinator")
    assert "example.org/tccb" not in other.get("/webhooks/").get_data(as_text=True)
    assert other.get(f"/webhooks/{hook.webhook_id}").status_code == 404


def test_delivery_log_and_redelivery_of_a_failed_event(loopback_allowed, receiver, task, users):
    coordinator = users("tccb.coordinator")
    hook = webhooks.create_webhook(coordinator, url=receiver.url)
    task_service.start_task(task.id, users("tccb.member"), expected_version=task.version)
    receiver.statuses = [500]
    row = db.session.execute(sa.select(WebhookDelivery)).scalar_one()
    # Give up at once: the last attempt (the schedule itself is tested in test_delivery).
    row.attempts = webhook_sender.MAX_ATTEMPTS - 1
    db.session.commit()
    webhook_sender.send_pending()
    db.session.expire_all()
    assert row.status == DeliveryStatus.FAILED

    client = loopback_allowed.test_client()
    login(client, "tccb.coordinator")
    page = client.get(f"/webhooks/{hook.webhook_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "task.started" in html and "Gửi thất bại" in html and "HTTP 500" in html
    answer = client.post(
        f"/webhooks/{hook.webhook_id}/deliveries/{row.id}/redeliver",
        data={"csrf_token": csrf_token(html)},
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    redelivered = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "webhook.redeliver")
    ).scalar_one()
    assert redelivered.after["event_id"] == row.event_id and redelivered.actor_id == coordinator.id
    assert webhook_sender.send_pending().delivered == 1
    ids = [r.headers["x-planwork-delivery"] for r in receiver.requests]
    assert ids == [str(row.event_id), str(row.event_id)]  # the same id: receivers dedupe


def test_ping_from_the_page_reaches_the_receiver(loopback_allowed, receiver, users):
    hook = webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    client = loopback_allowed.test_client()
    login(client, "tccb.coordinator")
    html = client.get(f"/webhooks/{hook.webhook_id}").get_data(as_text=True)
    assert (
        client.post(
            f"/webhooks/{hook.webhook_id}/ping", data={"csrf_token": csrf_token(html)}
        ).status_code
        == 302
    )
    webhook_sender.send_pending()
    [got] = receiver.requests
    assert got.headers["x-planwork-event"] == "ping"
    ping = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "webhook.ping")
    ).scalar_one()
    assert got.headers["x-planwork-delivery"] == str(ping.seq)


def test_delete_needs_its_confirmation_box(demo_app, users):
    hook = webhooks.create_webhook(users("tccb.coordinator"), url="https://example.org/h")
    client = demo_app.test_client()
    login(client, "tccb.coordinator")
    html = client.get(f"/webhooks/{hook.webhook_id}").get_data(as_text=True)
    url = f"/webhooks/{hook.webhook_id}/delete"
    client.post(url, data={"csrf_token": csrf_token(html)})
    assert db.session.get(Webhook, hook.webhook_id) is not None
    client.post(url, data={"csrf_token": csrf_token(html), "confirm": "y"})
    db.session.expire_all()
    assert db.session.get(Webhook, hook.webhook_id) is None


def test_the_log_is_paginated(demo_app, users):
    hook = webhooks.create_webhook(users("tccb.coordinator"), url="https://example.org/h")
    webhooks.queue_deliveries(
        [
            {"webhook_id": hook.webhook_id, "event_id": n, "event_type": "ping", "payload": {}}
            for n in range(1, 61)
        ]
    )
    db.session.commit()
    client = demo_app.test_client()
    login(client, "tccb.coordinator")
    first = client.get(f"/webhooks/{hook.webhook_id}").get_data(as_text=True)
    second = client.get(f"/webhooks/{hook.webhook_id}?page=2").get_data(as_text=True)
    rows = re.compile(r"<td><code>ping</code></td>")
    assert len(rows.findall(first)) == 50 and len(rows.findall(second)) == 10
    assert "?page=2" in first


def test_api_crud_with_scopes_and_units(demo_app, users):
    client = demo_app.test_client()
    write = _token("tccb.coordinator", "write")
    created = client.post(
        "/api/v1/webhooks",
        json={"url": "https://example.org/api", "event_types": ["task.verified"]},
        headers=write,
    )
    assert created.status_code == 201, created.get_json()
    hook_id, secret = created.get_json()["id"], created.get_json()["secret"]
    assert secret == db.session.get(Webhook, hook_id).secret
    listed = client.get("/api/v1/webhooks", headers=write).get_json()["items"]
    assert [h["id"] for h in listed] == [hook_id] and "secret" not in listed[0]

    read = _token("tccb.coordinator", "read")
    refused = client.post("/api/v1/webhooks", json={"url": "https://example.org/r"}, headers=read)
    assert refused.status_code == 403 and refused.get_json()["code"] == "insufficient_scope"
    member = _token("tccb.member", "write")
    assert (
        client.post(
            "/api/v1/webhooks", json={"url": "https://example.org/m"}, headers=member
        ).status_code
        == 403
    )
    ssrf = client.post("/api/v1/webhooks", json={"url": "https://10.0.0.1/x"}, headers=write)
    assert ssrf.status_code == 400 and ssrf.get_json()["message"]

    other = _token("gdtx.coordinator", "write")
    assert client.get(f"/api/v1/webhooks/{hook_id}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=other).status_code == 404

    patched = client.patch(f"/api/v1/webhooks/{hook_id}", json={"active": False}, headers=write)
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    rotated = client.post(f"/api/v1/webhooks/{hook_id}/rotate-secret", headers=write).get_json()
    assert rotated["secret"] != secret
    log = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=write).get_json()
    assert log == {"items": [], "total": 0, "page": 1}
    assert client.delete(f"/api/v1/webhooks/{hook_id}", headers=write).status_code == 204
    assert db.session.get(Webhook, hook_id) is None
