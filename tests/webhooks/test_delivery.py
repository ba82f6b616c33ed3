"""Events reach a real HTTP receiver on loopback: signed, once per event, retried with
back-off when the receiver fails, never twice when two senders race."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import sqlalchemy as sa

from models import AuditEvent, db
from models.webhooks import DeliveryStatus, WebhookDelivery
from notifications import webhook_sender
from notifications.jobs import run_webhooks
from workflow import clock, webhooks
from workflow import tasks as task_service


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What the README tells a receiver to do."""
    signed = headers["x-planwork-timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-planwork-signature"])


def _rows() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(
        db.session.execute(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).scalars()
    )


def _start(task, users) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    task_service.start_task(task.id, users("tccb.member"), expected_version=task.version)


def test_a_transition_reaches_the_receiver_signed_and_once(loopback_allowed, receiver, task, users):
    hook = webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    _start(task, users)
    started = (
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "task.start")
            .order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )

    first = webhook_sender.send_pending()
    again = webhook_sender.send_pending()  # the sender run twice sends nothing new

    assert (first.delivered, again.claimed) == (1, 0)
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert got.path == "/hook"
    assert _verify(hook.secret, got.headers, got.body)
    assert not _verify(hook.secret + "x", got.headers, got.body)
    assert got.headers["x-planwork-event"] == "task.started"
    assert got.headers["x-planwork-delivery"] == str(started.seq)
    payload = json.loads(got.body)
    assert payload["id"] == started.seq and payload["type"] == "task.started"
    assert payload["occurred_at"].endswith("Z")
    assert payload["task"]["plan_number"] == "4403/KH-SGDĐT" and payload["task"]["item"] == "2"
    assert payload["task"]["state"] == "in_progress"
    assert payload["task"]["lead_unit"]["code"] == "TCCB"
    assert payload["actor"]["name"] == users("tccb.member").full_name
    [row] = _rows()
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)


def test_the_same_event_is_queued_once_per_hook(loopback_allowed, receiver, task, users):
    webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    _start(task, users)
    [row] = _rows()
    # The receiver of the signal running again (a retried transaction) adds nothing.
    webhooks.queue_deliveries(
        [{"webhook_id": row.webhook_id, "event_id": row.event_id, "event_type": "x", "payload": {}}]
    )
    db.session.commit()
    assert len(_rows()) == 1


def test_two_senders_racing_post_each_event_once(loopback_allowed, receiver, task, users):
    coordinator = users("tccb.coordinator")
    hook = webhooks.create_webhook(coordinator, url=receiver.url)
    _start(task, users)
    for _ in range(6):
        webhooks.ping(hook.webhook_id, coordinator)
    app = loopback_allowed
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                barrier.wait()
                webhook_sender.send_pending()
                db.session.remove()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    ids = [r.headers["x-planwork-delivery"] for r in receiver.requests]
    assert len(ids) == 7 and len(set(ids)) == 7
    assert {r.status for r in _rows()} == {DeliveryStatus.DELIVERED}


def test_a_failing_receiver_is_retried_with_back_off_then_delivered(
    loopback_allowed, receiver, task, users
):
    clock.freeze(clock.now().replace(microsecond=0))
    webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    _start(task, users)
    receiver.statuses = [500, 503]

    result = webhook_sender.send_pending()
    [row] = _rows()
    assert (result.retrying, row.status, row.attempts) == (1, DeliveryStatus.PENDING, 1)
    assert row.last_status_code == 500 and row.last_error == "HTTP 500"
    wait = row.next_attempt_at - clock.now()
    assert timedelta(seconds=48) <= wait <= timedelta(seconds=72)  # 1 minute ± 20 %

    assert webhook_sender.send_pending().claimed == 0  # not due yet: nothing is posted
    assert len(receiver.requests) == 1

    clock.freeze(clock.now() + timedelta(minutes=2))
    webhook_sender.send_pending()
    [row] = _rows()
    assert (row.attempts, row.last_status_code) == (2, 503)
    wait = row.next_attempt_at - clock.now()
    assert timedelta(minutes=4) <= wait <= timedelta(minutes=6)  # 5 minutes ± 20 %

    clock.freeze(clock.now() + timedelta(minutes=10))
    assert run_webhooks().delivered == 1  # the scheduler's job
    [row] = _rows()
    assert (row.status, row.attempts, row.last_status_code) == (DeliveryStatus.DELIVERED, 3, 200)
    ids = {r.headers["x-planwork-delivery"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and ids == {str(row.event_id)}


def test_a_receiver_that_never_answers_well_ends_failed(loopback_allowed, receiver, task, users):
    clock.freeze(clock.now().replace(microsecond=0))
    webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    _start(task, users)
    receiver.statuses = [500] * webhook_sender.MAX_ATTEMPTS
    for _ in range(webhook_sender.MAX_ATTEMPTS):
        webhook_sender.send_pending()
        clock.freeze(clock.now() + timedelta(days=1))
    [row] = _rows()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, webhook_sender.MAX_ATTEMPTS)
    assert webhook_sender.send_pending().claimed == 0
    assert len(receiver.requests) == webhook_sender.MAX_ATTEMPTS


def test_a_redirect_is_not_followed(loopback_allowed, receiver, task, users):
    webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    _start(task, users)
    receiver.statuses = [302]
    webhook_sender.send_pending()
    [row] = _rows()
    assert row.status == DeliveryStatus.PENDING and row.last_status_code == 302
    assert "chuyển hướng" in row.last_error
    assert len(receiver.requests) == 1


def test_back_off_schedule_and_jitter():
    assert webhook_sender.backoff(1, lambda: 0.5) == timedelta(minutes=1)
    assert webhook_sender.backoff(2, lambda: 0.5) == timedelta(minutes=5)
    assert webhook_sender.backoff(3, lambda: 0.5) == timedelta(minutes=30)
    assert webhook_sender.backoff(4, lambda: 0.5) == timedelta(hours=2)
    assert webhook_sender.backoff(5, lambda: 0.5) == timedelta(hours=12)
    assert webhook_sender.backoff(5, lambda: 0.0) == timedelta(hours=12 * 0.8)
    assert webhook_sender.backoff(5, lambda: 1.0) == timedelta(hours=12 * 1.2)


def test_only_the_hooks_an_event_concerns_get_it(loopback_allowed, receiver, task, users):
    admin = users("sgddt.admin")
    lead = webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url)
    tracking = webhooks.create_webhook(users("gdtx.coordinator"), url=receiver.url + "/t")
    unrelated = webhooks.create_webhook(users("pgd-q3.coordinator"), url=receiver.url + "/u")
    department = webhooks.create_webhook(admin, url=receiver.url + "/d", department_wide=True)
    filtered = webhooks.create_webhook(
        users("tccb.coordinator"), url=receiver.url + "/f", event_types=["task.verified"]
    )
    off = webhooks.create_webhook(users("tccb.coordinator"), url=receiver.url + "/off")
    webhooks.update_webhook(off.webhook_id, admin, active=False)
    _start(task, users)
    hooks = {r.webhook_id for r in _rows()}
    assert hooks == {lead.webhook_id, tracking.webhook_id, department.webhook_id}
    assert unrelated.webhook_id not in hooks and filtered.webhook_id not in hooks


def test_a_disabled_hook_keeps_its_events_until_it_is_on_again(
    loopback_allowed, receiver, task, users
):
    coordinator = users("tccb.coordinator")
    hook = webhooks.create_webhook(coordinator, url=receiver.url)
    _start(task, users)
    webhooks.update_webhook(hook.webhook_id, coordinator, active=False)
    assert webhook_sender.send_pending().claimed == 0
    webhooks.update_webhook(hook.webhook_id, coordinator, active=True)
    assert webhook_sender.send_pending().delivered == 1
    assert len(receiver.requests) == 1
