"""Marking one's in-app notifications read.

Not audited: a read mark is the person's own view state (like which page they looked at),
changes nothing anyone else sees, and would flood the trail with one event per click.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from models import Notification, User, db
from workflow import clock
from workflow.transaction import unit_of_work


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notices read (these ids, or all of them when None); returns
    how many changed. Another person's notices are never touched."""
    with unit_of_work():
        query = (
            sa.update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if ids is not None:
            wanted = sorted({int(i) for i in ids})
            if not wanted:
                return 0
            query = query.where(Notification.id.in_(wanted))
        changed = db.session.execute(query).rowcount
    return changed
