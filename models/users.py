"""People: users of a unit with one role, and substitutions during an absence."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow
from models.units import Unit


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    MEMBER = "member"
    INSPECTOR = "inspector"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(200))
    # Optional, edited by the user on their profile page (workflow.account).
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    # Deactivated, never deleted: the audit trail keeps pointing at a real person.
    active: Mapped[bool] = mapped_column(default=True)
    digest_opt_out: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Copied into the session at login and compared on every request: raising it (logout,
    # password change or reset) ends every session of this user at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    unit: Mapped[Unit] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Substitution(db.Model):
    """A member names a substitute for an absence; acts are recorded under both names."""

    __tablename__ = "substitutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    absent_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    absent_user: Mapped[User] = relationship(foreign_keys=[absent_user_id])
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id])
