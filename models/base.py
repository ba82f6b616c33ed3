"""The declarative base and the Flask-SQLAlchemy handle shared by all models."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations name the same thing on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def only_this_dialect(dialect_name: str) -> Callable[..., bool]:
    """Alembic's `include_object` for a database of `dialect_name`: leaves out of a
    comparison the schema objects the models build on another database only
    (`.ddl_if(dialect=...)`, such as PostgreSQL's trigram index)."""

    def include(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        return ddl_if is None or ddl_if.dialect in (None, dialect_name)

    return include


_clock: Callable[[], datetime] | None = None


def use_clock(now: Callable[[], datetime]) -> None:
    """Let the application's clock (workflow.clock) supply column defaults too, so a frozen
    clock in tests and demo replays stamps rows and events with the same instant."""
    global _clock
    _clock = now


def utcnow() -> datetime:
    """Naive UTC: both SQLite and PostgreSQL store it identically, so hashes stay stable."""
    if _clock is not None:
        return _clock()
    return datetime.now(UTC).replace(tzinfo=None)


def str_enum(enum_cls: type[enum.StrEnum], length: int = 20) -> sa.Enum:
    """A VARCHAR-backed enum column type storing the member values."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
