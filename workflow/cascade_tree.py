"""The unit tree the cascade's permissions follow: a district office is above its schools
(units whose parent chain reaches it), the department above all. Read-only helpers for
workflow/permissions.py and workflow/plan_access.py; the same rule as SQL is in
reports/visibility.py (`descendant_units`)."""

from __future__ import annotations

import sqlalchemy as sa

from models import Unit, db

# A unit tree deeper than this is a loop in the data, not a city.
MAX_DEPTH = 8


def ancestor_ids(unit_id: int | None) -> list[int]:
    """The unit's parent, grandparent, … (nearest first); one statement a level."""
    chain: list[int] = []
    current = unit_id
    while current is not None and len(chain) < MAX_DEPTH:
        current = db.session.execute(
            sa.select(Unit.parent_id).where(Unit.id == current)
        ).scalar_one_or_none()
        if current is None or current in chain:
            break
        chain.append(current)
    return chain


def is_above(upper_unit_id: int | None, unit_id: int | None) -> bool:
    """Whether `upper_unit_id` is on the parent chain of `unit_id` (a district office
    above its schools)."""
    if upper_unit_id is None or unit_id is None or upper_unit_id == unit_id:
        return False
    return upper_unit_id in ancestor_ids(unit_id)
