"""The name a unit bore on a given day, from the name history (models.UnitName).

Reports about the past print the names as they were: a year-end report for 2024 drawn
after a 2025 rename says what the unit was called in 2024. A unit never renamed has no
history rows and is named by its current name; before its first recorded name, by that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

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


def unit_choices(*, active_only: bool = True) -> list[tuple[int, str]]:
    """(id, label) of the units for a select, by name (one statement). A name several
    units bear ("Trường Tiểu học Kim Đồng" in several districts) is told apart by the
    parent: "Trường Tiểu học Kim Đồng — Phòng Giáo dục và Đào tạo quận 8"."""
    parent = aliased(Unit)
    query = (
        sa.select(Unit.id, Unit.name, parent.name)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .order_by(Unit.name, parent.name, Unit.id)
    )
    if active_only:
        query = query.where(Unit.active.is_(True))
    rows = db.session.execute(query).all()
    labels = distinct_labels((r[0], r[1], r[2]) for r in rows)
    return [(r[0], labels[r[0]]) for r in rows]


def distinct_labels(rows: Iterable[tuple[int, str, str | None]]) -> dict[int, str]:
    """Unit id → its name, or "name — parent name" when another of `rows` bears the name."""
    rows = list(rows)
    count: dict[str, int] = {}
    for _, name, _ in rows:
        count[name] = count.get(name, 0) + 1
    return {
        unit_id: f"{name} — {parent}" if count[name] > 1 and parent else name
        for unit_id, name, parent in rows
    }
