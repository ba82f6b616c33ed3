"""What each person hears of, and how: per-kind choices and the in-app notification list."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class NotificationPref(db.Model):
    """One subscriber's choice for one kind of event: "now" (a mail at once), "digest" (one
    mail a day) or "off". Either a person (user_id) or a unit's official mailbox (unit_id).

    A missing row means the default of the subscriber's role (workflow.notification_prefs)."""

    __tablename__ = "notification_prefs"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_prefs_user_kind"),
        sa.UniqueConstraint("unit_id", "kind", name="uq_notification_prefs_unit_kind"),
        sa.CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_subscriber"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    mode: Mapped[str] = mapped_column(sa.String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """One event told to one person in the app (/notifications), read or not yet.

    `dedupe_key` is unique: an event announced twice in one transaction is written once."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count and the list both read by person first.
        sa.Index("ix_notifications_user_read", "user_id", "read_at"),
        sa.Index("ix_notifications_user_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    # The title and detail as msgid and parameters (notifications.render.Msg), said in the
    # reader's language at read time; None on rows written before (their text is shown).
    title_msg: Mapped[dict | None] = mapped_column(sa.JSON)
    detail_msg: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
