"""The append-only audit trail and the head of its hash chain."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id", "seq"),
        sa.Index("ix_audit_events_plan_seq", "plan_id", "seq"),
        sa.Index("ix_audit_events_unit_seq", "unit_id", "seq"),
        sa.Index("ix_audit_events_occurred", "occurred_at"),
        # The audit page filters by user and by action, newest first (migration 0003).
        sa.Index("ix_audit_events_actor_seq", "actor_id", "seq"),
        sa.Index("ix_audit_events_action_seq", "action", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Contiguous position in the chain: a gap means a deleted event.
    seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Names are copied so the trail reads the same after a user or unit is renamed.
    actor_name: Mapped[str | None] = mapped_column(sa.String(200))
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    plan_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditChainHead(db.Model):
    """One row; updating it first serialises appends so the chain never forks."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class ShownDataVersion(db.Model):
    """One row: the seq of the newest audit event that changed something a page shows
    (every event but sign-ins and credentials), read as the version of kept pages."""

    __tablename__ = "shown_data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class AuditCheckpoint(db.Model):
    """A verified prefix of the chain: the event at `seq` had `hash` when it was checked.

    `signature` is an HMAC under a key derived from the app's SECRET_KEY, which is not in
    the database, so database rights alone cannot forge a checkpoint to skip a rewritten
    past (workflow.audit_checkpoints). `key_id` names that key (a keyed fingerprint, not
    the key): checkpoints of an earlier SECRET_KEY are ignored, not taken for forgeries.
    Rows are bookkeeping of verification, not audited, and append-only (triggers): deleting
    the newest ones would let a run resume before a rewritten stretch of the chain.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    key_id: Mapped[str] = mapped_column(sa.String(16))
    signature: Mapped[str] = mapped_column(sa.String(64))


GENESIS_HASH = "0" * 64

# The database itself refuses to change the past: SQL a migration and create_all both run.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_events_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()""",
]


# The chain head may only advance the way `workflow.audit.record` advances it, in two
# steps inside the appending transaction: seq + 1 with the hash unchanged, then the hash
# set to that of the event now stored at seq. Anything else (rolling seq back to hide
# later events, pointing it at a forged hash, deleting or truncating the row) is refused.
# A plain "refuse UPDATE" would stop every append; "allow UPDATE, refuse DELETE" would let
# a database user rewind the head silently. The only INSERT allowed is the single row,
# id 1, written by the very first append (or by a bulk loader building a chain).
# Verification still checks the head against the last event, for when triggers are gone.
_HEAD_ADVANCES = """NEW.id = OLD.id AND (
           (NEW.seq = OLD.seq + 1 AND NEW.last_hash = OLD.last_hash)
           OR (NEW.seq = OLD.seq
               AND NEW.last_hash = (SELECT hash FROM audit_events WHERE seq = NEW.seq)))"""
SQLITE_HEAD_TRIGGERS = [
    """CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
       BEGIN SELECT RAISE(ABORT, 'audit_chain_head only advances'); END""",
    f"""CREATE TRIGGER audit_chain_head_only_advances BEFORE UPDATE ON audit_chain_head
       WHEN NOT (({_HEAD_ADVANCES}) IS TRUE)
       BEGIN SELECT RAISE(ABORT, 'audit_chain_head only advances'); END""",
    """CREATE TRIGGER audit_chain_head_one_row BEFORE INSERT ON audit_chain_head
       WHEN NEW.id <> 1
       BEGIN SELECT RAISE(ABORT, 'audit_chain_head only advances'); END""",
]
POSTGRES_HEAD_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'INSERT' AND NEW.id = 1 THEN RETURN NEW; END IF;
         IF TG_OP = 'UPDATE' AND ({_HEAD_ADVANCES}) IS TRUE THEN RETURN NEW; END IF;
         RAISE EXCEPTION 'audit_chain_head only advances';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_chain_head_only_advances
       BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
       FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard()""",
    """CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
       FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard()""",
]


SQLITE_CHECKPOINT_TRIGGERS = [
    """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
    """CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
]
POSTGRES_CHECKPOINT_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_checkpoints_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
       FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse()""",
    """CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
       FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse()""",
]


def trigger_statements(dialect: str) -> list[str]:
    """The statements that make `audit_events` append-only on this dialect."""
    if dialect == "sqlite":
        return SQLITE_TRIGGERS
    if dialect == "postgresql":
        return POSTGRES_TRIGGERS
    return []


def head_trigger_statements(dialect: str) -> list[str]:
    """The statements that let `audit_chain_head` only advance on this dialect."""
    if dialect == "sqlite":
        return SQLITE_HEAD_TRIGGERS
    if dialect == "postgresql":
        return POSTGRES_HEAD_TRIGGERS
    return []


def checkpoint_trigger_statements(dialect: str) -> list[str]:
    """The statements that make `audit_checkpoints` append-only on this dialect."""
    if dialect == "sqlite":
        return SQLITE_CHECKPOINT_TRIGGERS
    if dialect == "postgresql":
        return POSTGRES_CHECKPOINT_TRIGGERS
    return []


@sa.event.listens_for(AuditEvent.__table__, "after_create")
def _install_triggers(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    for statement in trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(AuditChainHead.__table__, "after_create")
def _install_head_triggers(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    for statement in head_trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(AuditCheckpoint.__table__, "after_create")
def _install_checkpoint_triggers(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    for statement in checkpoint_trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
