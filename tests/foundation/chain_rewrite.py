"""The review's attack (2026-12, M1), for tests: someone with full database rights drops the
triggers, edits an event, re-hashes every later event and moves the chain head, then removes
the signed checkpoints and verdicts that would give it away. Test set-up only."""

from __future__ import annotations

import sqlalchemy as sa

from models import AuditChainHead, AuditCheckpoint, AuditEvent, AuditVerification, db
from workflow.audit import event_hash


def drop_protection() -> None:
    """What a database administrator does first: remove the append-only triggers."""
    db.session.rollback()  # on PostgreSQL the session's read lock would block the DDL
    if db.engine.dialect.name == "sqlite":
        statements = [
            "DROP TRIGGER IF EXISTS audit_events_no_update",
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
            "DROP TRIGGER IF EXISTS audit_chain_head_no_delete",
            "DROP TRIGGER IF EXISTS audit_chain_head_only_advances",
            "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
        ]
    else:
        statements = [
            "DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events",
            "DROP TRIGGER IF EXISTS audit_chain_head_only_advances ON audit_chain_head",
            "DROP TRIGGER IF EXISTS audit_checkpoints_no_update ON audit_checkpoints",
        ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def rewrite_and_rehash(seq: int, after: dict) -> None:
    """Give event `seq` a new `after`, re-hash it and every later event, move the head, and
    delete the checkpoints and verdicts: the chain is consistent again."""
    drop_protection()
    table = AuditEvent.__table__
    with db.engine.begin() as conn:
        conn.execute(sa.update(table).where(table.c.seq == seq).values(after=after))
        prev = conn.execute(sa.select(table.c.prev_hash).where(table.c.seq == seq)).scalar_one()
        rows = conn.execute(sa.select(table).where(table.c.seq >= seq).order_by(table.c.seq))
        for row in list(rows):
            fields = dict(row._mapping)
            fields["prev_hash"] = prev
            new_hash = event_hash(_Row(fields))
            conn.execute(
                sa.update(table).where(table.c.seq == row.seq).values(prev_hash=prev, hash=new_hash)
            )
            prev = new_hash
        conn.execute(sa.update(AuditChainHead.__table__).values(last_hash=prev))
        conn.execute(sa.delete(AuditCheckpoint.__table__))
        conn.execute(sa.delete(AuditVerification.__table__))
    db.session.expire_all()


def cut_tail(keep_through: int) -> None:
    """Delete every event after `keep_through` and rewind the head to it."""
    drop_protection()
    table = AuditEvent.__table__
    with db.engine.begin() as conn:
        last = conn.execute(sa.select(table.c.hash).where(table.c.seq == keep_through)).scalar_one()
        conn.execute(sa.delete(table).where(table.c.seq > keep_through))
        conn.execute(sa.update(AuditChainHead.__table__).values(seq=keep_through, last_hash=last))
        conn.execute(sa.delete(AuditCheckpoint.__table__))
        conn.execute(sa.delete(AuditVerification.__table__))
    db.session.expire_all()


class _Row:
    """Attribute access over a column dict, as event_hash reads an event."""

    def __init__(self, fields: dict) -> None:
        self.__dict__.update(fields)
