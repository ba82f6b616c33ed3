"""Outgoing webhooks: register, change, rotate the secret, disable, delete; ping and
redeliver. Every change is audited; the secret never enters the trail.

A unit's coordinators manage their unit's hooks; the administrators manage every hook,
and only they register department-wide ones (unit None: every task's events). The
secret signs each body (HMAC-SHA256); like GitHub's, it is shown when the hook is created
or rotated, and kept in clear because the sender needs it to sign.

Delivery rows are written by `queue_deliveries` inside the caller's transaction with
INSERT … ON CONFLICT DO NOTHING on (webhook, event): an event is queued once per hook.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models import Role, User, db
from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.transaction import unit_of_work
from workflow.webhook_urls import check_url

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_HOOKS_PER_OWNER = 10
PAGE_SIZE = 50
PING = "ping"
# The event types a hook may filter on (the payload's "type"); none chosen: all of them.
EVENT_TYPES = (
    "task.created",
    "task.started",
    "task.reported",
    "task.verified",
    "task.returned",
    "task.reopened",
    "task.cancelled",
    "task.reassigned",
    "task.due_changed",
    "task.edited",
    "task.extension_requested",
    "task.extension_granted",
    "task.extension_refused",
    "task.explanation_requested",
    "task.explanation_answered",
    "task.contribution_added",
)


@dataclass(frozen=True)
class NewSecret:
    """A hook's id and its secret, shown once (creation, rotation)."""

    webhook_id: int
    secret: str


def iso(moment: datetime) -> str:
    """Naive UTC as RFC 3339 with "Z" (what receivers parse)."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def may_manage(actor: User | None, unit_id: int | None) -> bool:
    """Administrators every hook; a coordinator their own unit's (never department-wide)."""
    if actor is None or not actor.active:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.COORDINATOR and unit_id is not None and unit_id == actor.unit_id


def may_use_webhooks(actor: User | None) -> bool:
    """Whether the webhooks page is for this user at all."""
    return actor is not None and actor.role in (Role.ADMIN, Role.COORDINATOR)


def _require_user(actor: User | None) -> None:
    if not may_use_webhooks(actor):
        raise PermissionDenied(
            "Chỉ điều phối viên của đơn vị hoặc quản trị viên mới quản lý được webhook."
        )


def _visible(hook_id: int, actor: User | None, *, lock: bool = False) -> Webhook:
    _require_user(actor)
    hook = db.session.get(Webhook, hook_id, with_for_update=lock)
    if hook is None or not may_manage(actor, hook.unit_id):
        # Another unit's hook is not there for them: do not confirm it exists.
        raise NotFound("Không tìm thấy webhook.")
    return hook


def _event_types(values: list[str] | tuple[str, ...] | None) -> list[str]:
    chosen = sorted({v.strip() for v in values or () if v and v.strip()})
    unknown = [v for v in chosen if v not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            "Loại sự kiện không hợp lệ: %(types)s.", types=", ".join(unknown[:5])[:200]
        )
    return chosen


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def _snapshot(hook: Webhook) -> dict[str, Any]:
    return {
        "webhook_id": hook.id,
        "unit_id": hook.unit_id,
        "url": hook.url,
        "event_types": list(hook.event_types or []),
        "active": hook.active,
    }


def _record(action: str, hook: Webhook, actor: User, **kw: Any) -> int:
    event = audit.record(
        action,
        actor=actor,
        object_type="webhook",
        object_id=hook.id,
        unit_id=hook.unit_id if hook.unit_id is not None else actor.unit_id,
        **kw,
    )
    return event.seq


def create_webhook(
    actor: User,
    *,
    url: str | None,
    event_types: list[str] | None = None,
    department_wide: bool = False,
    unit_id: int | None = None,
) -> NewSecret:
    """Register a hook for the actor's unit (or `unit_id`, administrators; or the whole
    department); audited as "webhook.create" (without the secret)."""
    _require_user(actor)
    clean_url, _target = check_url(url)
    types = _event_types(event_types)
    owner = None if department_wide else (unit_id if unit_id is not None else actor.unit_id)
    if not may_manage(actor, owner):
        raise PermissionDenied(
            "Chỉ quản trị viên mới đăng ký được webhook cho toàn Sở hoặc cho đơn vị khác."
        )
    with unit_of_work():
        count = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Webhook)
            .where(Webhook.unit_id.is_(None) if owner is None else Webhook.unit_id == owner)
        ).scalar_one()
        if count >= MAX_HOOKS_PER_OWNER:
            raise InvalidInput(
                "Mỗi đơn vị có tối đa %(max)s webhook; hãy xóa webhook không dùng nữa.",
                max=MAX_HOOKS_PER_OWNER,
            )
        secret = _new_secret()
        hook = Webhook(
            unit_id=owner,
            url=clean_url,
            secret=secret,
            event_types=types,
            active=True,
            created_by_id=actor.id,
            created_at=clock.now(),
        )
        db.session.add(hook)
        db.session.flush()
        _record("webhook.create", hook, actor, after=_snapshot(hook))
        result = NewSecret(hook.id, secret)
    return result


def update_webhook(
    hook_id: int,
    actor: User,
    *,
    url: str | None = None,
    event_types: list[str] | None = None,
    active: bool | None = None,
) -> None:
    """Change a hook's URL, event filter or whether it is on; audited "webhook.update".
    Disabling leaves its queued deliveries waiting: they go once it is on again."""
    clean_url = check_url(url)[0] if url is not None else None
    types = _event_types(event_types) if event_types is not None else None
    with unit_of_work():
        hook = _visible(hook_id, actor, lock=True)
        before = _snapshot(hook)
        if clean_url is not None:
            hook.url = clean_url
        if types is not None:
            hook.event_types = types
        if active is not None:
            hook.active = active
        after = _snapshot(hook)
        if after == before:
            return
        _record("webhook.update", hook, actor, before=before, after=after)


def rotate_secret(hook_id: int, actor: User) -> NewSecret:
    """A new secret for the hook (the old one stops signing at once); audited."""
    with unit_of_work():
        hook = _visible(hook_id, actor, lock=True)
        secret = _new_secret()
        hook.secret = secret
        hook.secret_rotated_at = clock.now()
        _record("webhook.rotate_secret", hook, actor, after={"webhook_id": hook.id})
        result = NewSecret(hook.id, secret)
    return result


def delete_webhook(hook_id: int, actor: User) -> None:
    """Delete a hook with its delivery log; audited "webhook.delete" with what it was."""
    with unit_of_work():
        hook = _visible(hook_id, actor, lock=True)
        _record("webhook.delete", hook, actor, before=_snapshot(hook))
        db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
        db.session.delete(hook)


def queue_deliveries(rows: list[dict[str, Any]]) -> None:
    """Insert delivery rows ({webhook_id, event_id, event_type, payload}) in the caller's
    transaction; a (hook, event) already queued is left as it is."""
    if not rows:
        return
    now = clock.now()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(WebhookDelivery.__table__).on_conflict_do_nothing(
        index_elements=["webhook_id", "event_id"]
    )
    values = [
        {
            **row,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for row in rows
    ]
    db.session.execute(stmt, values)


def ping(hook_id: int, actor: User) -> int:
    """Queue a test event ("ping") for the hook; its id is the audit event's. Returns it."""
    with unit_of_work():
        hook = _visible(hook_id, actor)
        if not hook.active:
            raise InvalidInput("Webhook đang tắt; hãy bật lại trước khi gửi thử.")
        seq = _record("webhook.ping", hook, actor, after={"webhook_id": hook.id})
        payload = {
            "id": seq,
            "type": PING,
            "occurred_at": iso(clock.now()),
            "webhook": {"id": hook.id, "url": hook.url},
            "actor": {"id": actor.id, "name": actor.full_name},
        }
        queue_deliveries(
            [{"webhook_id": hook.id, "event_id": seq, "event_type": PING, "payload": payload}]
        )
    return seq


def redeliver(delivery_id: int, actor: User, *, hook_id: int | None = None) -> int:
    """Put a failed (or delivered) delivery back in the queue for a fresh round of
    attempts, same event id and body; audited "webhook.redeliver". Returns the event id."""
    with unit_of_work():
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or (hook_id is not None and delivery.webhook_id != hook_id):
            raise NotFound("Không tìm thấy lần gửi.")
        hook = _visible(delivery.webhook_id, actor)
        if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.DELIVERED):
            raise InvalidInput("Chỉ gửi lại được sự kiện đã gửi xong hoặc gửi không thành công.")
        before = {"status": delivery.status, "attempts": delivery.attempts}
        delivery.status = DeliveryStatus.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = clock.now()
        delivery.claim_token = None
        _record(
            "webhook.redeliver",
            hook,
            actor,
            before=before,
            after={
                "delivery_id": delivery.id,
                "event_id": delivery.event_id,
                "status": DeliveryStatus.PENDING,
            },
        )
        event_id = delivery.event_id
    return event_id


# --- reads for the pages and the API (no writes) ----------------------------------------


def hooks_for(actor: User) -> list[Webhook]:
    """The hooks the actor manages: all for administrators, their unit's for coordinators."""
    _require_user(actor)
    query = sa.select(Webhook).order_by(Webhook.id)
    if actor.role != Role.ADMIN:
        query = query.where(Webhook.unit_id == actor.unit_id)
    return list(db.session.execute(query).scalars())


def get_hook(hook_id: int, actor: User) -> Webhook:
    """One hook the actor manages, or NotFound."""
    return _visible(hook_id, actor)


def deliveries(
    hook_id: int, actor: User, *, page: int = 1, per_page: int = PAGE_SIZE
) -> tuple[list[WebhookDelivery], int]:
    """A page of the hook's delivery log, newest first, and how many rows there are."""
    hook = _visible(hook_id, actor)
    page = max(page, 1)
    total = db.session.execute(
        sa.select(sa.func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
    ).scalar_one()
    rows = db.session.execute(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return list(rows), total
