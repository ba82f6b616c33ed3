"""Writing to the outbox: deterministic keys, duplicate-proof inserts, audited resends."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models import MailKind, OutboxMessage, OutboxState, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound
from workflow.transaction import unit_of_work

MESSAGE_ID_DOMAIN = "planwork.outbox"


def dedupe_key(
    kind: str,
    recipient: str,
    *,
    task_id: int | None = None,
    unit_id: int | None = None,
    due_on: date | None = None,
    offset: int | str | None = None,
) -> str:
    """The identity of one reminder: (kind, task or unit, due date, offset, recipient).

    Mails about a unit rather than a task carry their period in `offset`: a digest its
    quarter's first day, an escalation roll-up its day (one per coordinator a day)."""
    subject = f"t{task_id}" if task_id is not None else f"u{unit_id}"
    return f"{kind}|{subject}|{due_on.isoformat() if due_on else '-'}|{offset}|{recipient}"


def message_id_for(key: str) -> str:
    """A Message-ID that only this outbox row can have: a copy re-sent after a crash is
    recognisable as the same mail (mail clients and our sink collapse duplicates by it)."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


@dataclass
class PlannedMail:
    """One row to write; the extra fields only serve the dry-run listing."""

    dedupe_key: str
    kind: MailKind
    recipient: str
    planned_for: date
    subject: str
    body_text: str
    body_html: str
    task_id: int | None = None
    unit_id: int | None = None
    due_on: date | None = None
    offset_days: int | None = None
    event: str | None = None
    # RFC 8058 one-click unsubscribe target (event mails); None for reminders.
    unsubscribe_url: str | None = None
    # When the mail may go (naive UTC); None: at once. Digest lines wait for the digest hour.
    send_at: datetime | None = None
    # Display only (dry run).
    task_number: str | None = None
    plan_number: str | None = None
    unit_name: str | None = None
    # The tasks an escalation roll-up lists (display and tests; the body carries the links).
    task_ids: tuple[int, ...] = ()

    def row(self, now: datetime | None = None) -> dict[str, Any]:
        """Column values for the insert (`now`: one instant for a whole batch)."""
        now = now or clock.now()
        return {
            "dedupe_key": self.dedupe_key,
            "kind": self.kind,
            "event": self.event,
            "task_id": self.task_id,
            "unit_id": self.unit_id,
            "due_on": self.due_on,
            "offset_days": self.offset_days,
            "recipient": self.recipient,
            "planned_for": self.planned_for,
            "subject": self.subject,
            "body_text": self.body_text,
            "body_html": self.body_html,
            "message_id": message_id_for(self.dedupe_key),
            "unsubscribe_url": self.unsubscribe_url,
            "state": OutboxState.PENDING,
            "attempts": 0,
            "next_attempt_at": self.send_at or now,
            "created_at": now,
        }

    def listing(self) -> dict[str, Any]:
        """A JSON-ready summary (no bodies) for `reminders plan --json`."""
        data = asdict(self)
        for field in ("body_text", "body_html"):
            data.pop(field)
        data["kind"] = self.kind.value
        data["task_ids"] = list(self.task_ids)
        for field in ("planned_for", "due_on", "send_at"):
            data[field] = data[field].isoformat() if data[field] else None
        return data


def insert_ignoring_duplicates(mails: list[PlannedMail]) -> None:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING in one executemany, inside the caller's
    transaction: a reminder planned twice, by two schedulers or two runs, is written once."""
    if not mails:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
    now = clock.now()
    db.session.execute(stmt, [m.row(now) for m in mails])


def resend(outbox_id: int, actor: User) -> None:
    """Put a failed (or sent) mail back in the queue for a fresh round of attempts; audited."""
    with unit_of_work():
        message = db.session.get(OutboxMessage, outbox_id, with_for_update=True)
        if message is None:
            raise NotFound("Không tìm thấy thư.")
        if message.state not in (OutboxState.FAILED, OutboxState.SENT):
            raise InvalidInput("Chỉ gửi lại được thư đã gửi hoặc gửi không thành công.")
        before = {"state": message.state, "attempts": message.attempts}
        message.state = OutboxState.PENDING
        message.attempts = 0
        message.next_attempt_at = clock.now()
        message.claim_token = None
        audit.record(
            "outbox.resend",
            actor=actor,
            object_type="outbox",
            object_id=message.id,
            before=before,
            after={
                "state": OutboxState.PENDING,
                "recipient": message.recipient,
                "subject": message.subject,
                "task_id": message.task_id,
            },
            reason="Quản trị viên gửi lại thư",
        )


def supersede_pending(reason: str) -> int:
    """Mark every mail still waiting as not to be sent, with `reason`; returns how many.

    For replayed history (the demo's 2024): mails its events queued then must not reach
    anyone today. Committed at once."""
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.state == OutboxState.PENDING)
        .values(state=OutboxState.OBSOLETE, last_error=reason, claim_token=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount
