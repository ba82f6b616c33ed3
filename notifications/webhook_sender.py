"""Deliver webhook events: claim under a lease, POST signed JSON, mark; back off on failure.

Rows are claimed like the mail outbox's (notifications/sender.py): status "sending", a
claim token naming this process, claimed_at; FOR UPDATE SKIP LOCKED on PostgreSQL, the
write lock taken first on SQLite; so two senders never take the same row. Each row is
marked in its own commit right after the receiver answers. A sender that dies between
the receiver's answer and that commit leaves the row "sending": it is taken back when the
lease ends and posted again with the same X-PlanWork-Delivery (the event id), which is
why receivers should ignore an id they already processed (at-least-once, exactly once
unless a sender dies mid-request).

The HTTP client is the standard library's http.client, on purpose: `requests` is in the
lock only through test and load tooling (not a runtime dependency), and http.client lets
the sender connect to the very address it checked against the private ranges
(workflow/webhook_urls.py) rather than to a second lookup that a hostile DNS answer could
point inside the network; it never follows redirects either.

Signature: X-PlanWork-Signature = "sha256=" + hex HMAC-SHA256(secret, timestamp + "." +
body), X-PlanWork-Timestamp = Unix seconds, so a receiver can also refuse old replays.
"""

from __future__ import annotations

import hmac
import http.client
import json
import logging
import random
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from models import db
from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from notifications import locks
from workflow import clock
from workflow.errors import WorkflowError
from workflow.webhook_urls import check_url, resolve

log = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, … attempt; after the last one the delivery is "failed".
BACKOFF_SECONDS = (60, 300, 1800, 7200, 43200)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
JITTER = 0.2  # ±20 %: receivers that came back up are not hit by every sender at once
TIMEOUT_SECONDS = 5
LEASE_SECONDS = 300
BATCH_SIZE = 50
MAX_ERROR_CHARS = 500
USER_AGENT = "PlanWork-Webhook/1"


@dataclass
class WebhookResult:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery and its hook, as plain values (commits never reload them)."""

    id: int
    webhook_id: int
    event_id: int
    event_type: str
    payload: dict[str, Any]
    attempts: int
    url: str
    secret: str


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-PlanWork-Signature value for this body sent at this timestamp."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, "sha256")
    return "sha256=" + mac.hexdigest()


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes posted (and signed): compact UTF-8 JSON, keys sorted."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (with jitter)."""
    base = BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1]
    return timedelta(seconds=base * (1 + JITTER * (2 * rand() - 1)))


def _claimable(now: datetime, cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        ),
        # A sender that died mid-batch leaves rows "sending"; its lease ends, we take over.
        sa.and_(
            WebhookDelivery.status == DeliveryStatus.SENDING, WebhookDelivery.claimed_at < cutoff
        ),
    )


def claim(limit: int = BATCH_SIZE) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` due deliveries of active hooks and commit the claim."""
    token = locks.claim_token()
    now = clock.now()
    cutoff = now - timedelta(seconds=LEASE_SECONDS)
    postgres = locks.begin_claim(WebhookDelivery)
    active = sa.select(Webhook.id).where(Webhook.active).scalar_subquery()
    claimable = sa.and_(_claimable(now, cutoff), WebhookDelivery.webhook_id.in_(active))
    query = (
        sa.select(WebhookDelivery.id)
        .where(claimable)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.execute(query).scalars())
    locks.mark_claimed(
        WebhookDelivery, ids, claimable, ("status", DeliveryStatus.SENDING), token, now
    )
    rows = [
        Claimed(**row._asdict())
        for row in db.session.execute(
            sa.select(
                WebhookDelivery.id,
                WebhookDelivery.webhook_id,
                WebhookDelivery.event_id,
                WebhookDelivery.event_type,
                WebhookDelivery.payload,
                WebhookDelivery.attempts,
                Webhook.url,
                Webhook.secret,
            )
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.claim_token == token)
            .order_by(WebhookDelivery.id)
        )
    ]
    db.session.rollback()
    return token, rows


def _finish(row_id: int, token: str, **values: object) -> bool:
    db.session.rollback()  # a fresh write transaction (SQLite: never upgrade a read)
    done = db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == row_id, WebhookDelivery.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount == 1


def post(row: Claimed, now: datetime | None = None) -> tuple[int | None, str | None]:
    """POST the event; (status code, None) when the receiver answered, else (None, why).

    The URL is checked again and its host resolved and checked here, then the connection
    goes to that checked address (see the module's docstring)."""
    try:
        _url, target = check_url(row.url)
        address = resolve(target)
    except WorkflowError as error:
        return None, error.message
    body = body_of(row.payload)
    # Wall time, not the app's clock (tests and replays move that one through whole years):
    # receivers compare it with their own clock to refuse old replays.
    timestamp = str(int(now.replace(tzinfo=UTC).timestamp() if now else time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-PlanWork-Event": row.event_type,
        "X-PlanWork-Delivery": str(row.event_id),
        "X-PlanWork-Timestamp": timestamp,
        "X-PlanWork-Signature": sign(row.secret, timestamp, body),
    }
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=TIMEOUT_SECONDS)

    def pinned(addr: tuple[str, int], timeout: float, source: Any = None) -> socket.socket:
        # The checked address, not a new lookup; TLS still verifies the host's name.
        return socket.create_connection((address, addr[1]), timeout, source)

    conn._create_connection = pinned  # type: ignore[attr-defined]
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(4096)  # a little of the answer; the rest is of no use to us
        return response.status, None
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
    finally:
        conn.close()


def _outcome(row: Claimed, token: str, code: int | None, error: str | None) -> str:
    now = clock.now()
    if code is not None and 200 <= code < 300:
        _finish(
            row.id,
            token,
            status=DeliveryStatus.DELIVERED,
            last_status_code=code,
            last_error=None,
            delivered_at=now,
            claim_token=None,
        )
        return "delivered"
    if error is None:
        error = f"HTTP {code}"
        if code is not None and 300 <= code < 400:
            error += " (chuyển hướng không được theo)"
    if row.attempts >= MAX_ATTEMPTS:
        _finish(
            row.id,
            token,
            status=DeliveryStatus.FAILED,
            last_status_code=code,
            last_error=error[:MAX_ERROR_CHARS],
            claim_token=None,
        )
        return "failed"
    _finish(
        row.id,
        token,
        status=DeliveryStatus.PENDING,
        last_status_code=code,
        last_error=error[:MAX_ERROR_CHARS],
        next_attempt_at=now + backoff(row.attempts),
        claim_token=None,
    )
    return "retrying"


def send_pending(max_batches: int = 20) -> WebhookResult:
    """Deliver what is due now, batch after batch."""
    result = WebhookResult()
    for _ in range(max_batches):
        token, rows = claim()
        if not rows:
            break
        result.claimed += len(rows)
        for row in rows:
            code, error = post(row)
            outcome = _outcome(row, token, code, error)
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "delivered":
                result.errors.append(f"{row.url}: {error or code}")
            log.info(
                "webhook %s event %s (%s): %s %s",
                row.webhook_id,
                row.event_id,
                row.event_type,
                outcome,
                code or error,
            )
    return result
