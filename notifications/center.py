"""The in-app notification list (/notifications): a person's notices, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import Notification, Task, User, db
from notifications.render import stored_text

PAGE_SIZE = 50


@dataclass(frozen=True)
class Notice:
    """One row of the list, as plain values."""

    id: int
    kind: str
    title: str
    detail: str | None
    created_at: datetime
    read: bool
    task_id: int | None
    task_title: str | None
    actor_name: str | None


def unread_count(user_id: int) -> int:
    """How many of the user's notices are unread (one statement, on an index)."""
    return db.session.execute(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def page_of(user_id: int, page: int = 1, unread_only: bool = False) -> tuple[list[Notice], bool]:
    """One page of the user's notices, newest first, and whether another page follows.
    One statement whatever the page holds (task and actor joined in)."""
    page = max(page, 1)
    query = (
        sa.select(
            Notification.id,
            Notification.kind,
            Notification.title,
            Notification.detail,
            Notification.title_msg,
            Notification.detail_msg,
            Notification.created_at,
            Notification.read_at,
            Notification.task_id,
            Task.title.label("task_title"),
            User.full_name.label("actor_name"),
        )
        .outerjoin(Task, Task.id == Notification.task_id)
        .outerjoin(User, User.id == Notification.actor_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = db.session.execute(query).all()
    notices = [
        Notice(
            id=r.id,
            kind=r.kind,
            # Said in the reader's language; rows from before keep their stored text.
            title=stored_text(r.title_msg, r.title) or r.title,
            detail=stored_text(r.detail_msg, r.detail),
            created_at=r.created_at,
            read=r.read_at is not None,
            task_id=r.task_id,
            task_title=r.task_title,
            actor_name=r.actor_name,
        )
        for r in rows[:PAGE_SIZE]
    ]
    return notices, len(rows) > PAGE_SIZE
