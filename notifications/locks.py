"""Named leases in the database: a second scheduler finds the job taken and skips it.

A holder names its host and process: a lease whose process on this host is gone (killed)
is taken over at once instead of when it runs out. The same table keeps the day the
reminders were last planned (`planned_through`), so a restart knows which days it missed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from models import SchedulerLock, db
from workflow import clock

log = logging.getLogger(__name__)


def _host_tag() -> str:
    # Short and stable per host: claim tokens have 40 characters at most.
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:8]


def holder_name() -> str:
    """Who holds a lease: host, process and a random part (two threads differ too)."""
    return f"{_host_tag()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_token() -> str:
    """A sender's claim on outbox rows, naming its host and process like a lease holder."""
    return f"{_host_tag()}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def holder_is_dead(holder: str | None) -> bool:
    """Whether `holder` names a process of this host that no longer exists.

    Only this host's processes can be checked; a holder elsewhere (or one written in
    another format) is alive until its lease ends. A reused pid makes a dead holder
    look alive: then the lease simply runs out as before."""
    parts = (holder or "").split(":")
    if len(parts) != 3 or parts[0] != _host_tag() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return False


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
    if taken.rowcount != 1:
        # Held by someone: if by a process of this host that is gone (kill -9), take it now
        # rather than wait for the lease to run out.
        current = db.session.execute(
            sa.select(SchedulerLock.holder).where(SchedulerLock.name == name)
        ).scalar_one_or_none()
        if holder_is_dead(current):
            taken = db.session.execute(
                sa.update(SchedulerLock)
                .where(SchedulerLock.name == name, SchedulerLock.holder == current)
                .values(holder=holder, expires_at=now + timedelta(seconds=seconds), acquired_at=now)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:
                log.warning("lease %s taken over from dead process %s", name, current)
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


PLANNED_THROUGH = "reminders.planned_through"


def planned_through() -> date | None:
    """The last day whose reminders were planned (None before the first run)."""
    holder = db.session.execute(
        sa.select(SchedulerLock.holder).where(SchedulerLock.name == PLANNED_THROUGH)
    ).scalar_one_or_none()
    db.session.rollback()
    try:
        return date.fromisoformat(holder) if holder else None
    except ValueError:
        return None


def set_planned_through(day: date) -> None:
    """Record that reminders are planned up to `day` (never moves back)."""
    last = planned_through()
    if last is not None and last >= day:
        return
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    db.session.execute(
        insert(SchedulerLock.__table__)
        .values(name=PLANNED_THROUGH, holder=None, expires_at=None, acquired_at=None)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    db.session.execute(
        sa.update(SchedulerLock)
        .where(SchedulerLock.name == PLANNED_THROUGH)
        .values(holder=day.isoformat(), acquired_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def begin_claim(model: Any) -> bool:
    """Start claiming rows of an outbox-like table (mail, webhook deliveries); returns
    whether the database is PostgreSQL (which then locks the chosen rows itself, with
    SKIP LOCKED). SQLite has no row locks: the write lock is taken first, so the batch
    cannot change between choosing it and marking it."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if not postgres:
        db.session.rollback()
        db.session.execute(sa.update(model).where(sa.false()).values(claim_token=None))
    return postgres


def mark_claimed(
    model: Any,
    ids: Iterable[int],
    claimable: sa.ColumnElement[bool],
    state: tuple[str, Any],
    token: str,
    now: datetime,
) -> None:
    """Mark the chosen rows as this sender's (`state`: the status column's name and its
    "sending" value), counting the attempt, and commit the claim."""
    chosen = sorted(ids)
    if chosen:
        column, sending = state
        db.session.execute(
            sa.update(model)
            # The test is repeated: a row another sender took meanwhile is left alone.
            .where(model.id.in_(chosen), claimable)
            .values(
                {
                    column: sending,
                    "claim_token": token,
                    "claimed_at": now,
                    "attempts": model.attempts + 1,
                }
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
