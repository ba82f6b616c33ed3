"""The security log: failed and refused logins, kept apart from the audit trail.

The audit trail is append-only and hash-chained, so anything an anonymous client can
write there grows it for good. Login failures are written here instead (real accounts
also keep their audit event); rows are pruned after a retention period and the audit
trail only receives periodic counts.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, str_enum, utcnow


class SecurityEventKind(enum.StrEnum):
    UNKNOWN_USER = "unknown_user"  # a username that is no account
    BAD_PASSWORD = "bad_password"  # a real account, wrong password (or inactive)
    THROTTLED = "throttled"  # refused by the throttle, the password was not checked


class SecurityLogEntry(db.Model):
    """One failed or refused login attempt."""

    __tablename__ = "security_log"
    __table_args__ = (
        # The throttle counts recent failures per username and per client address.
        sa.Index("ix_security_log_username_occurred", "username", "occurred_at"),
        sa.Index("ix_security_log_client_occurred", "client_addr", "occurred_at"),
        sa.Index("ix_security_log_occurred", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[SecurityEventKind] = mapped_column(str_enum(SecurityEventKind))
    username: Mapped[str] = mapped_column(sa.String(80))
    client_addr: Mapped[str | None] = mapped_column(sa.String(64))
    # The id of the known-device cookie the client presented, if any (see workflow.login).
    device: Mapped[str | None] = mapped_column(sa.String(32))
