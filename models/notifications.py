"""The mail outbox and the leases that keep a second scheduler harmless."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, str_enum, utcnow


class MailKind(enum.StrEnum):
    DIGEST = "digest"
    BEFORE_DUE = "before_due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    EVENT = "event"
    EVENT_DIGEST = "event_digest"  # one line of a person's daily digest of events


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a sender under a lease
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; an admin may resend
    OBSOLETE = "obsolete"  # the task was reported/closed or its deadline moved before sending


class OutboxMessage(db.Model):
    """One mail to one recipient. `dedupe_key` is unique: planning the same reminder again
    (a second run, a second scheduler) inserts nothing."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_state_next", "state", "next_attempt_at"),
        sa.Index("ix_outbox_planned_for", "planned_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (kind, task or unit, due date, offset, recipient) as one string: a unique constraint over
    # nullable columns would let two digests (task NULL) collide silently.
    dedupe_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    kind: Mapped[MailKind] = mapped_column(str_enum(MailKind))
    event: Mapped[str | None] = mapped_column(sa.String(20))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    due_on: Mapped[date | None]
    offset_days: Mapped[int | None]
    recipient: Mapped[str] = mapped_column(sa.String(200))
    planned_for: Mapped[date]
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # Derived from dedupe_key: a copy re-sent after a crash carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(sa.String(200))
    # RFC 8058 one-click unsubscribe target for the List-Unsubscribe header (event mails).
    unsubscribe_url: Mapped[str | None] = mapped_column(sa.String(400))
    state: Mapped[OutboxState] = mapped_column(str_enum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(sa.String(40))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchedulerLock(db.Model):
    """A named lease: the job that holds it runs, any other scheduler skips."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime | None]
    acquired_at: Mapped[datetime | None]
