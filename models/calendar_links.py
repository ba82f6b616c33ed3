"""Personal iCalendar links: one secret feed address per person (migration 0023)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.users import User


class CalendarLink(db.Model):
    """The person's current feed token; renewing replaces it, so the old link dies at once.

    The token is kept as issued (not hashed): it opens only deadlines that live in this same
    database, so a copy of the database reveals nothing the token would, and the page must be
    able to show the link again whenever the person wants to subscribe another device.
    """

    __tablename__ = "calendar_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
