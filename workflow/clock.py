"""The one place the application asks what time it is, so tests can walk through a year."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from models.base import use_clock

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_frozen: datetime | None = None


def now() -> datetime:
    """Naive UTC now (the database convention), or the frozen instant in tests."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in Vietnam: deadlines are local dates."""
    return now().replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()


def freeze(instant: datetime | None) -> None:
    """Pin the clock to a naive-UTC instant (None releases it). For tests and replays."""
    global _frozen
    _frozen = instant


def to_local(instant: datetime | None) -> datetime | None:
    """Show a stored naive-UTC instant in Vietnam time."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


use_clock(now)
