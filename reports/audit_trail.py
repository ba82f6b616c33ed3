"""Reading the audit trail for inspection: filters, keyset pages, row checks.

How the chain is verified, and its verdict kept, is workflow.audit_verification's job;
this module only reads, and checks each row it shows against its own hash.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from models import AuditEvent, Plan, Unit, User, db
from workflow import clock
from workflow.audit import event_hash

PAGE_SIZE = 50
EXPORT_BATCH = 2_000


def local_day_start(day: date) -> datetime:
    """The naive-UTC instant a Vietnam calendar day begins."""
    local = datetime.combine(day, time.min, tzinfo=clock.LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def end_of_local_day(day: date) -> datetime:
    """The last naive-UTC instant of a Vietnam calendar day (as-of cut-off)."""
    return local_day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def parse_vn_date(text: str | None) -> date | None:
    """ "30/09/2024" (or ISO "2024-09-30") → date; None when blank or malformed."""
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class AuditFilter:
    """What the inspector asked for; `plan_ids` restricts a coordinator to their plans."""

    plan_id: int | None = None
    unit_id: int | None = None
    actor_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    object_type: str | None = None
    object_id: int | None = None
    plan_ids: list[int] | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        """SQL conditions for these filters (each served by an index with seq)."""
        cond: list[sa.ColumnElement[bool]] = []
        if self.plan_id is not None:
            cond.append(AuditEvent.plan_id == self.plan_id)
        if self.plan_ids is not None:
            cond.append(AuditEvent.plan_id.in_(self.plan_ids or [-1]))
        if self.unit_id is not None:
            cond.append(AuditEvent.unit_id == self.unit_id)
        if self.actor_id is not None:
            cond.append(AuditEvent.actor_id == self.actor_id)
        if self.action:
            cond.append(AuditEvent.action == self.action)
        if self.object_type:
            cond.append(AuditEvent.object_type == self.object_type)
        if self.object_id is not None:
            cond.append(AuditEvent.object_id == self.object_id)
        if self.date_from is not None:
            cond.append(AuditEvent.occurred_at >= local_day_start(self.date_from))
        if self.date_to is not None:
            cond.append(AuditEvent.occurred_at <= end_of_local_day(self.date_to))
        return cond

    def describe(self) -> list[tuple[str, str]]:
        """Human labels of the active filters, for the export's first page (≤ 3 queries)."""
        out: list[tuple[str, str]] = []
        if self.plan_id is not None:
            plan = db.session.get(Plan, self.plan_id)
            out.append(("Kế hoạch", plan.label if plan else f"#{self.plan_id}"))
        if self.unit_id is not None:
            unit = db.session.get(Unit, self.unit_id)
            out.append(("Đơn vị", unit.name if unit else f"#{self.unit_id}"))
        if self.actor_id is not None:
            user = db.session.get(User, self.actor_id)
            out.append(("Người thực hiện", user.full_name if user else f"#{self.actor_id}"))
        if self.action:
            out.append(("Thao tác", self.action))
        if self.object_type:
            out.append(("Đối tượng", f"{self.object_type} #{self.object_id or ''}".strip()))
        if self.date_from:
            out.append(("Từ ngày", self.date_from.strftime("%d/%m/%Y")))
        if self.date_to:
            out.append(("Đến ngày", self.date_to.strftime("%d/%m/%Y")))
        if self.plan_ids is not None and self.plan_id is None:
            out.append(("Phạm vi", "các kế hoạch đơn vị theo dõi"))
        return out or [("Bộ lọc", "toàn bộ nhật ký")]


@dataclass
class CheckedEvent:
    """An event with the result of recomputing its hash (False: edited since written)."""

    event: AuditEvent
    hash_ok: bool


@dataclass
class AuditPage:
    rows: list[CheckedEvent]
    next_before: int | None  # seq to pass as ?before= for the next (older) page
    has_newer: bool = False
    tampered: list[int] = field(default_factory=list)


def audit_page(flt: AuditFilter, before: int | None = None, size: int = PAGE_SIZE) -> AuditPage:
    """One page, newest first, keyset by seq (one statement whatever the page number)."""
    query = sa.select(AuditEvent).where(*flt.conditions())
    if before is not None:
        query = query.where(AuditEvent.seq < before)
    events = list(
        db.session.execute(query.order_by(AuditEvent.seq.desc()).limit(size + 1)).scalars()
    )
    more = len(events) > size
    events = events[:size]
    rows = [CheckedEvent(e, event_hash(e) == e.hash) for e in events]
    return AuditPage(
        rows=rows,
        next_before=events[-1].seq if more and events else None,
        has_newer=before is not None,
        tampered=[r.event.seq for r in rows if not r.hash_ok],
    )


def iter_events(flt: AuditFilter) -> Iterator[CheckedEvent]:
    """Every matching event, oldest first, in batches so memory stays flat for exports."""
    last = 0
    while True:
        batch = list(
            db.session.execute(
                sa.select(AuditEvent)
                .where(*flt.conditions(), AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(EXPORT_BATCH)
            ).scalars()
        )
        if not batch:
            return
        for event in batch:
            yield CheckedEvent(event, event_hash(event) == event.hash)
        last = batch[-1].seq
