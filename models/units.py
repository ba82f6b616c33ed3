"""Units (departments, district offices, schools, partner bodies), their aliases and groups."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow


class UnitKind(enum.StrEnum):
    AUTHORITY = "authority"  # Sở, UBND: bodies that issue plans
    DEPARTMENT = "department"  # a department (phòng) of the Sở
    DISTRICT_OFFICE = "district_office"  # Phòng GD&ĐT of a district
    SCHOOL = "school"
    ORGANIZATION = "organization"  # Hội Khuyến học, Công đoàn, press


unit_group_members = sa.Table(
    "unit_group_members",
    db.metadata,
    sa.Column("group_id", sa.ForeignKey("unit_groups.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    # A unit's groups (reports/visibility.py), migration 0013.
    sa.Index("ix_unit_group_members_unit", "unit_id", "group_id"),
)


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    # Not unique: schools share names across districts; the code identifies (migration 0024).
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A unit dissolved or merged away keeps its row (plans and the trail name it); the
    # day it was retired and the unit that took over its work (migration 0017).
    retired_on: Mapped[date | None] = mapped_column(sa.Date)
    successor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))

    parent: Mapped[Unit | None] = relationship(
        remote_side=[id], back_populates="children", foreign_keys=[parent_id]
    )
    children: Mapped[list[Unit]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    aliases: Mapped[list[UnitAlias]] = relationship(
        back_populates="unit", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class UnitGroup(db.Model):
    """A named set of units as plans write it ("Các phòng thuộc Sở …")."""

    __tablename__ = "unit_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300), unique=True)
    members: Mapped[list[Unit]] = relationship(secondary=unit_group_members, order_by=Unit.name)
    aliases: Mapped[list[UnitAlias]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


ALIAS_GLOBAL = "global"
ALIAS_ISSUER = "issuer"
ALIAS_PLAN = "plan"
ALIAS_SCOPES = (ALIAS_PLAN, ALIAS_ISSUER, ALIAS_GLOBAL)


class UnitAlias(db.Model):
    """Another way a unit or group is written: an abbreviation, an old name, an OCR form."""

    __tablename__ = "unit_aliases"
    __table_args__ = (
        sa.CheckConstraint(
            "(unit_id IS NULL) <> (group_id IS NULL)", name="alias_names_one_target"
        ),
        sa.CheckConstraint("scope IN ('global', 'issuer', 'plan')", name="alias_scope_known"),
        # One spelling names one target within a scope (migration 0009).
        sa.UniqueConstraint("folded", "scope", "scope_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(300))
    # Diacritics- and case-folded text.
    folded: Mapped[str] = mapped_column(sa.String(300))
    # Where the alias holds: "global" (everywhere), "issuer" (plans of the issuer whose
    # folded name is scope_key) or "plan" (the plan whose fingerprint is scope_key).
    scope: Mapped[str] = mapped_column(sa.String(10), default=ALIAS_GLOBAL, server_default="global")
    scope_key: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_groups.id"), index=True)

    unit: Mapped[Unit | None] = relationship(back_populates="aliases")
    group: Mapped[UnitGroup | None] = relationship(back_populates="aliases")


class UnitName(db.Model):
    """One name a unit bore over a span of days: reports for a past date print the name
    the unit had then. `valid_to` is the first day of the next name (None: still current).
    A unit never renamed has no rows; its current name is its only name."""

    __tablename__ = "unit_names"
    __table_args__ = (sa.Index("ix_unit_names_unit_from", "unit_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(sa.String(300))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
