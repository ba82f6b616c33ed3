"""Filter sets a person saved under a name on a task list ("bộ lọc đã lưu")."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class SavedFilter(db.Model):
    """One person's named filter of one list: the list's endpoint and its query string.

    Per person: nobody else sees, renames or deletes it. A name is unique per person and
    list, so the links above the list are told apart by their names."""

    __tablename__ = "saved_filters"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "list_name", "name", name="uq_saved_filters_user_list_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    list_name: Mapped[str] = mapped_column(sa.String(40))  # "units.mine", "tasks.index", …
    name: Mapped[str] = mapped_column(sa.String(80))
    query: Mapped[str] = mapped_column(sa.String(1000))  # "state=assigned&quarter=2026-Q4"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
