"""People on a task: the unit's staff who carry it out, and whoever follows it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.users import User


class TaskAssignee(db.Model):
    """A person of the lead unit who carries out the task ("người thực hiện").

    Work still belongs to the unit (reports, permissions); the assignee says who in the
    unit does it, so that "Việc của tôi" and the inbox can be per person."""

    __tablename__ = "task_assignees"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "user_id", name="uq_task_assignees_task_user"),
        # "What is assigned to me" reads by person first.
        sa.Index("ix_task_assignees_user_task", "user_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class TaskFollower(db.Model):
    """Someone who can see the task and asked to be kept informed of it."""

    __tablename__ = "task_followers"
    __table_args__ = (
        sa.UniqueConstraint("task_id", "user_id", name="uq_task_followers_task_user"),
        sa.Index("ix_task_followers_user_task", "user_id", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
