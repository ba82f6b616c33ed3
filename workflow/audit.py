"""Append audit events to a hash chain, and verify that chain.

Each event's hash covers its content and the previous event's hash, so editing,
deleting or inserting a past event breaks every later link. Appends are
serialised by updating the single chain-head row first (a row lock on
PostgreSQL, the write lock on SQLite), so concurrent workers never fork it.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa

from models import AuditChainHead, AuditEvent, User, db
from models.audit import GENESIS_HASH
from workflow import clock

_client_addr: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "audit_client_addr", default=None
)


@contextmanager
def client_address(addr: str | None) -> Iterator[None]:
    """Attribute the events written inside the block to this client address."""
    token = _client_addr.set(addr)
    try:
        yield
    finally:
        _client_addr.reset(token)


def set_client_address(addr: str | None) -> None:
    """Set the client address for the rest of this request (the web layer calls it)."""
    _client_addr.set(addr)


def current_client_address() -> str | None:
    """The client address events are being attributed to (None outside a request)."""
    return _client_addr.get()


def jsonable(value: Any) -> Any:
    """Turn model values into plain JSON so the hash is the same on every database."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def _digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": jsonable(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "on_behalf_of_id": event.on_behalf_of_id,
        "unit_id": event.unit_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "plan_id": event.plan_id,
        "before": jsonable(event.before),
        "after": jsonable(event.after),
        "reason": event.reason,
        "client_addr": event.client_addr,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry, given its content and its predecessor's hash."""
    return _digest(_hashed_fields(event))


def _acting_unit(actor: User | None, on_behalf_of: User | None) -> int | None:
    # A substitute acts in the absent user's unit, so the event belongs to that unit.
    if on_behalf_of is not None:
        return on_behalf_of.unit_id
    return actor.unit_id if actor else None


def record(
    action: str,
    *,
    actor: User | None,
    object_type: str,
    object_id: int | None,
    plan_id: int | None = None,
    unit_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    on_behalf_of: User | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (never commits)."""
    session = db.session
    session.flush()  # object ids must exist before the event names them
    bumped = session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=AuditChainHead.seq + 1)
    )
    if bumped.rowcount == 0:
        session.add(AuditChainHead(id=1, seq=1, last_hash=GENESIS_HASH))
        session.flush()
    head = session.execute(
        sa.select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one()
    event = AuditEvent(
        seq=head.seq,
        occurred_at=clock.now(),
        actor_id=actor.id if actor else None,
        actor_name=actor.full_name if actor else None,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
        unit_id=unit_id if unit_id is not None else _acting_unit(actor, on_behalf_of),
        action=action,
        object_type=object_type,
        object_id=object_id,
        plan_id=plan_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason,
        client_addr=_client_addr.get(),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=event.hash)
    )
    return event


@dataclass(frozen=True)
class ChainReport:
    """The verdict on the trail: intact, or the first event that breaks it and why."""

    intact: bool
    checked: int
    bad_event_id: int | None = None
    bad_seq: int | None = None
    problem: str | None = None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole chain in order, in batches, and report the first broken link."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        batch = (
            db.session.execute(
                sa.select(AuditEvent)
                .where(AuditEvent.seq > last_seq)
                .order_by(AuditEvent.seq)
                .limit(batch_size)
            )
            .scalars()
            .all()
        )
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                problem = (
                    f"thiếu sự kiện số {expected_seq} (bị xóa?)"
                    if event.seq > expected_seq
                    else f"số thứ tự {event.seq} bị trùng"
                )
                return ChainReport(False, checked, event.id, event.seq, problem)
            if event.prev_hash != expected_prev:
                return ChainReport(
                    False,
                    checked,
                    event.id,
                    event.seq,
                    "liên kết với sự kiện trước bị đứt (sự kiện bị chèn hoặc sửa)",
                )
            if event_hash(event) != event.hash:
                return ChainReport(
                    False, checked, event.id, event.seq, "nội dung đã bị sửa sau khi ghi"
                )
            expected_prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
        db.session.expunge_all()  # keep memory flat across a million events
    head = db.session.get(AuditChainHead, 1)
    head_seq = head.seq if head is not None else 0
    if head_seq < checked:
        intruder = db.session.execute(
            sa.select(AuditEvent.id).where(AuditEvent.seq == head_seq + 1)
        ).scalar_one_or_none()
        return ChainReport(
            False,
            checked,
            intruder,
            head_seq + 1,
            "sự kiện được thêm vào ngoài ứng dụng (đầu chuỗi không ghi nhận nó)",
        )
    if head_seq > checked:
        return ChainReport(
            False,
            checked,
            None,
            checked + 1,
            f"các sự kiện cuối chuỗi đã bị xóa (đầu chuỗi ghi {head_seq}, còn {checked})",
        )
    if head is not None and head.last_hash != expected_prev:
        return ChainReport(
            False, checked, None, checked, "sự kiện cuối chuỗi không khớp với đầu chuỗi"
        )
    return ChainReport(True, checked)
