"""Reading the audit trail for inspection: filters, keyset pages, row checks, chain status.

Verification strategy (O(n) is too slow for every page at 1,000,000 events): every run
that finds the chain intact records a signed checkpoint of the verified prefix
(workflow.audit_checkpoints) and stores its verdict in `audit_verifications`.
`verify_incremental` resumes after the newest genuine checkpoint and reads only the events
appended since; `verify_full` walks from the first event. A page calls `chain_status`,
which shows the stored verdict while the newest checkpoint still vouches for the head, and
otherwise resumes from it (bounded by INCREMENTAL_LIMIT). An edit to one event before the
checkpoint that leaves the chain after it alone is found by the next full walk and,
immediately, by the per-row hash check on every row a page or export shows; a rewrite of
the chain after such an edit is found by the checkpoint itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from models import AuditChainHead, AuditEvent, AuditVerification, Plan, Unit, User, db
from models.audit import GENESIS_HASH
from workflow import clock
from workflow.audit import ChainReport, Progress, event_hash
from workflow.audit_checkpoints import Anchor, find_anchor, verify_from_checkpoint

PAGE_SIZE = 50
INCREMENTAL_LIMIT = 20_000
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


@dataclass
class ChainStatus:
    """What the page and the exports say about the whole chain."""

    intact: bool
    checked: int
    verified_at: datetime | None
    last_full_at: datetime | None
    bad_seq: int | None = None
    problem: str | None = None
    pending: int = 0  # events appended since the checkpoint and not yet walked

    @property
    def label(self) -> str:
        if not self.intact:
            where = f" tại sự kiện số {self.bad_seq}" if self.bad_seq else ""
            return f"CHUỖI BỊ PHÁ VỠ{where}: {self.problem}"
        text = f"Chuỗi toàn vẹn ({self.checked} sự kiện đã kiểm tra)"
        if self.pending:
            text += f"; còn {self.pending} sự kiện mới chưa kiểm tra"
        return text


def _store(report: ChainReport, *, full: bool, started: datetime, last_seq: int, last_hash: str):
    row = AuditVerification(
        full=full,
        started_at=started,
        finished_at=clock.now(),
        intact=report.intact,
        checked=report.checked,
        last_seq=last_seq,
        last_hash=last_hash,
        bad_seq=report.bad_seq,
        bad_event_id=report.bad_event_id,
        problem=report.problem,
    )
    db.session.add(row)
    db.session.commit()
    return row


def run_verification(
    *, full: bool, progress: Progress | None = None
) -> tuple[AuditVerification, ChainReport]:
    """Verify (from the genesis, or resuming after the newest checkpoint), store the verdict
    and, when intact, a signed checkpoint of the verified prefix; commit both."""
    started = clock.now()
    latest = _latest()
    if latest is not None and not latest.intact:
        # A break already found may lie before the newest checkpoint (an edit that left the
        # chain after it alone): only a walk from the start may declare the chain whole.
        full = True
    report = verify_from_checkpoint(full=full, progress=progress)
    row = _store(
        report,
        full=full,
        started=started,
        last_seq=report.last_seq,
        last_hash=report.last_hash,
    )
    return row, report


def verify_full(progress: Progress | None = None) -> AuditVerification:
    """Walk the whole chain (O(n)) and every checkpoint; store the verdict and a checkpoint.

    `progress(done, total)` is called after each batch of events (for a background job).
    """
    return run_verification(full=True, progress=progress)[0]


def verify_incremental(progress: Progress | None = None) -> AuditVerification:
    """Check the newest signed checkpoint, walk only the events after it; store the verdict.

    With no checkpoint yet, or after a verdict that found the chain broken, this is a full
    walk. `progress(done, total)` as for verify_full.
    """
    return run_verification(full=False, progress=progress)[0]


def _latest() -> AuditVerification | None:
    return db.session.execute(
        sa.select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1)
    ).scalar_one_or_none()


def _last_full_at() -> datetime | None:
    return db.session.execute(
        sa.select(sa.func.max(AuditVerification.finished_at)).where(AuditVerification.full)
    ).scalar()


def _status(row: AuditVerification, pending: int = 0) -> ChainStatus:
    return ChainStatus(
        intact=row.intact,
        checked=row.checked,
        verified_at=row.finished_at,
        last_full_at=_last_full_at(),
        bad_seq=row.bad_seq,
        problem=row.problem,
        pending=pending,
    )


def last_full_walk_at() -> datetime | None:
    """When a full walk last finished (None: never)."""
    return _last_full_at()


def chain_status() -> ChainStatus:
    """The chain's status: the stored verdict, extended over new events when needed.

    No verdict yet → one verification (resuming from a checkpoint if there is one). A
    broken verdict stays broken until a full walk says otherwise. An intact verdict is
    shown as is while the newest signed checkpoint is genuine and still is the head;
    otherwise verify from that checkpoint, up to INCREMENTAL_LIMIT events (beyond that,
    report them as pending for a background job or the command line).
    """
    row = _latest()
    if row is None:
        return _status(verify_incremental())
    if not row.intact:
        return _status(row)
    anchor = find_anchor()
    if isinstance(anchor, Anchor):
        head = db.session.execute(
            sa.select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
        ).one_or_none()
        at_head = tuple(head) if head is not None else (0, GENESIS_HASH)
        if at_head == (anchor.seq, anchor.hash) == (row.last_seq, row.last_hash):
            return _status(row)
        pending = at_head[0] - anchor.seq
        if pending > INCREMENTAL_LIMIT:
            return _status(row, pending=pending)
    return _status(verify_incremental())
