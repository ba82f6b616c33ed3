"""The history of unit names: each rename closes the current name and opens the new one.

A unit never renamed has no rows (its name is its only name). The first rename writes the
old name from the unit's creation day, so `reports.unit_names` can print, for any past
day, the name the unit bore then. Called inside the caller's transaction, never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from models import Unit, UnitName, db
from workflow import clock


def rename_many(renames: Sequence[tuple[Unit, str]], day: date | None = None) -> None:
    """Record that each unit takes its new name from `day` (default today).

    Three statements whatever the number of units: close the open rows, find the units
    with no history yet, insert the old names of those and the new names of all.
    """
    if not renames:
        return
    day = day or clock.today()
    ids = [unit.id for unit, _ in renames]
    with_history = set(
        db.session.execute(
            sa.select(UnitName.unit_id).where(UnitName.unit_id.in_(ids)).distinct()
        ).scalars()
    )
    db.session.execute(
        sa.update(UnitName)
        .where(UnitName.unit_id.in_(ids), UnitName.valid_to.is_(None))
        .values(valid_to=day),
        execution_options={"synchronize_session": False},
    )
    rows: list[dict[str, object]] = []
    for unit, new_name in renames:
        if unit.id not in with_history:
            since = unit.created_at.date() if unit.created_at else day
            rows.append(
                {
                    "unit_id": unit.id,
                    "name": unit.name,
                    "valid_from": min(since, day),
                    "valid_to": day,
                }
            )
        rows.append({"unit_id": unit.id, "name": new_name, "valid_from": day, "valid_to": None})
    db.session.execute(sa.insert(UnitName), rows)


def rename(unit: Unit, new_name: str, day: date | None = None) -> None:
    """Record one rename (see rename_many); the caller then sets `unit.name`."""
    rename_many([(unit, new_name)], day)
