"""Figures kept in the same transaction as the changes they count: the mechanism shared
by the dashboard's tallies (workflow/counters.py) and the cascade roll-up's
(workflow/cascade_tallies.py).

Mapper-level flush events see every writer without any of them calling the keeper:
before a flush that touches what a keeper counts, it names the affected rows and reads
their keys (a snapshot); after the flush it reads them again, and the difference moves
the kept rows, one UPDATE (or INSERT) per changed key, on the flush's connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

# (session) -> the ids the flush may change, or None when it touches nothing counted.
Affected = Callable[[Session], "set[int] | None"]
# (connection, ids) -> their keys as they stand.
Snapshotter = Callable[[sa.Connection, "set[int]"], Any]
# (connection, ids, snapshot before, the watched objects flushed) -> moves the kept rows.
Settler = Callable[[sa.Connection, "set[int]", Any, list[Any]], None]


def keep_on_flush(
    name: str, affected: Affected, snapshot: Snapshotter, watched: tuple[type, ...], settle: Settler
) -> tuple[Callable[..., None], Callable[..., None]]:
    """Register the before/after flush listeners of one keeper; returns them (the caller
    keeps them at module level, as the event registry is no owner of its listeners)."""
    pending_key = f"{name}_pending"

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        ids = affected(session)
        if ids is None:
            return
        objects = [o for o in (*session.new, *session.dirty) if isinstance(o, watched)]
        old = snapshot(session.connection(), ids)
        session.info.setdefault(pending_key, []).append((ids, old, objects))

    def after_flush(session: Session, _context: Any) -> None:
        pending = session.info.pop(pending_key, None)
        if not pending:
            return
        connection = session.connection()
        for ids, old, objects in pending:
            settle(connection, set(ids), old, objects)

    sa.event.listen(Session, "before_flush", before_flush)
    sa.event.listen(Session, "after_flush", after_flush)
    return before_flush, after_flush


def add_to_kept_rows(
    connection: sa.Connection,
    model: Any,
    names: tuple[str, ...],
    columns: tuple[str, ...],
    delta: dict[tuple, tuple],
) -> None:
    """Add each key's change (one number per column) to one of its rows, or start the row.

    One row per key gets the change, even if a race left two: readers sum them."""
    for key, change in sorted(delta.items(), key=repr):
        if not any(change):
            continue
        matches = [
            getattr(model, n).is_(None) if v is None else getattr(model, n) == v
            for n, v in zip(names, key, strict=True)
        ]
        first = sa.select(sa.func.min(model.id)).where(*matches).scalar_subquery()
        values = {c: getattr(model, c) + d for c, d in zip(columns, change, strict=True)}
        done = connection.execute(sa.update(model).where(model.id == first).values(**values))
        if done.rowcount == 0:
            connection.execute(
                sa.insert(model).values(
                    **dict(zip(names, key, strict=True)), **dict(zip(columns, change, strict=True))
                )
            )
