"""The name a unit bore on a given day, from the name history (models.UnitName).

Reports about the past print the names as they were: a year-end report for 2024 drawn
after a 2025 rename says what the unit was called in 2024. A unit never renamed has no
history rows and is named by its current name; before its first recorded name, by that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from models import Unit, UnitName, db


def unit_names_on(unit_ids: Iterable[int | None], day: date) -> dict[int, str]:
    """Unit id → its name on `day`, for many units (one statement)."""
    ids = {i for i in unit_ids if i}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Unit.id, Unit.name, UnitName.name, UnitName.valid_from, UnitName.valid_to)
        .outerjoin(UnitName, UnitName.unit_id == Unit.id)
        .where(Unit.id.in_(ids))
        .order_by(Unit.id, UnitName.valid_from, UnitName.id)
    ).all()
    names = {row[0]: row[1] for row in rows}
    history = [(r[0], r[2], r[3], r[4]) for r in rows if r[2] is not None]
    first: dict[int, tuple[date, str]] = {}
    covered: set[int] = set()
    for unit_id, name, valid_from, valid_to in history:
        first.setdefault(unit_id, (valid_from, name))
        if valid_from <= day and (valid_to is None or day < valid_to):
            names[unit_id] = name
            covered.add(unit_id)
    for unit_id, (valid_from, name) in first.items():
        if unit_id not in covered and day < valid_from:
            names[unit_id] = name  # before the first recorded name: that name
    return names


def unit_name_on(unit_id: int, day: date) -> str | None:
    """The unit's name on `day` (None for an unknown unit)."""
    return unit_names_on([unit_id], day).get(unit_id)
