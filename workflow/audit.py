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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa

from models import AuditChainHead, AuditEvent, ShownDataVersion, User, db
from models.audit import GENESIS_HASH
from workflow import clock
from workflow.errors import WorkflowError

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


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
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
    return _digest(hashed_fields(event))


class ChainHeadMissing(WorkflowError):
    """The chain head row is gone while events exist: nothing can be appended safely."""

    status = 500


def _acting_unit(actor: User | None, on_behalf_of: User | None) -> int | None:
    # A substitute acts in the absent user's unit, so the event belongs to that unit.
    if on_behalf_of is not None:
        return on_behalf_of.unit_id
    return actor.unit_id if actor else None


# Audited, but nothing a page shows changes: signing in and out, passwords, tokens,
# calendar links. Every other action advances the shown data version (web/page_cache.py);
# a new action does too until it is named here.
UNSHOWN_ACTIONS = frozenset(
    {
        "user.login",
        "user.login_failed",
        "user.logout",
        "user.password",
        "account.password_change",
        "account.password_reset_requested",
        "account.password_reset",
        "account.calendar_link",
        "token.create",
        "token.revoke",
        "security.login_failures_summary",
    }
)


def _advance_shown_version(seq: int) -> None:
    # After the chain head's row lock: writers take both rows in the same order.
    session = db.session
    moved = session.execute(
        sa.update(ShownDataVersion).where(ShownDataVersion.id == 1).values(seq=seq)
    )
    if moved.rowcount == 0:
        session.add(ShownDataVersion(id=1, seq=seq))
        session.flush()


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
        if session.execute(sa.select(AuditEvent.id).limit(1)).first() is not None:
            # Starting a new head would collide with event 1 ("Dữ liệu trùng…"): say why.
            raise ChainHeadMissing(
                "Không ghi được nhật ký kiểm tra: bảng đầu chuỗi audit_chain_head đã bị "
                "xoá ngoài ứng dụng. Dữ liệu không bị thay đổi; hãy báo quản trị viên "
                "chạy «planwork audit verify»."
            )
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
    if action not in UNSHOWN_ACTIONS:
        _advance_shown_version(head.seq)
    session.execute(
        sa.update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=event.hash)
    )
    return event


@dataclass(frozen=True)
class ChainReport:
    """The verdict on the trail: intact, or the first event that breaks it and why.

    `checked` is the length of the prefix known good (seq 1..checked); `read` is how many
    events this run actually read, fewer than `checked` when it resumed from a checkpoint
    (`resumed_from`, the checkpoint's seq). `last_seq`/`last_hash` end the verified prefix.
    """

    intact: bool
    checked: int
    bad_event_id: int | None = None
    bad_seq: int | None = None
    problem: str | None = None
    read: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    resumed_from: int | None = None


Progress = Callable[[int, int], None]
HEAD_TABLE = "bảng đầu chuỗi audit_chain_head"


def shown_version() -> int:
    """The seq of the newest event that changed something a page shows (0 before any):
    it advances in the transaction of every audited change but signing in and out,
    passwords and tokens, so it versions the data kept pages show (web/page_cache.py)."""
    seq = db.session.execute(
        sa.select(ShownDataVersion.seq).where(ShownDataVersion.id == 1)
    ).scalar_one_or_none()
    return seq or 0


def _head() -> sa.Row | None:
    # Read the columns, not the ORM object: a cached head would hide a concurrent advance.
    return db.session.execute(
        sa.select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one_or_none()


def _first_after(seq: int) -> sa.Row | None:
    table = AuditEvent.__table__
    return db.session.execute(
        sa.select(table.c.id, table.c.seq).where(table.c.seq > seq).order_by(table.c.seq).limit(1)
    ).one_or_none()


def verify_chain(
    batch_size: int = 5000,
    *,
    start_seq: int = 0,
    start_hash: str = GENESIS_HASH,
    known_seq: int = 0,
    progress: Progress | None = None,
) -> ChainReport:
    """Walk the chain in order, in batches, and report the first broken link.

    From the genesis by default (a full walk); from (start_seq, start_hash) to resume after
    a checkpoint the caller has checked. `known_seq` is the highest seq a signed checkpoint
    vouches for: a head below it was rewound. `progress(done, total)` is called after each
    batch. Rows are read as plain tuples, not ORM objects: memory stays flat, the walk is
    about 1.6 times as fast, and the caller's session keeps what it had loaded.
    """
    head = _head()
    table = AuditEvent.__table__
    if head is not None and head.seq < max(start_seq, known_seq):
        return ChainReport(
            False,
            start_seq,
            None,
            head.seq,
            f"{HEAD_TABLE} đã bị sửa lùi: ghi số {head.seq}, trong khi điểm kiểm tra đã ký "
            f"đã xác nhận nhật ký đến số {max(start_seq, known_seq)}",
            resumed_from=start_seq or None,
        )
    if head is not None:
        end = head.seq
    else:
        end = db.session.execute(sa.select(sa.func.max(table.c.seq))).scalar() or 0
    total = max(end - start_seq, 0)
    expected_prev, expected_seq, read, last = start_hash, start_seq + 1, 0, start_seq

    def broken(event: sa.Row | None, seq: int | None, problem: str) -> ChainReport:
        return ChainReport(
            False,
            start_seq + read,
            event.id if event is not None else None,
            seq,
            problem,
            read=read,
            last_seq=start_seq + read,
            last_hash=expected_prev,
            resumed_from=start_seq or None,
        )

    while True:
        batch = db.session.execute(
            sa.select(table)
            .where(table.c.seq > last, table.c.seq <= end)
            .order_by(table.c.seq)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                problem = (
                    f"thiếu sự kiện số {expected_seq} (bị xóa?)"
                    if event.seq > expected_seq
                    else f"số thứ tự {event.seq} bị trùng"
                )
                return broken(event, event.seq, problem)
            if event.prev_hash != expected_prev:
                return broken(
                    event,
                    event.seq,
                    "liên kết với sự kiện trước bị đứt (sự kiện bị chèn hoặc sửa)",
                )
            if event_hash(event) != event.hash:
                return broken(event, event.seq, "nội dung đã bị sửa sau khi ghi")
            expected_prev = event.hash
            expected_seq += 1
            read += 1
        last = batch[-1].seq
        if progress is not None:
            progress(read, max(total, read))
    checked = start_seq + read
    if head is None:
        if checked == 0:
            return ChainReport(True, 0)  # an empty trail has no head yet
        return broken(
            None,
            None,
            f"{HEAD_TABLE} đã bị xoá: không còn dòng đầu chuỗi, trong khi nhật ký có "
            f"{checked} sự kiện",
        )
    if checked < head.seq:
        return broken(
            None,
            checked + 1,
            f"các sự kiện cuối chuỗi đã bị xóa, hoặc {HEAD_TABLE} đã bị sửa "
            f"(đầu chuỗi ghi {head.seq}, còn {checked})",
        )
    if head.last_hash != expected_prev:
        return broken(
            None,
            checked,
            f"sự kiện cuối chuỗi không khớp với đầu chuỗi: sự kiện số {checked} đã bị thay, "
            f"hoặc {HEAD_TABLE} đã bị sửa",
        )
    extra = _first_after(head.seq)
    if extra is not None:
        # A transaction that committed after we read the head appends legitimately: the
        # head it advanced covers its event. An event no head covers came from outside.
        now = _head()
        covered = now.seq if now is not None else 0
        intruder = _first_after(covered) if covered >= extra.seq else extra
        if intruder is not None:
            return broken(
                intruder,
                intruder.seq,
                "sự kiện được thêm vào ngoài ứng dụng (đầu chuỗi không ghi nhận nó), "
                f"hoặc {HEAD_TABLE} đã bị sửa lùi",
            )
    return ChainReport(
        True,
        checked,
        read=read,
        last_seq=checked,
        last_hash=expected_prev,
        resumed_from=start_seq or None,
    )
