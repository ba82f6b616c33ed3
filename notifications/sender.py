"""Deliver the outbox through Flask-Mail: claim, send, mark; back off on failure.

Guarantee: at-least-once delivery, and exactly once unless a sender dies while
one mail is in flight: after the SMTP server has its data and before the commit
that marks it sent (waiting for the server's reply, or the few milliseconds
after it). That one mail is sent again once the dead sender's lease ends, with
the same Message-ID; no other mail is lost or repeated (tested with a sender
process SIGKILLed mid-send, tests/notifications/test_killed_mid_send.py).

Rows are claimed under a lease (state "sending", claim token, claimed_at; FOR
UPDATE SKIP LOCKED on PostgreSQL) so two senders never take the same row; each
row is marked sent in its own commit right after the server accepts it; a claim
whose sender vanished is taken back when its lease ends and re-sent with the
same Message-ID, derived from the outbox key, so the copy is recognisable and
collapsed by clients and by our sink.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_mail import Connection, Mail, Message

from models import MailKind, OutboxMessage, OutboxState, Task, TaskState, db
from notifications.policy import Policy
from workflow import clock

log = logging.getLogger(__name__)

mail = Mail()

# Kinds that chase a deadline: pointless once the task is reported, closed or re-dated.
# Escalation roll-ups list many tasks (no task_id) and go out as planned.
DEADLINE_KINDS = (MailKind.BEFORE_DUE, MailKind.OVERDUE, MailKind.ESCALATION)
STILL_CHASED = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)


@dataclass
class SendResult:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    obsolete: int = 0
    errors: list[str] = field(default_factory=list)


def _claimable(now: datetime, lease_cutoff: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now),
        # A sender that died mid-batch leaves rows in "sending"; its lease ends, we take over.
        sa.and_(
            OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at < lease_cutoff
        ),
    )


@dataclass(frozen=True)
class Claimed:
    """A claimed row as plain values, so commits in between never reload it."""

    id: int
    kind: MailKind
    task_id: int | None
    due_on: date | None
    recipient: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    attempts: int


def claim(policy: Policy, limit: int | None = None) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` due rows for this sender and commit the claim; returns the token."""
    token = uuid.uuid4().hex
    now = clock.now()
    cutoff = now - timedelta(seconds=policy.lease_seconds)
    query = (
        sa.select(OutboxMessage.id)
        .where(_claimable(now, cutoff))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit or policy.batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Lock the batch and skip rows another sender holds. Chosen in its own statement:
        # inside "UPDATE … WHERE id IN (sub-select)" PostgreSQL may re-run the sub-select.
        query = query.with_for_update(skip_locked=True)
    else:
        # SQLite: take the write lock first, so the batch cannot change under us.
        db.session.rollback()
        db.session.execute(sa.update(OutboxMessage).where(sa.false()).values(claim_token=None))
    ids = list(db.session.execute(query).scalars())
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            # The state test is repeated: a row another sender took meanwhile is left alone.
            .where(OutboxMessage.id.in_(ids), _claimable(now, cutoff))
            .values(
                state=OutboxState.SENDING,
                claim_token=token,
                claimed_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    rows = [
        Claimed(**row._asdict())
        for row in db.session.execute(
            sa.select(*(getattr(OutboxMessage, f) for f in Claimed.__dataclass_fields__))
            .where(OutboxMessage.claim_token == token)
            .order_by(OutboxMessage.id)
        )
    ]
    db.session.rollback()
    return token, rows


def _finish(row_id: int, token: str, **values: object) -> bool:
    # Start a fresh (write) transaction: see plan_for_day on SQLite read-to-write upgrades.
    db.session.rollback()
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount == 1


def mark_sent(row_id: int, token: str) -> bool:
    """Record a delivery (one commit per mail keeps the crash window to one mail)."""
    return _finish(row_id, token, state=OutboxState.SENT, sent_at=clock.now(), claim_token=None)


def _mark_failure(row: Claimed, token: str, error: str, policy: Policy) -> str:
    if row.attempts >= policy.max_attempts:
        _finish(row.id, token, state=OutboxState.FAILED, last_error=error, claim_token=None)
        return "failed"
    delay = timedelta(seconds=policy.backoff_seconds(row.attempts))
    _finish(
        row.id,
        token,
        state=OutboxState.PENDING,
        next_attempt_at=clock.now() + delay,
        last_error=error,
        claim_token=None,
    )
    return "retrying"


def _drop_obsolete(rows: list[OutboxMessage], token: str) -> list[OutboxMessage]:
    """Deadline mails whose task was reported, closed or re-dated since planning: not sent."""
    task_ids = {r.task_id for r in rows if r.kind in DEADLINE_KINDS and r.task_id}
    if not task_ids:
        return rows
    tasks = {
        tid: (state, due)
        for tid, state, due in db.session.execute(
            sa.select(Task.id, Task.state, Task.due_on).where(Task.id.in_(task_ids))
        )
    }
    keep = []
    for row in rows:
        if row.kind in DEADLINE_KINDS and row.task_id:
            state, due = tasks.get(row.task_id, (None, None))
            if state not in STILL_CHASED or due != row.due_on:
                _finish(row.id, token, state=OutboxState.OBSOLETE, claim_token=None)
                continue
        keep.append(row)
    return keep


def build_message(row: Claimed) -> Message:
    """The Flask-Mail message for an outbox row, with its deterministic Message-ID."""
    message = Message(
        subject=row.subject,
        recipients=[row.recipient],
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config.get("MAIL_DEFAULT_SENDER"),
        extra_headers={
            "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies, please
            "X-PlanWork-Outbox": str(row.id),
        },
    )
    message.msgId = row.message_id
    return message


def mail_connection() -> Connection:
    """A Flask-Mail connection built from the current config (read at call time, so the
    SMTP server can be changed without restarting; suppression only if MAIL_SUPPRESS_SEND)."""
    state = Mail().init_mail(current_app.config)
    return Connection(state)  # type: ignore[arg-type]


def send_batch(policy: Policy, limit: int | None = None) -> SendResult:
    """Claim one batch and deliver it over one SMTP connection."""
    result = SendResult()
    token, rows = claim(policy, limit)
    result.claimed = len(rows)
    if not rows:
        return result
    before = len(rows)
    rows = _drop_obsolete(rows, token)
    result.obsolete = before - len(rows)
    pending = list(rows)
    try:
        with mail_connection() as conn:
            while pending:
                row = pending[0]
                try:
                    conn.send(build_message(row))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    # This mail is refused; the connection is fine for the others.
                    pending.pop(0)
                    outcome = _mark_failure(row, token, f"{type(exc).__name__}: {exc}", policy)
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    continue
                pending.pop(0)
                mark_sent(row.id, token)
                result.sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        # Server unreachable or the session broke: every mail not yet accepted waits and retries.
        error = f"{type(exc).__name__}: {exc}"
        result.errors.append(error)
        log.warning("SMTP error, %d mails will be retried: %s", len(pending), error)
        db.session.rollback()
        for row in pending:
            outcome = _mark_failure(row, token, error, policy)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def send_pending(policy: Policy, max_batches: int = 50) -> SendResult:
    """Drain what is due now, batch after batch, stopping at the first SMTP failure."""
    total = SendResult()
    for _ in range(max_batches):
        batch = send_batch(policy)
        for name in ("claimed", "sent", "retrying", "failed", "obsolete"):
            setattr(total, name, getattr(total, name) + getattr(batch, name))
        total.errors.extend(batch.errors)
        if batch.claimed == 0 or batch.errors:
            break
    return total
