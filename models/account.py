"""Password reset requests: one row per request, the link's token kept only hashed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, utcnow


class PasswordReset(db.Model):
    """A request for a reset link. Requests for unknown addresses are kept too (without a
    token): the rate limit counts them alike, so its answer tells nothing about which
    addresses are accounts. Only the SHA-256 of the token is stored."""

    __tablename__ = "password_resets"
    __table_args__ = (
        sa.Index("ix_password_resets_email_created", "email_hash", "created_at"),
        sa.Index("ix_password_resets_client_created", "client_addr", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # SHA-256 of the address as typed (folded): the rate limit's key, not the address.
    email_hash: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    # Set when the link is used, or made void by a newer use or a password change.
    used_at: Mapped[datetime | None]
