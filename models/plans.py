"""Plans (Kế hoạch) and the higher documents they are based on (căn cứ)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow
from models.units import Unit


class PlanStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    # A mistaken import taken back as a whole: kept with its history, its open tasks cancelled.
    WITHDRAWN = "withdrawn"


class Plan(db.Model):
    __tablename__ = "plans"
    __table_args__ = (
        # A number is unique among the plans that stand: a withdrawn import keeps its number
        # (inspectors read it as it was) and the corrected document can be imported again.
        sa.Index(
            "uq_plans_number_live",
            "number",
            unique=True,
            sqlite_where=sa.text("status != 'withdrawn'"),
            postgresql_where=sa.text("status != 'withdrawn'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Schools' plans often leave the number blank ("Số:    /KH-THPT"); NULLs never collide.
    number: Mapped[str | None] = mapped_column(sa.String(80))
    issued_on: Mapped[date | None]
    issuer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    issuer_name: Mapped[str] = mapped_column(sa.String(300))
    # The "cơ quan thường trực" whose coordinators verify; the issuer unless the plan says so.
    tracking_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    period: Mapped[str | None] = mapped_column(sa.String(40))
    year: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), default=PlanStatus.ACTIVE)
    source_filename: Mapped[str | None] = mapped_column(sa.String(300))
    # A fingerprint of the parsed document, so a re-upload of a plan without a number is
    # recognised as the same plan (workflow/import_commit.py).
    source_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Number, title and issuer folded for search; kept by workflow/search.py.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    issuer: Mapped[Unit | None] = relationship(foreign_keys=[issuer_id])
    tracking_unit: Mapped[Unit] = relationship(foreign_keys=[tracking_unit_id])
    bases: Mapped[list[PlanBasis]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", foreign_keys="PlanBasis.plan_id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return self.number or self.title[:60]


class PlanBasis(db.Model):
    """A document this plan implements; linked to its Plan row when that plan is known."""

    __tablename__ = "plan_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(80))
    based_on_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)

    plan: Mapped[Plan] = relationship(back_populates="bases", foreign_keys=[plan_id])
    based_on_plan: Mapped[Plan | None] = relationship(foreign_keys=[based_on_plan_id])
