"""A person's secret iCalendar link: created and renewed by its owner, audited.

Calendar apps cannot log in, so the feed's address is its key. The token is 192 random
bits (`secrets.token_urlsafe(24)`), far past guessing. Renewing replaces the row's token in
the same transaction as its audit event, so the old address answers 404 from the moment
the change commits. The trail records that the link changed, never the token itself: the
audit trail is exported and printed, and a token in it would be a working key.
"""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa

from models import CalendarLink, User, db
from workflow import audit, clock
from workflow.errors import NotFound, PermissionDenied
from workflow.transaction import unit_of_work

TOKEN_BYTES = 24  # 192 bits; the brief asks for at least 128
# What `token_urlsafe` produces; anything else is refused before it reaches the database.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def is_token_shaped(token: str) -> bool:
    """Whether a string could be one of our tokens (cheap check before any query)."""
    return bool(TOKEN_SHAPE.fullmatch(token or ""))


def renew_link(user_id: int, actor: User) -> str:
    """Give the person a new feed token (the first one, or a replacement); returns it.

    Only the person may do it: the link shows their own work, and renewing it cuts off
    every calendar subscribed to the old one."""
    if actor.id != user_id:
        raise PermissionDenied("Chỉ chủ tài khoản mới được tạo liên kết lịch của mình.")
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Không tìm thấy người dùng.")
        link = db.session.execute(
            sa.select(CalendarLink).where(CalendarLink.user_id == user_id)
        ).scalar_one_or_none()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        had_link = link is not None
        if link is None:
            link = CalendarLink(user_id=user_id, token=token, created_at=clock.now())
            db.session.add(link)
        else:
            link.token, link.created_at = token, clock.now()
        audit.record(
            "account.calendar_link",
            actor=actor,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            before={"calendar_link": "có" if had_link else None},
            after={"calendar_link": "mới"},
            reason="Tạo liên kết lịch mới; liên kết cũ hết hiệu lực" if had_link else None,
        )
    return token
