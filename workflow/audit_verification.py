"""Verifying the audit chain and keeping the verdict: the write side of the audit pages.

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

`chain_status` lives here and not in reports/ because it may record a new verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import AuditChainHead, AuditVerification, db
from models.audit import GENESIS_HASH
from workflow import clock
from workflow.audit import ChainReport, Progress
from workflow.audit_checkpoints import Anchor, find_anchor, verify_from_checkpoint
from workflow.errors import translate

INCREMENTAL_LIMIT = 20_000


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
        # Translated when read (workflow.errors.translate): pages show the reader's language.
        if not self.intact:
            if self.bad_seq:
                return translate(
                    "CHUỖI BỊ PHÁ VỠ tại sự kiện số %(seq)s: %(problem)s",
                    seq=self.bad_seq,
                    problem=self.problem or "",
                )
            return translate("CHUỖI BỊ PHÁ VỠ: %(problem)s", problem=self.problem or "")
        if self.pending:
            return translate(
                "Chuỗi toàn vẹn (%(checked)s sự kiện đã kiểm tra); còn %(pending)s sự kiện mới "
                "chưa kiểm tra",
                checked=self.checked,
                pending=self.pending,
            )
        return translate("Chuỗi toàn vẹn (%(checked)s sự kiện đã kiểm tra)", checked=self.checked)


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


def fresh_status() -> ChainStatus:
    """Verify up to the head now (resuming from the newest checkpoint), store the verdict
    and return it: what an inspection pack states about the chain it was cut from."""
    return _status(verify_incremental())
