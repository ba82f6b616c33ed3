"""Indicators as reports read them: the framework in order, a unit's values, the annex.

The writes (loading the framework, assignments, values) are workflow.indicators'.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    Criterion,
    Indicator,
    IndicatorAssignment,
    IndicatorKind,
    IndicatorValue,
    Standard,
    db,
)
from workflow.indicators import CHANGE_LABELS, RATING_LABELS


def framework() -> list[Standard]:
    """All standards with criteria and indicators, in the document's order (3 statements)."""
    return list(
        db.session.execute(
            sa.select(Standard)
            .order_by(Standard.position)
            .options(selectinload(Standard.criteria).selectinload(Criterion.indicators))
        ).scalars()
    )


def current_values(unit_id: int | None, year: int) -> dict[int, IndicatorValue]:
    """The unit's values for the year, by indicator id (one statement, two with kinds)."""
    if unit_id is None:
        return {}
    return {
        v.indicator_id: v
        for v in db.session.execute(
            sa.select(IndicatorValue)
            .where(IndicatorValue.unit_id == unit_id, IndicatorValue.year == year)
            .options(selectinload(IndicatorValue.indicator))
        ).scalars()
    }


def display_value(row: IndicatorValue | None) -> str:
    """The value as the annex writes it: "99,07%", "Tăng", "4 – Rất tốt", or the note."""
    if row is None:
        return ""
    kind = row.indicator.kind
    text = ""
    if kind == IndicatorKind.PERCENTAGE and row.number is not None:
        text = f"{row.number:g}%".replace(".", ",")
    elif kind == IndicatorKind.COUNT and row.number is not None:
        text = f"{row.number:,.0f}".replace(",", ".") + (
            f" {row.indicator.measure}" if row.indicator.measure else ""
        )
    elif kind == IndicatorKind.CHANGE and row.change is not None:
        text = CHANGE_LABELS[row.change]
        if row.number is not None:
            text += f" {row.number:g}%".replace(".", ",")
    elif kind == IndicatorKind.RATING and row.rating is not None:
        text = f"{row.rating} – {RATING_LABELS[row.rating]}"
    if row.note:
        text = f"{text}. {row.note}" if text else row.note
    return text


@dataclass
class AnnexRow:
    """One line of the year-end annex: where the indicator sits, its target and its value."""

    standard: Standard
    criterion: Criterion
    indicator: Indicator
    target: str
    value: str


def annex_rows(
    unit_ids: list[int] | set[int], year: int, *, own_unit_id: int | None = None
) -> list[AnnexRow]:
    """Indicators assigned to (or answered by) these units in the year, with their values,
    in the framework's order.

    Every value any of the units entered is listed, named by its unit unless it is the
    report's own (`own_unit_id`) and the only one: a plan's or a district's annex gathers
    the figures of all the units that work under it.
    """
    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return []
    assignments = list(
        db.session.execute(
            sa.select(IndicatorAssignment).where(
                IndicatorAssignment.unit_id.in_(unit_ids), IndicatorAssignment.year == year
            )
        ).scalars()
    )
    values = list(
        db.session.execute(
            sa.select(IndicatorValue)
            .where(IndicatorValue.unit_id.in_(unit_ids), IndicatorValue.year == year)
            .options(selectinload(IndicatorValue.indicator), selectinload(IndicatorValue.unit))
            .order_by(IndicatorValue.unit_id)
        ).scalars()
    )
    wanted = {a.indicator_id for a in assignments} | {v.indicator_id for v in values}
    if not wanted:
        return []
    # One target per indicator: the report's own unit's, else the first unit's.
    targets: dict[int, str] = {}
    for a in sorted(assignments, key=lambda a: (a.unit_id != own_unit_id, a.unit_id)):
        if a.target_text:
            targets.setdefault(a.indicator_id, a.target_text)
    by_indicator: dict[int, list[IndicatorValue]] = {}
    for v in values:
        by_indicator.setdefault(v.indicator_id, []).append(v)
    rows = []
    for standard in framework():
        for criterion in standard.criteria:
            for indicator in criterion.indicators:
                if indicator.id not in wanted:
                    continue
                found = by_indicator.get(indicator.id, [])
                if len(found) == 1 and found[0].unit_id == own_unit_id:
                    value = display_value(found[0])
                else:
                    value = "\n".join(f"{v.unit.name}: {display_value(v)}" for v in found)
                target = targets.get(indicator.id) or indicator.target_text or ""
                rows.append(AnnexRow(standard, criterion, indicator, target, value))
    return rows
