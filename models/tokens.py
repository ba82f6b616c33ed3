"""Personal access tokens for the JSON API (/api/v1): kept hashed, scoped, revocable."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow
from models.users import User


class TokenScope(enum.StrEnum):
    READ = "read"  # GET only
    WRITE = "write"  # also the changes the user may make on the web


class ApiToken(db.Model):
    """One token of one user. Only the SHA-256 of the secret is stored: a copy of the
    database gives nobody a working token. `prefix` (the secret's first characters) lets
    the owner tell their tokens apart on the settings page."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    scope: Mapped[TokenScope] = mapped_column(str_enum(TokenScope, length=10))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Revoked, never deleted: the audit trail keeps pointing at a real row.
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None
