"""Named leases in the database: a second scheduler finds the job taken and skips it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models import SchedulerLock, db
from workflow import clock


def holder_name() -> str:
    """Who holds a lease: host, process and a random part (two threads differ too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(name: str, holder: str, seconds: int) -> bool:
    """Take the lease `name` for `seconds` unless someone else holds an unexpired one."""
    db.session.rollback()  # begin with the write, never upgrade a read (SQLite)
    now = clock.now()
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    db.session.execute(
        insert(SchedulerLock.__table__)
        .values(name=name, holder=None, expires_at=None, acquired_at=None)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    taken = db.session.execute(
        sa.update(SchedulerLock)
        .where(
            SchedulerLock.name == name,
            sa.or_(
                SchedulerLock.holder.is_(None),
                SchedulerLock.expires_at < now,
                SchedulerLock.holder == holder,
            ),
        )
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds), acquired_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return taken.rowcount == 1


def release(name: str, holder: str) -> None:
    """Give the lease back, if it is still ours."""
    db.session.execute(
        sa.update(SchedulerLock)
        .where(SchedulerLock.name == name, SchedulerLock.holder == holder)
        .values(holder=None, expires_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


@contextmanager
def lease(name: str, seconds: int) -> Iterator[bool]:
    """`with lease("reminders.plan", 600) as mine:` run the body only if `mine`."""
    holder = holder_name()
    mine = acquire(name, holder, seconds)
    try:
        yield mine
    finally:
        if mine:
            db.session.rollback()
            release(name, holder)
