"""Signed audit checkpoints and the protected chain head (review 2026-12: M2, L-chain-head).

M2: verification resumes after the newest signed checkpoint and reads only the events
appended since, so it stays cheap at city scale, yet tampering before, at and after the
checkpoint is caught, and a checkpoint forged without the key is refused.
L-chain-head: `audit_chain_head` may only advance (triggers on SQLite and PostgreSQL), and
when the triggers are gone, `planwork audit verify` names the head instead of blaming an
event "added outside the application".
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from models import AuditChainHead, AuditCheckpoint, AuditEvent, db
from tests.foundation.helpers import event_count, find_task
from workflow import audit_checkpoints, task_reports
from workflow import tasks as svc
from workflow.audit import ChainHeadMissing, event_hash, verify_chain
from workflow.audit_verification import run_verification, verify_full, verify_incremental

EVENTS = AuditEvent.__table__


def _drop_triggers(head: bool = True) -> None:
    """Test set-up only: what someone with DDL rights would do before tampering."""
    db.session.rollback()  # on PostgreSQL the session's read lock would block the DDL
    if db.engine.dialect.name == "sqlite":
        statements = ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"]
        if head:
            statements += [
                "DROP TRIGGER audit_chain_head_no_delete",
                "DROP TRIGGER audit_chain_head_only_advances",
            ]
    else:
        statements = ["DROP TRIGGER audit_events_no_update ON audit_events"]
        if head:
            statements += ["DROP TRIGGER audit_chain_head_only_advances ON audit_chain_head"]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _run(*statements: sa.Executable | str) -> None:
    db.session.rollback()
    with db.engine.begin() as conn:
        for statement in statements:
            if isinstance(statement, str):
                conn.exec_driver_sql(statement)
            else:
                conn.execute(statement)
    db.session.expire_all()


def _cli(app, *args: str):  # noqa: ANN001, ANN202
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def _head() -> tuple[int, str]:
    row = db.session.execute(sa.select(AuditChainHead.seq, AuditChainHead.last_hash)).one()
    return row.seq, row.last_hash


def _some_activity(users, item: str = "1.1") -> int:  # noqa: ANN001
    """Three new events through the services; returns how many were appended."""
    before = event_count()
    task = find_task("2417/KH-SGDĐT", item)
    member = users("gdtx.member")
    svc.start_task(task.id, member, expected_version=None)
    task_reports.submit_report(task.id, member, expected_version=None, text="Đã làm xong")
    other = find_task("2417/KH-SGDĐT", "1.2")
    task_reports.add_contribution(other.id, users("vps.member"), text="Văn phòng đã hỗ trợ")
    return event_count() - before


def _rewrite_from(seq: int, reason: str) -> None:
    """Edit the event at `seq` and recompute every later hash and the head, as a forger
    with database rights (but without SECRET_KEY) can."""
    rows = db.session.execute(sa.select(EVENTS).where(EVENTS.c.seq >= seq).order_by("seq")).all()
    prev = db.session.execute(sa.select(EVENTS.c.hash).where(EVENTS.c.seq == seq - 1)).scalar()
    updates = []
    for row in rows:
        fields = dict(row._mapping)
        if row.seq == seq:
            fields["reason"] = reason
        fields["prev_hash"] = prev
        forged = AuditEvent(**{k: v for k, v in fields.items() if k != "hash"})
        fields["hash"] = prev = event_hash(forged)
        updates.append(fields)
    _run(
        *[
            sa.update(EVENTS)
            .where(EVENTS.c.seq == f["seq"])
            .values(reason=f["reason"], prev_hash=f["prev_hash"], hash=f["hash"])
            for f in updates
        ],
        sa.update(AuditChainHead.__table__).values(last_hash=prev),
    )


# --- M2: resume from a checkpoint, read only the suffix ---------------------------------


def test_a_verification_records_a_signed_checkpoint_and_the_next_reads_only_new_events(
    demo_app, users
):
    """M2: the second run reads the 3 new events, not the whole trail (counted, not timed)."""
    total = event_count()
    row, first = run_verification(full=False)  # no checkpoint yet: walks everything
    assert row.intact and first.read == total and first.resumed_from is None
    checkpoint = audit_checkpoints.latest_checkpoint()
    assert (checkpoint.seq, checkpoint.hash) == _head()
    assert audit_checkpoints.signature_ok(checkpoint)

    added = _some_activity(users)
    seen: list[tuple[int, int]] = []
    row, second = run_verification(full=False, progress=lambda d, t: seen.append((d, t)))
    assert row.intact and second.intact and not row.full
    assert second.read == added == 3
    assert second.resumed_from == total and second.checked == total + added
    assert seen[-1] == (3, 3)  # what a background job shows as its progress
    assert audit_checkpoints.latest_checkpoint().seq == total + added

    # Nothing new: the checkpoint is re-checked and no event after it is read.
    _, third = run_verification(full=False)
    assert third.intact and third.read == 0


def test_the_full_walk_reads_everything_and_the_command_line_offers_both(demo_app, users):
    """M2: `planwork audit verify` resumes; `--full` walks every event."""
    result = _cli(demo_app)
    assert result.exit_code == 0 and "nguyên vẹn" in result.output
    _some_activity(users)
    result = _cli(demo_app)
    assert result.exit_code == 0, result.output
    assert "Tiếp tục từ điểm kiểm tra" in result.output and "đã đọc 3 sự kiện mới" in result.output
    full_reads: list[int] = []
    row = verify_full(progress=lambda done, total: full_reads.append(done))
    assert row.full and row.intact and full_reads[-1] == event_count()
    result = _cli(demo_app, "--full")
    assert result.exit_code == 0 and "Tiếp tục" not in result.output


def test_the_page_status_and_incremental_verdict_use_the_checkpoint(demo_app, users):
    """M2: the audit page's chain status resumes instead of walking the whole trail."""
    from workflow.audit_verification import chain_status

    status = chain_status()  # no verdict yet: one verification, which leaves a checkpoint
    assert status.intact and status.checked == event_count()
    _some_activity(users)
    row = verify_incremental()
    assert row.intact and row.checked == event_count() and not row.full
    assert chain_status().intact


# --- M2: tampering around a checkpoint --------------------------------------------------


def test_rewriting_the_chain_before_a_checkpoint_is_caught_by_the_checkpoint(demo_app):
    """M2: an edit before the checkpoint with every later hash recomputed (a consistent
    forgery) no longer matches the signed hash: named as the checkpoint's mismatch."""
    verify_full()
    checkpoint = audit_checkpoints.latest_checkpoint()
    _drop_triggers()
    _rewrite_from(40, "đã sửa lén")
    assert verify_chain().intact  # the forged chain is self-consistent...
    _, report = run_verification(full=False)
    assert not report.intact and report.read == 0  # ...but not with the signed checkpoint
    assert f"điểm kiểm tra #{checkpoint.id}" in report.problem
    assert "không khớp" in report.problem and report.bad_seq == checkpoint.seq
    result = _cli(demo_app)
    assert result.exit_code == 1 and f"điểm kiểm tra #{checkpoint.id}" in result.output
    assert _cli(demo_app, "--full").exit_code == 1  # the full walk checks checkpoints too


def test_editing_the_checkpoint_event_itself_is_caught(demo_app):
    """M2: the checkpoint's event is rehashed from its content, not trusted by its hash."""
    verify_full()
    checkpoint = audit_checkpoints.latest_checkpoint()
    _drop_triggers(head=False)
    _run(sa.update(EVENTS).where(EVENTS.c.seq == checkpoint.seq).values(reason="sửa"))
    _, report = run_verification(full=False)
    assert not report.intact and report.bad_seq == checkpoint.seq
    assert f"điểm kiểm tra #{checkpoint.id}" in report.problem


def test_a_lone_edit_before_the_checkpoint_is_found_by_the_full_walk_and_then_kept(demo_app):
    """M2: an edit that leaves the later chain alone is invisible to a resumed run (it reads
    nothing before the checkpoint); the full walk finds it, and from then on even the
    incremental run walks from the start until the chain is whole again."""
    verify_full()
    _drop_triggers(head=False)
    target = db.session.execute(sa.select(EVENTS.c.id).where(EVENTS.c.seq == 40)).scalar_one()
    _run(sa.update(EVENTS).where(EVENTS.c.seq == 40).values(reason="sửa lén"))
    assert run_verification(full=False)[1].intact  # the documented limit of resuming
    row = verify_full()
    assert not row.intact and (row.bad_seq, row.bad_event_id) == (40, target)
    row, report = run_verification(full=False)
    assert not report.intact and report.bad_seq == 40 and row.full


def test_an_edit_after_the_checkpoint_is_caught_reading_only_the_suffix(demo_app, users):
    """M2: events after the checkpoint are walked and checked as in a full run."""
    verify_full()
    start = event_count()
    _some_activity(users)
    _drop_triggers(head=False)
    _run(sa.update(EVENTS).where(EVENTS.c.seq == start + 2).values(reason="sửa lén"))
    _, report = run_verification(full=False)
    assert not report.intact and report.bad_seq == start + 2
    assert report.resumed_from == start and report.read == 1
    assert report.problem == "nội dung đã bị sửa sau khi ghi"


@pytest.mark.parametrize("key", [b"test-secret", b"", "guessed"])
def test_a_checkpoint_forged_without_the_key_is_refused(demo_app, users, key):
    """M2: a forger appends events (recomputing hashes), advances the head and writes a
    checkpoint at the new end, claiming the current key, so the resumed run would skip
    them: the signature fails. Signing with SECRET_KEY itself, not the derived key, too."""
    verify_full()
    genuine = audit_checkpoints.latest_checkpoint()
    if key == "guessed":
        key = demo_app.config["SECRET_KEY"].encode()  # the right secret, wrong derivation
    seq, last_hash = _head()
    forged_at = db.session.execute(sa.select(sa.func.max(EVENTS.c.occurred_at))).scalar()
    message = f"{seq}|{last_hash}|{forged_at.isoformat(timespec='microseconds')}"
    message += f"|{genuine.key_id}"
    signature = hmac.new(key, message.encode(), hashlib.sha256)
    _run(
        sa.insert(AuditCheckpoint.__table__).values(
            seq=seq,
            hash=last_hash,
            created_at=forged_at,
            key_id=genuine.key_id,
            signature=signature.hexdigest(),
        )
    )
    forged = audit_checkpoints.latest_checkpoint()
    assert forged.id != genuine.id and not audit_checkpoints.signature_ok(forged)
    _, report = run_verification(full=False)
    assert not report.intact and f"điểm kiểm tra #{forged.id}" in report.problem
    assert "chữ ký không hợp lệ" in report.problem
    assert not run_verification(full=True)[1].intact
    result = _cli(demo_app)
    assert result.exit_code == 1 and "chữ ký không hợp lệ" in result.output


def test_checkpoints_are_append_only(demo_app):
    """M2: deleting the newest checkpoints would let a run resume before a stretch of the
    chain rewritten since; the database refuses it, and any edit."""
    verify_full()
    for statement in (
        "DELETE FROM audit_checkpoints",
        "UPDATE audit_checkpoints SET seq = 1",
    ):
        with pytest.raises(DBAPIError, match="audit_checkpoints is append-only"):
            _run(statement)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            _run("TRUNCATE audit_checkpoints")
    assert audit_checkpoints.latest_checkpoint() is not None


def test_after_a_key_change_old_checkpoints_are_ignored_not_trusted(demo_app):
    """M2: the signature depends on SECRET_KEY, which is not in the database. After the key
    changes, the old checkpoints sign nothing: the next run walks from the start and leaves
    a checkpoint under the new key; a row claiming another key is ignored likewise."""
    verify_full()
    old = audit_checkpoints.latest_checkpoint()
    assert audit_checkpoints.signature_ok(old)
    demo_app.config["SECRET_KEY"] = "another-installation-key-of-32-bytes-or-more"
    assert not audit_checkpoints.signature_ok(old)
    assert audit_checkpoints.latest_checkpoint() is None
    _, report = run_verification(full=False)
    assert report.intact and report.read == event_count() and report.resumed_from is None
    new = audit_checkpoints.latest_checkpoint()
    assert new.key_id != old.key_id and audit_checkpoints.signature_ok(new)
    _, report = run_verification(full=False)
    assert report.intact and report.read == 0 and report.resumed_from == new.seq


# --- L-chain-head: the head row is protected, and named when touched ---------------------


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_chain_head",
        "UPDATE audit_chain_head SET seq = seq - 1",
        "UPDATE audit_chain_head SET seq = seq + 5",
        "UPDATE audit_chain_head SET last_hash = 'ffff'",
        "UPDATE audit_chain_head SET seq = seq + 1, last_hash = 'ffff'",
        "INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (2, 1, 'ffff')",
    ],
)
def test_the_database_refuses_to_delete_rewind_or_forge_the_head(demo_app, statement):
    """L-chain-head: only the append's own two steps may change the head."""
    before = _head()
    with pytest.raises(DBAPIError, match="audit_chain_head only advances"):
        _run(statement)
    assert _head() == before and verify_chain().intact


def test_postgresql_refuses_truncating_the_head(demo_app):
    """L-chain-head: TRUNCATE bypasses row triggers on PostgreSQL; a statement trigger."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="audit_chain_head only advances"):
        _run("TRUNCATE audit_chain_head")


def test_appends_still_advance_the_protected_head(demo_app, users):
    """L-chain-head: the triggers let the application's appends through, one by one."""
    seq, _ = _head()
    _some_activity(users)
    assert _head()[0] == seq + 3 and verify_chain().intact


def test_a_deleted_head_is_named_not_blamed_on_an_event(demo_app, users):
    """L-chain-head: with the triggers dropped and the head deleted, verify names the head
    (the review saw "sự kiện được thêm vào ngoài ứng dụng" at seq 1), and a write says why
    it cannot be audited instead of "Dữ liệu trùng"."""
    _drop_triggers()
    _run("DELETE FROM audit_chain_head")
    report = verify_chain()
    assert not report.intact and "audit_chain_head đã bị xoá" in report.problem
    assert "ngoài ứng dụng" not in report.problem
    result = _cli(demo_app)
    assert result.exit_code == 1 and "bảng đầu chuỗi audit_chain_head đã bị xoá" in result.output
    task = find_task("2417/KH-SGDĐT", "1.1")
    with pytest.raises(ChainHeadMissing, match="audit_chain_head đã bị xoá"):
        svc.start_task(task.id, users("gdtx.member"), expected_version=None)


def test_a_rewound_head_is_named_when_a_checkpoint_vouches_for_more(demo_app):
    """L-chain-head: a head set back to an earlier, consistent event would otherwise look
    like events added outside the application; the signed checkpoint proves otherwise."""
    verify_full()
    _drop_triggers()
    earlier = db.session.execute(sa.select(EVENTS.c.hash).where(EVENTS.c.seq == 100)).scalar()
    _run(sa.update(AuditChainHead.__table__).values(seq=100, last_hash=earlier))
    for full in (False, True):
        _, report = run_verification(full=full)
        assert not report.intact and "audit_chain_head đã bị sửa lùi" in report.problem
    result = _cli(demo_app)
    assert result.exit_code == 1 and "bảng đầu chuỗi audit_chain_head đã bị sửa" in result.output


def test_an_edited_head_hash_is_named(demo_app):
    """L-chain-head: a head whose hash is not the last event's names the head."""
    _drop_triggers()
    _run("UPDATE audit_chain_head SET last_hash = 'ffff'")
    report = verify_chain()
    assert not report.intact and "audit_chain_head đã bị sửa" in report.problem
