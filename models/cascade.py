"""The cascade of plans: a lower plan carries out a higher one ("Căn cứ Kế hoạch số …"),
and a lower plan's item carries out an item of the higher plan."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow
from models.plans import Plan
from models.tasks import Task
from models.users import User


class LinkMethod(enum.StrEnum):
    IMPORT = "import"  # the importer read the "căn cứ" line and found the plan
    HAND = "hand"  # a coordinator linked the plans (or made the lower plan from the higher)


class ItemLinkStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    # Kept (not deleted) so the same pair is never proposed again after a "no".
    REJECTED = "rejected"


class PlanLink(db.Model):
    """A lower plan carries out a higher plan."""

    __tablename__ = "plan_links"
    __table_args__ = (
        sa.UniqueConstraint("lower_plan_id", "higher_plan_id"),
        # The roll-up walks links from the higher plan down.
        sa.Index("ix_plan_links_higher", "higher_plan_id", "lower_plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lower_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    higher_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    method: Mapped[LinkMethod] = mapped_column(str_enum(LinkMethod))
    # The reference as the document wrote it ("2417/ KH-SGDĐT"), when it came from one.
    reference: Mapped[str | None] = mapped_column(sa.String(80))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lower_plan: Mapped[Plan] = relationship(foreign_keys=[lower_plan_id])
    higher_plan: Mapped[Plan] = relationship(foreign_keys=[higher_plan_id])
    created_by: Mapped[User | None] = relationship()


class ItemLink(db.Model):
    """A lower plan's item (a top-level task) carries out an item of a higher plan.

    The plans are kept beside the items so the roll-up groups by plan without a join."""

    __tablename__ = "item_links"
    __table_args__ = (
        sa.UniqueConstraint("lower_task_id", "higher_task_id"),
        sa.Index("ix_item_links_higher", "higher_task_id", "status", "lower_task_id"),
        sa.Index("ix_item_links_higher_plan", "higher_plan_id", "status"),
        sa.Index("ix_item_links_lower_plan", "lower_plan_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lower_task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    higher_task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    lower_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    higher_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    status: Mapped[ItemLinkStatus] = mapped_column(str_enum(ItemLinkStatus))
    # How sure the proposal was (0-100) and why: "numbering", "text", "copy", "hand".
    score: Mapped[int] = mapped_column(default=0)
    basis: Mapped[str] = mapped_column(sa.String(20))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lower_task: Mapped[Task] = relationship(foreign_keys=[lower_task_id])
    higher_task: Mapped[Task] = relationship(foreign_keys=[higher_task_id])


class CascadeTally(db.Model):
    """The roll-up's QĐ 42 figures kept per (higher item, level) instead of recounted:
    how many lower tasks, at any depth below the item, carry it out, by state, late flag
    and due date (so "overdue" is decided at read time against today). Kept in the same
    flush as every change by workflow/cascade_tallies.py."""

    __tablename__ = "cascade_tallies"
    __table_args__ = (sa.Index("ix_cascade_tallies_root", "root_task_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root_task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    level: Mapped[str] = mapped_column(sa.String(10))
    state: Mapped[str] = mapped_column(sa.String(20))
    reported_late: Mapped[bool] = mapped_column(default=False)
    due_on: Mapped[date | None]
    n: Mapped[int] = mapped_column(default=0)


class CascadePlanTally(db.Model):
    """Per (higher item, lower plan): the lower tasks carrying the item out, how many
    count (not cancelled) and how many are verified; the roll-up's "plans finished" and
    its list of lower plans read these rows."""

    __tablename__ = "cascade_plan_tallies"
    __table_args__ = (
        sa.Index("ix_cascade_plan_tallies_root", "root_task_id", "depth", "lower_plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    root_task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    lower_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    level: Mapped[str] = mapped_column(sa.String(10))
    depth: Mapped[int] = mapped_column(default=1)
    leaves: Mapped[int] = mapped_column(default=0)
    counted: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)


class CascadeLevelPlans(db.Model):
    """Per (higher item, level): how many lower plans carry the item out and how many of
    them have finished it (every counted task verified); derived from CascadePlanTally
    in the same flush, so the roll-up does not group thousands of school plans."""

    __tablename__ = "cascade_level_plans"
    __table_args__ = (sa.Index("ix_cascade_level_plans_root", "root_task_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root_task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    level: Mapped[str] = mapped_column(sa.String(10))
    plans: Mapped[int] = mapped_column(default=0)
    plans_done: Mapped[int] = mapped_column(default=0)


class CascadeLinkedPlans(db.Model):
    """Per plan and level: how many standing plans carry the plan out, at any depth
    (workflow/cascade_linked.py recounts a plan's row when a link under it changes), so
    the roll-up does not walk a city's 2,000 plan links on every request."""

    __tablename__ = "cascade_linked_plans"
    __table_args__ = (sa.UniqueConstraint("plan_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    level: Mapped[str] = mapped_column(sa.String(10))
    plans: Mapped[int] = mapped_column(default=0)
