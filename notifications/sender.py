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
whose sender vanished is taken back when its lease ends, or at once when the
claim token names a process of this host that no longer exists, and re-sent
with the same Message-ID, derived from the outbox key, so the copy is
recognisable and collapsed by clients and by our sink.

Reminders: every reminder row is one line (a task for a person). A person's due
lines are claimed together and go out as one mail, rendered as of the sending
day: day counts are those of that day, a before-due line whose deadline passed
becomes an overdue line or is dropped, a task reported meanwhile is dropped
(the row says why). At most one reminder mail a person a day, and none on a
weekend or holiday: lines arriving later wait for the next working day.
"""

from __future__ import annotations

import base64
import email.policy
import logging
import smtplib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_mail import Connection, Mail, Message

from models import MailKind, OutboxMessage, OutboxState, Plan, PlanStatus, Task, TaskState, db
from notifications import locks, render, unsubscribe
from notifications.events import default_locale, locales_of_addresses
from notifications.planner import line_as_of, task_info
from notifications.policy import Policy
from notifications.recipients import load_directory
from workflow import clock

log = logging.getLogger(__name__)

mail = Mail()

# Reminder kinds: each row is one line of a person's daily reminder mail (planner.py).
REMINDER_KINDS = (MailKind.DIGEST, MailKind.BEFORE_DUE, MailKind.OVERDUE, MailKind.ESCALATION)
# Lines of a person's daily digest of events (notifications/events.py): folded into one mail.
EVENT_DIGEST_KINDS = (MailKind.EVENT_DIGEST,)
# Rows claimed together with all of the same person's due rows of the same family.
GROUPED_KINDS = (REMINDER_KINDS, EVENT_DIGEST_KINDS)
STILL_CHASED = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)
# RFC 2047 encoded-words of at most this many UTF-8 bytes (75 characters once encoded).
SUBJECT_CHUNK_BYTES = 39


@dataclass
class SendResult:
    claimed: int = 0
    sent: int = 0  # mails accepted by the server
    merged: int = 0  # reminder lines that went out inside another row's mail
    retrying: int = 0
    failed: int = 0
    obsolete: int = 0  # rows dropped: no longer true (reason in the row)
    postponed: int = 0  # reminders held for the next working day
    errors: list[str] = field(default_factory=list)

    COUNTERS = ("claimed", "sent", "merged", "retrying", "failed", "obsolete", "postponed")


def _claimable(
    now: datetime, lease_cutoff: datetime, dead: Sequence[str] = ()
) -> sa.ColumnElement[bool]:
    taken_back = [OutboxMessage.claimed_at < lease_cutoff]
    if dead:
        # Claimed by a sender process on this host that no longer exists: no need to wait.
        taken_back.append(OutboxMessage.claim_token.in_(list(dead)))
    return sa.or_(
        sa.and_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now),
        # A sender that died mid-batch leaves rows in "sending"; its lease ends, we take over.
        sa.and_(OutboxMessage.state == OutboxState.SENDING, sa.or_(*taken_back)),
    )


@dataclass(frozen=True)
class Claimed:
    """A claimed row as plain values, so commits in between never reload it."""

    id: int
    kind: MailKind
    task_id: int | None
    unit_id: int | None
    due_on: date | None
    recipient: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    attempts: int
    unsubscribe_url: str | None = None


def _dead_claims() -> list[str]:
    """Claim tokens of rows held by sender processes of this host that are gone."""
    tokens = db.session.execute(
        sa.select(OutboxMessage.claim_token)
        .where(OutboxMessage.state == OutboxState.SENDING)
        .distinct()
    ).scalars()
    return [t for t in tokens if t and locks.holder_is_dead(t)]


def claim(policy: Policy, limit: int | None = None) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` due rows for this sender and commit the claim; returns the token.

    A person's reminder lines are claimed together (all their due lines, past the limit if
    need be): they go out as one mail."""
    token = locks.claim_token()
    now = clock.now()
    cutoff = now - timedelta(seconds=policy.lease_seconds)
    postgres = locks.begin_claim(OutboxMessage)
    claimable = _claimable(now, cutoff, _dead_claims())
    query = (
        sa.select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient)
        .where(claimable)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit or policy.batch_size)
    )
    if postgres:
        # Lock the batch and skip rows another sender holds. Chosen in its own statement:
        # inside "UPDATE … WHERE id IN (sub-select)" PostgreSQL may re-run the sub-select.
        query = query.with_for_update(skip_locked=True)
    chosen = db.session.execute(query).all()
    ids = {row.id for row in chosen}
    for family in GROUPED_KINDS:
        people = sorted({row.recipient for row in chosen if row.kind in family})
        for start in range(0, len(people), 500):
            more = sa.select(OutboxMessage.id).where(
                claimable,
                OutboxMessage.kind.in_(family),
                OutboxMessage.recipient.in_(people[start : start + 500]),
            )
            if postgres:
                more = more.with_for_update(skip_locked=True)
            ids.update(db.session.execute(more).scalars())
    locks.mark_claimed(OutboxMessage, ids, claimable, ("state", OutboxState.SENDING), token, now)
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
    return _finish_many([row_id], token, **values) == 1


def _finish_many(row_ids: Sequence[int], token: str, **values: object) -> int:
    if not row_ids:
        return 0
    # Start a fresh (write) transaction: see plan_for_day on SQLite read-to-write upgrades.
    db.session.rollback()
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(row_ids)), OutboxMessage.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return done.rowcount


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


def encode_subject(subject: str) -> str:
    """The Subject as RFC 2047 encoded-words with every space *inside* a word.

    Decoders drop the whitespace between adjacent encoded-words (RFC 2047, 6.2), so a
    space left between them, as email.header.Header leaves it, glues two words together
    ("21nhiệm vụ"). Chunks end after a space where they can, else between characters
    (inside a long word, where no space is lost)."""
    if subject.isascii():
        return subject
    chunks, current = [], ""
    for char in subject:
        if current and len((current + char).encode("utf-8")) > SUBJECT_CHUNK_BYTES:
            cut = current.rfind(" ")
            if 0 < cut < len(current) - 1:
                chunks.append(current[: cut + 1])
                current = current[cut + 1 :]
            else:
                chunks.append(current)
                current = ""
        current += char
    if current:
        chunks.append(current)
    return " ".join(
        "=?utf-8?b?" + base64.b64encode(c.encode("utf-8")).decode("ascii") + "?=" for c in chunks
    )


class _Message(Message):
    """Flask-Mail's message with a Subject whose spaces survive decoding.

    Flask-Mail builds the message under email.policy's modern folder, which re-encodes any
    Subject we give it and leaves the space between encoded-words ("21nhiệm vụ"); the
    top-level headers are written under compat32 instead, which keeps a pre-encoded ASCII
    value as it is (the parts keep their own policy)."""

    def _message(self):  # type: ignore[no-untyped-def]
        msg = super()._message()
        msg.policy = email.policy.compat32.clone(linesep="\r\n")
        del msg["Subject"]
        msg["Subject"] = encode_subject(self.subject or "")
        return msg


def build_message(row: Claimed, rendered: render.Rendered | None = None) -> Message:
    """The Flask-Mail message for an outbox row (or for the reminder rendered for its
    group), with the row's deterministic Message-ID."""
    content = rendered or render.Rendered(row.subject, row.body_text, row.body_html)
    message = _Message(
        subject=content.subject,
        recipients=[row.recipient],
        body=content.text,
        html=content.html,
        sender=current_app.config.get("MAIL_DEFAULT_SENDER"),
        extra_headers={
            "Auto-Submitted": "auto-generated",  # RFC 3834: no auto-replies, please
            "X-PlanWork-Outbox": str(row.id),
            # RFC 8058 one-click unsubscribe (event mails; reminders have none).
            **unsubscribe.headers(row.unsubscribe_url),
        },
    )
    message.msgId = row.message_id
    return message


def mail_connection() -> Connection:
    """A Flask-Mail connection built from the current config (read at call time, so the
    SMTP server can be changed without restarting; suppression only if MAIL_SUPPRESS_SEND)."""
    state = Mail().init_mail(current_app.config)
    return Connection(state)  # type: ignore[arg-type]


@dataclass
class _Outgoing:
    """One mail to send: its carrier row, the other rows it stands for, its content."""

    carrier: Claimed
    rows: list[Claimed]
    rendered: render.Rendered | None = None  # None: the carrier's stored mail (events)
    note: str = "Gửi trong thư nhắc việc #{id}."  # what the other rows say about the carrier


def _local_midnight_utc(day: date) -> datetime:
    return (
        datetime.combine(day, time(0), tzinfo=clock.LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
    )


def _next_send_time(today: date, policy: Policy) -> datetime:
    """The next working day's planning time, in naive UTC: when held reminders go out."""
    day = policy.calendar.next_working_day(today + timedelta(days=1))
    local = datetime.combine(day, time(policy.plan_hour, policy.plan_minute), tzinfo=clock.LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def _postpone(rows: Sequence[Claimed], token: str, today: date, policy: Policy) -> None:
    """Hold reminder lines for the next working day (not counted as a failed attempt)."""
    for row in rows:
        _finish(
            row.id,
            token,
            state=OutboxState.PENDING,
            next_attempt_at=_next_send_time(today, policy),
            attempts=max(row.attempts - 1, 0),
            claim_token=None,
        )


def _reminded_today(recipients: Sequence[str], today: date) -> set[str]:
    """People who already got their reminder mail today (local day)."""
    if not recipients:
        return set()
    since = _local_midnight_utc(today)
    return set(
        db.session.execute(
            sa.select(OutboxMessage.recipient)
            .where(
                OutboxMessage.kind.in_(REMINDER_KINDS),
                OutboxMessage.state == OutboxState.SENT,
                OutboxMessage.sent_at >= since,
                OutboxMessage.recipient.in_(list(recipients)),
            )
            .distinct()
        ).scalars()
    )


def _task_rows(task_ids: set[int]) -> dict[int, sa.Row]:
    rows: dict[int, sa.Row] = {}
    ids = sorted(task_ids)
    for start in range(0, len(ids), 500):
        for row in db.session.execute(
            sa.select(
                Task.id,
                Task.number,
                Task.title,
                Task.due_on,
                Task.state,
                Task.lead_unit_id,
                Plan.id.label("plan_id"),
                Plan.number.label("plan_number"),
                Plan.title.label("plan_title"),
                Plan.status.label("plan_status"),
            )
            .join(Plan, Task.plan_id == Plan.id)
            .where(Task.id.in_(ids[start : start + 500]))
        ):
            rows[row.id] = row
    return rows


def _why_not(row: Claimed, task: sa.Row | None) -> str | None:
    """Why a reminder line is no longer due at all, or None if it still is."""
    if row.task_id is None:
        # A roll-up planned before reminders became per-task lines (an upgrade).
        return "Thư tổng hợp lập theo cách cũ, trước khi nhắc việc gộp theo từng người: không gửi."
    if task is None or row.due_on is None:
        return "Nhiệm vụ không còn tồn tại."
    if task.plan_status != PlanStatus.ACTIVE:
        return "Kế hoạch không còn hiệu lực."
    if task.state not in STILL_CHASED:
        return "Nhiệm vụ đã được báo cáo, xác nhận hoặc hủy trước khi gửi."
    if task.due_on != row.due_on:
        return "Hạn của nhiệm vụ đã thay đổi."
    return None


def _compose(
    token: str, rows: list[Claimed], today: date, policy: Policy, result: SendResult
) -> list[_Outgoing]:
    """Fold each person's reminder lines into one mail rendered as of `today`; rows no
    longer true are marked obsolete with their reason."""
    directory = load_directory()
    tasks = _task_rows({r.task_id for r in rows if r.task_id})
    by_person: dict[str, list[Claimed]] = defaultdict(list)
    for row in rows:
        by_person[row.recipient].append(row)
    outgoing = []
    locales = locales_of_addresses(by_person)  # each person's language, one statement
    for address, group in by_person.items():
        best: dict[int, tuple[render.Line, Claimed]] = {}
        covered: list[Claimed] = []
        for row in group:
            task = tasks.get(row.task_id) if row.task_id else None
            reason = _why_not(row, task)
            line = None
            if reason is None:
                assert task is not None
                if row.kind == MailKind.ESCALATION:
                    role = "chase"
                else:
                    role = "lead" if row.unit_id == task.lead_unit_id else "coordinating"
                info = task_info(task, directory)
                unit_name = directory.names.get(row.unit_id or -1, "")
                line = line_as_of(row.kind, info, role, unit_name, today, policy)
                if line is None:
                    reason = "Hạn đã qua: nhắc trước hạn không còn đúng vào ngày gửi."
            if line is None:
                _finish(
                    row.id, token, state=OutboxState.OBSOLETE, last_error=reason, claim_token=None
                )
                result.obsolete += 1
                continue
            covered.append(row)
            # One line per task: the most urgent section wins (overdue before due, …).
            order = list(render.Section)
            held = best.get(line.task.id)
            if held is None or order.index(line.section) < order.index(held[0].section):
                best[line.task.id] = (line, row)
        if not best:
            continue
        lines = [line for line, _ in best.values()]
        names = list(dict.fromkeys(ln.unit_name for ln in sorted(lines, key=render.Line.sort_key)))
        carrier = min(covered, key=lambda r: r.id)
        with force_locale(locales.get(address.lower(), default_locale())):
            rendered = render.daily(today, names, lines)
        outgoing.append(_Outgoing(carrier, covered, rendered))
    return outgoing


def _compose_digests(rows: list[Claimed], today: date) -> list[_Outgoing]:
    """Fold each person's due event-digest lines into one mail (oldest line first). Events
    stay true once they happened: unlike reminders, no line is dropped."""
    by_person: dict[str, list[Claimed]] = defaultdict(list)
    for row in rows:
        by_person[row.recipient].append(row)
    outgoing = []
    # The lines were written in each person's language; the frame around them follows it
    # (one statement for all the people).
    locales = locales_of_addresses(by_person)
    for address, group in by_person.items():
        group.sort(key=lambda r: r.id)
        lines = [render.Rendered(r.subject, r.body_text, r.body_html) for r in group]
        carrier = group[0]
        with force_locale(locales.get(address.lower(), default_locale())):
            rendered = render.event_digest(today, lines, carrier.unsubscribe_url)
        outgoing.append(
            _Outgoing(carrier, group, rendered, note="Gửi trong thư tổng hợp hằng ngày #{id}.")
        )
    return outgoing


def _deliver(item: _Outgoing, token: str) -> None:
    """Mark a delivered mail: the carrier keeps what was sent, the other lines point at it."""
    now = clock.now()
    values: dict[str, object] = {"state": OutboxState.SENT, "sent_at": now, "claim_token": None}
    if item.rendered is not None:
        db.session.rollback()
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == item.carrier.id, OutboxMessage.claim_token == token)
            .values(
                subject=item.rendered.subject[:300],
                body_text=item.rendered.text,
                body_html=item.rendered.html,
                last_error=None,
                **values,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([r.id for r in item.rows if r.id != item.carrier.id]),
                OutboxMessage.claim_token == token,
            )
            .values(last_error=item.note.format(id=item.carrier.id), **values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()  # one commit per mail keeps the crash window to one mail
    else:
        mark_sent(item.carrier.id, token)


def send_batch(policy: Policy, limit: int | None = None) -> SendResult:
    """Claim one batch and deliver it over one SMTP connection."""
    result = SendResult()
    token, rows = claim(policy, limit)
    result.claimed = len(rows)
    if not rows:
        return result
    today = clock.today()
    reminders = [r for r in rows if r.kind in REMINDER_KINDS]
    grouped = REMINDER_KINDS + EVENT_DIGEST_KINDS
    pending = [_Outgoing(r, [r]) for r in rows if r.kind not in grouped]
    pending = _compose_digests([r for r in rows if r.kind in EVENT_DIGEST_KINDS], today) + pending
    if reminders:
        held = reminders if not policy.calendar.is_working_day(today) else []
        if not held:
            done = _reminded_today(sorted({r.recipient for r in reminders}), today)
            held = [r for r in reminders if r.recipient in done]
        # No reminder on a day off, and one reminder mail a person a day at most.
        _postpone(held, token, today, policy)
        result.postponed += len(held)
        held_ids = {r.id for r in held}
        live = [r for r in reminders if r.id not in held_ids]
        pending = _compose(token, live, today, policy, result) + pending
    try:
        with mail_connection() as conn:
            while pending:
                item = pending[0]
                try:
                    conn.send(build_message(item.carrier, item.rendered))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    # This mail is refused; the connection is fine for the others.
                    pending.pop(0)
                    for row in item.rows:
                        outcome = _mark_failure(row, token, f"{type(exc).__name__}: {exc}", policy)
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    continue
                pending.pop(0)
                _deliver(item, token)
                result.sent += 1
                result.merged += len(item.rows) - 1
    except (OSError, smtplib.SMTPException) as exc:
        # Server unreachable or the session broke: every mail not yet accepted waits and retries.
        error = f"{type(exc).__name__}: {exc}"
        result.errors.append(error)
        log.warning("SMTP error, %d mails will be retried: %s", len(pending), error)
        db.session.rollback()
        for item in pending:
            for row in item.rows:
                outcome = _mark_failure(row, token, error, policy)
            setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def send_pending(policy: Policy, max_batches: int = 50) -> SendResult:
    """Drain what is due now, batch after batch, stopping at the first SMTP failure."""
    total = SendResult()
    for _ in range(max_batches):
        batch = send_batch(policy)
        for name in SendResult.COUNTERS:
            setattr(total, name, getattr(total, name) + getattr(batch, name))
        total.errors.extend(batch.errors)
        if batch.claimed == 0 or batch.errors:
            break
    return total
