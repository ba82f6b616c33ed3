"""Tasks (plan items), their units, reports, contributions, attachments and requests."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, str_enum, utcnow
from models.plans import Plan
from models.units import Unit, UnitGroup
from models.users import User


class TaskState(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    VERIFIED = "verified"
    CANCELLED = "cancelled"


class UnitRole(enum.StrEnum):
    LEAD = "lead"
    COORDINATING = "coordinating"


class Recurrence(enum.StrEnum):
    YEARLY = "yearly"
    QUARTERLY = "quarterly"


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        # With the id, "the tasks of these plans" is read from the index alone (a unit's
        # visible tasks, reports/visibility.py; migration 0029).
        sa.Index("ix_tasks_plan_position", "plan_id", "position", "id"),
        sa.Index("ix_tasks_state_due", "state", "due_on"),
        # Issue 12 (migration 0013): a plan's top-level items in order, a parent's sub-tasks
        # by state (roll-ups), a quarter's tasks by plan, and open tasks by deadline.
        sa.Index("ix_tasks_plan_parent_position", "plan_id", "parent_id", "position"),
        sa.Index("ix_tasks_parent_state", "parent_id", "state"),
        sa.Index("ix_tasks_due_plan", "due_on", "plan_id"),
        # A unit's month calendar reads only its month's rows (migration 0023).
        sa.Index("ix_tasks_lead_due", "lead_unit_id", "due_on"),
        # A unit's open work by state and deadline (the inbox count in every page's header,
        # the workspace's state filter) and the plans it leads in (the plan filter), each
        # read from the index alone (migration 0028; they replace the lead unit's own index).
        sa.Index("ix_tasks_lead_state_due", "lead_unit_id", "state", "due_on"),
        sa.Index("ix_tasks_lead_plan", "lead_unit_id", "plan_id"),
        # The open tasks of the plans a unit tracks by deadline: the dashboard's overdue
        # and due-soon lists read only those plans' rows (migration 0031).
        sa.Index("ix_tasks_plan_state_due", "plan_id", "state", "due_on"),
        sa.Index(
            "ix_tasks_open_due",
            "due_on",
            "id",
            sqlite_where=sa.text("state IN ('assigned', 'in_progress')"),
            postgresql_where=sa.text("state IN ('assigned', 'in_progress')"),
        ),
        # Search matches words anywhere in the folded text (LIKE '%chuyen%'): on PostgreSQL
        # a trigram index answers that without reading every task (migration 0030). SQLite
        # has no such index; one office's tasks are few enough to read.
        sa.Index(
            "ix_tasks_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    # The higher plan's item this one carries out, so progress rolls up the cascade.
    implements_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(sa.String(40))
    section: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[str | None] = mapped_column(sa.Text)
    timeframe_text: Mapped[str | None] = mapped_column(sa.String(300))
    periods: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # First and last period as sortable strings, so "a unit's tasks by quarter" is indexed.
    period_start: Mapped[str | None] = mapped_column(sa.String(7))
    due_on: Mapped[date | None]
    recurrence: Mapped[Recurrence | None] = mapped_column(str_enum(Recurrence))
    ongoing: Mapped[bool] = mapped_column(default=False)
    state: Mapped[TaskState] = mapped_column(str_enum(TaskState), default=TaskState.ASSIGNED)
    # For a sub-task: the one lead unit it was fanned out to.
    lead_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    reported_at: Mapped[datetime | None]
    reported_late: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Number, title and content folded (no case, no diacritics) for search; kept by
    # workflow/search.py on every insert and update.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    plan: Mapped[Plan] = relationship()
    parent: Mapped[Task | None] = relationship(
        remote_side=[id], back_populates="subtasks", foreign_keys=[parent_id]
    )
    subtasks: Mapped[list[Task]] = relationship(
        back_populates="parent", foreign_keys=[parent_id], order_by="Task.position"
    )
    lead_unit: Mapped[Unit | None] = relationship(foreign_keys=[lead_unit_id])
    units: Mapped[list[TaskUnit]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskUnit.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_parent(self) -> bool:
        return self.parent_id is None and bool(self.subtasks)


class TaskUnit(db.Model):
    """A unit (or a whole group, kept as written) named on a task, with its role."""

    __tablename__ = "task_units"
    __table_args__ = (
        sa.Index("ix_task_units_unit_role", "unit_id", "role", "task_id"),
        # Who coordinates through a group (reports/visibility.py), migration 0013.
        sa.Index("ix_task_units_group_role", "group_id", "role", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_groups.id"))
    role: Mapped[UnitRole] = mapped_column(str_enum(UnitRole))
    mention: Mapped[str] = mapped_column(sa.String(300))
    needs_review: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    task: Mapped[Task] = relationship(back_populates="units")
    unit: Mapped[Unit | None] = relationship()
    group: Mapped[UnitGroup | None] = relationship()

    @property
    def display_name(self) -> str:
        if self.unit is not None:
            return self.unit.name
        if self.group is not None:
            return self.group.name
        return self.mention


class Report(db.Model):
    """What the lead unit submits: text, figures and attachments."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    figures: Mapped[dict | None] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    late: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
    unit: Mapped[Unit] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report")


class Contribution(db.Model):
    """A coordinating unit's input to a task; it does not move the task's state."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="contribution")


class Attachment(db.Model):
    """A file stored under instance/attachments, named by its content hash."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    contribution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contributions.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(100))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report | None] = relationship(back_populates="attachments")
    contribution: Mapped[Contribution | None] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class ExtensionRequest(db.Model):
    """A lead unit's request to move a deadline ("xin gia hạn")."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    old_due_on: Mapped[date | None]
    new_due_on: Mapped[date]
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus), default=RequestStatus.PENDING
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ExplanationRequest(db.Model):
    """A coordinator asks an overdue unit to explain ("giải trình"); the answer is kept."""

    __tablename__ = "explanation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    question: Mapped[str] = mapped_column(sa.Text)
    explanation: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
