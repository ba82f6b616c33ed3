"""The UNESCO learning-city framework: standards → criteria → indicators, targets and values.

The framework itself is data (data/indicators/unesco_learning_city.json, loaded by
`workflow.indicator_framework.load_framework`); units get indicators assigned per year with a
target, and enter one value per indicator, unit and year (re-entries update it, audited).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow
from models.units import Unit
from models.users import User


class IndicatorKind(enum.StrEnum):
    PERCENTAGE = "percentage"  # "đạt ≥ 95%"
    COUNT = "count"  # "... người", "số xã, phường"
    CHANGE = "change"  # "Tăng / Giảm" so với năm trước
    RATING = "rating"  # 1–5 expert rating ("Xuất sắc … Yếu")
    TEXT = "text"  # a narrative result, as the Quận 8 annex writes many


class ChangeDirection(enum.StrEnum):
    INCREASE = "increase"
    SAME = "same"
    DECREASE = "decrease"


class Standard(db.Model):
    """A standard ("1.1. Phát huy sự tham gia …") inside an area ("1. Những lợi ích …")."""

    __tablename__ = "indicator_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    area_code: Mapped[str] = mapped_column(sa.String(10))
    area_title: Mapped[str] = mapped_column(sa.String(300))
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="standard", order_by="Criterion.position"
    )


class Criterion(db.Model):
    """A criterion ("1.1.1. Bảo đảm xóa mù chữ …") of a standard."""

    __tablename__ = "indicator_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator_standards.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)

    standard: Mapped[Standard] = relationship(back_populates="criteria")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="criterion", order_by="Indicator.position"
    )


class Indicator(db.Model):
    """One measurable indicator ("chỉ số") with the framework's default target."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator_criteria.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[IndicatorKind] = mapped_column(str_enum(IndicatorKind))
    measure: Mapped[str | None] = mapped_column(sa.String(40))  # "%", "người", "trẻ"
    target_text: Mapped[str | None] = mapped_column(sa.String(300))
    target_op: Mapped[str | None] = mapped_column(sa.String(2))  # ">=", "<=", "=" or NULL
    target_value: Mapped[float | None] = mapped_column(sa.Float)
    responsible: Mapped[str | None] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)

    criterion: Mapped[Criterion] = relationship(back_populates="indicators")


class IndicatorAssignment(db.Model):
    """An indicator given to a unit for a year, with that unit's target."""

    __tablename__ = "indicator_assignments"
    __table_args__ = (
        sa.UniqueConstraint("indicator_id", "unit_id", "year", name="uq_indicator_assignment"),
        sa.Index("ix_indicator_assignments_unit_year", "unit_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    year: Mapped[int]
    target_text: Mapped[str | None] = mapped_column(sa.String(300))
    target_value: Mapped[float | None] = mapped_column(sa.Float)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicator: Mapped[Indicator] = relationship()
    unit: Mapped[Unit] = relationship()


class IndicatorValue(db.Model):
    """A unit's value of an indicator for a year; one row, updated (and audited) on re-entry."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        sa.UniqueConstraint("indicator_id", "unit_id", "year", name="uq_indicator_value"),
        sa.Index("ix_indicator_values_unit_year", "unit_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    year: Mapped[int]
    number: Mapped[float | None] = mapped_column(sa.Float)  # percentage or count
    change: Mapped[ChangeDirection | None] = mapped_column(str_enum(ChangeDirection))
    rating: Mapped[int | None]  # 1 (Yếu) … 5 (Xuất sắc)
    note: Mapped[str | None] = mapped_column(sa.Text)  # the narrative result
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"))
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicator: Mapped[Indicator] = relationship()
    unit: Mapped[Unit] = relationship()
    entered_by: Mapped[User] = relationship()


class AuditVerification(db.Model):
    """The result of a run of the chain verification, kept so pages need not re-walk it.

    A full run checks every event; later runs continue from its checkpoint (last_seq,
    last_hash) and only walk the events appended since.
    """

    __tablename__ = "audit_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    full: Mapped[bool] = mapped_column(default=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    intact: Mapped[bool]
    checked: Mapped[int] = mapped_column(sa.BigInteger)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger)
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    bad_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    bad_event_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    problem: Mapped[str | None] = mapped_column(sa.Text)
