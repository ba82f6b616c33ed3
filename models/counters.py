"""Dashboard figures kept, not recounted: how many tasks carry each key (issue 12).

A row counts the tasks that do the work (leaves: no sub-tasks) of one plan, led by one
unit, due on one day, in one state, reported late or not. The QĐ 42 group follows from
those columns and today's date (reports.progress.bucket_case), so a figure never goes
stale overnight, and a quarter's dashboard sums a few hundred rows instead of reading
thousands of tasks. workflow/counters.py keeps the rows in the same flush as every change
of a task; `planwork counters rebuild --check` recounts and compares.

Rows with the same key may repeat (two transactions adding the first task of a key at
once each insert one); every reader sums `n`, so a repeat changes nothing.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db


class TaskTally(db.Model):
    __tablename__ = "task_tallies"
    __table_args__ = (
        sa.Index("ix_task_tallies_due_plan", "due_on", "plan_id"),
        sa.Index("ix_task_tallies_plan_due", "plan_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    due_on: Mapped[date | None]
    state: Mapped[str] = mapped_column(sa.String(20))
    reported_late: Mapped[bool] = mapped_column(default=False)
    n: Mapped[int] = mapped_column(default=0)


class TaskViewTally(db.Model):
    """The same counts per unit that may see the tasks (reports.visibility's rules: the
    plan's tracking unit, the lead unit, the coordinating units of the task or of its
    parent, directly or through a group), so a member's or coordinator's dashboard sums
    their own rows instead of walking their share of tasks."""

    __tablename__ = "task_view_tallies"
    __table_args__ = (sa.Index("ix_task_view_tallies_viewer_due", "viewer_unit_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    due_on: Mapped[date | None]
    state: Mapped[str] = mapped_column(sa.String(20))
    reported_late: Mapped[bool] = mapped_column(default=False)
    n: Mapped[int] = mapped_column(default=0)
