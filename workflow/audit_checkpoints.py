"""Signed checkpoints of the verified audit chain, so verification need not start at seq 1.

After a successful walk the verified prefix is recorded as (seq, hash of the event at
seq), signed with HMAC-SHA256 under a key derived from the app's SECRET_KEY with a fixed
context label. The key is not in the database, so someone with database rights alone can
neither forge a checkpoint nor move one over a rewritten past: a rewrite changes the hash
of every later event, and the checkpoint's hash no longer matches the event at its seq.

`verify_from_checkpoint` resumes after the newest checkpoint, once its signature is valid
and its event, rehashed from its content, still has the signed hash; it reads only the
events after it. A bad signature or a mismatch is tampering and is reported as such.
What a resumed run cannot see is a lone edit of an event before the checkpoint that did
not rewrite the chain after it (the event's own hash no longer matches its content): the
full walk (`planwork audit verify --full`, the "Kiểm tra toàn bộ" button) and the per-row
hash check of the audit page and exports find those.

Checkpoints are bookkeeping of verification, like `audit_verifications`, and are not
audited: an event per verification would grow the chain being verified with every check.
The table is append-only (triggers): deleting the newest checkpoints would let a run
resume before a stretch of the chain rewritten since; editing or inserting one is caught
by the signature. Each row names its key by a keyed fingerprint (`key_id`): after
SECRET_KEY changes, older checkpoints are ignored (the next run walks from the start),
while a row claiming the current key with a bad signature is a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from models import AuditCheckpoint, AuditEvent, db
from models.audit import GENESIS_HASH
from workflow import clock
from workflow.audit import ChainReport, Progress, event_hash, verify_chain

# Fixed: changing it invalidates every stored checkpoint (as rotating SECRET_KEY does).
CONTEXT_LABEL = b"planwork-audit-checkpoint"


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    # A key of its own, derived from SECRET_KEY: a checkpoint signature can never be
    # replayed as a session or CSRF signature, nor the other way round.
    return hmac.new(secret, CONTEXT_LABEL, hashlib.sha256).digest()


def key_id() -> str:
    """Which key signs checkpoints now: a keyed fingerprint that reveals nothing of it."""
    return hmac.new(_key(), b"key-id", hashlib.sha256).hexdigest()[:16]


def sign(seq: int, event_hash_hex: str, created_at: datetime) -> str:
    """The signature of a checkpoint's fields under the current key (hex HMAC-SHA256)."""
    stamp = created_at.isoformat(timespec="microseconds")
    message = f"{seq}|{event_hash_hex}|{stamp}|{key_id()}"
    return hmac.new(_key(), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_ok(checkpoint: AuditCheckpoint) -> bool:
    """Whether the row was signed by this installation's key, unchanged since."""
    expected = sign(checkpoint.seq, checkpoint.hash, checkpoint.created_at)
    return checkpoint.key_id == key_id() and hmac.compare_digest(
        expected, checkpoint.signature or ""
    )


def record_checkpoint(seq: int, hash_hex: str) -> AuditCheckpoint:
    """Add a signed checkpoint to the session (the caller commits with its verdict)."""
    created_at = clock.now()
    row = AuditCheckpoint(
        seq=seq,
        hash=hash_hex,
        created_at=created_at,
        key_id=key_id(),
        signature=sign(seq, hash_hex, created_at),
    )
    db.session.add(row)
    return row


@dataclass(frozen=True)
class Anchor:
    """Where a verification may resume: after `seq`, whose event has `hash`."""

    seq: int = 0
    hash: str = GENESIS_HASH
    checkpoint_id: int | None = None


def _event_at(seq: int) -> sa.Row | None:
    table = AuditEvent.__table__
    return db.session.execute(sa.select(table).where(table.c.seq == seq)).one_or_none()


def _tampered(checkpoint: AuditCheckpoint, event: sa.Row | None, problem: str) -> ChainReport:
    return ChainReport(
        False,
        0,
        event.id if event is not None else None,
        checkpoint.seq,
        f"điểm kiểm tra #{checkpoint.id} (sự kiện số {checkpoint.seq}) {problem}",
    )


def check_checkpoint(checkpoint: AuditCheckpoint) -> ChainReport | None:
    """None when the checkpoint is genuine and its event unchanged, else the tampering."""
    if not signature_ok(checkpoint):
        return _tampered(
            checkpoint, None, "có chữ ký không hợp lệ: bị giả mạo hoặc sửa ngoài ứng dụng"
        )
    event = _event_at(checkpoint.seq)
    if event is None:
        return _tampered(checkpoint, None, "không còn sự kiện tương ứng (bị xóa?)")
    if event.hash != checkpoint.hash or event_hash(event) != checkpoint.hash:
        return _tampered(
            checkpoint,
            event,
            "không khớp với sự kiện đã lưu: nhật ký đến điểm kiểm tra đã bị sửa "
            "(chạy «planwork audit verify --full» để tìm sự kiện đầu tiên bị sửa)",
        )
    return None


def _current_key() -> sa.ColumnElement[bool]:
    return AuditCheckpoint.key_id == key_id()


def latest_checkpoint() -> AuditCheckpoint | None:
    """The checkpoint of the current key furthest along the chain (newest of equals)."""
    return db.session.execute(
        sa.select(AuditCheckpoint)
        .where(_current_key())
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def find_anchor() -> Anchor | ChainReport:
    """Where to resume (the genesis when there is no checkpoint), or the tampering found.

    Only the newest checkpoint is considered: falling back to an older one when the newest
    is forged or no longer matches would hide exactly what the checkpoint is there to show.
    """
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return Anchor()
    problem = check_checkpoint(checkpoint)
    if problem is not None:
        return problem
    return Anchor(checkpoint.seq, checkpoint.hash, checkpoint.id)


def _all_checkpoints_problem() -> ChainReport | None:
    # After a full walk every event's hash is known good: compare each checkpoint with
    # the stored hash at its seq (one join) and check every signature.
    table = AuditEvent.__table__
    rows = db.session.execute(
        sa.select(AuditCheckpoint, table.c.hash)
        .outerjoin(table, table.c.seq == AuditCheckpoint.seq)
        .where(_current_key())
        .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    ).all()
    for checkpoint, stored_hash in rows:
        if not signature_ok(checkpoint):
            return check_checkpoint(checkpoint)
        if stored_hash != checkpoint.hash:
            return check_checkpoint(checkpoint) or _tampered(
                checkpoint, None, "không khớp với sự kiện đã lưu"
            )
    return None


def _highest_genuine_seq() -> int:
    # The furthest point a genuine checkpoint vouches for: the head may never be below it.
    for checkpoint in db.session.execute(
        sa.select(AuditCheckpoint)
        .where(_current_key())
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
    ).scalars():
        if signature_ok(checkpoint):
            return checkpoint.seq
    return 0


def verify_from_checkpoint(*, full: bool, progress: Progress | None = None) -> ChainReport:
    """Verify the chain and, when intact, record a signed checkpoint of the verified prefix.

    `full=False` resumes after the newest checkpoint (reading only the events after it);
    `full=True` walks from the genesis and also checks every stored checkpoint. The new
    checkpoint is added to the session; the caller commits it with the verdict.
    """
    if full:
        report = verify_chain(known_seq=_highest_genuine_seq(), progress=progress)
        if report.intact:
            report = _all_checkpoints_problem() or report
        anchor_seq = None
    else:
        anchor = find_anchor()
        if isinstance(anchor, ChainReport):
            return anchor
        report = verify_chain(start_seq=anchor.seq, start_hash=anchor.hash, progress=progress)
        if report.intact and anchor.checkpoint_id is not None:
            report = replace(report, resumed_from=anchor.seq)
        anchor_seq = anchor.seq if anchor.checkpoint_id is not None else None
    if report.intact and report.last_seq > 0 and report.last_seq != anchor_seq:
        latest = latest_checkpoint()
        if latest is None or (latest.seq, latest.hash) != (report.last_seq, report.last_hash):
            record_checkpoint(report.last_seq, report.last_hash)
    return report
