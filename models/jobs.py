"""Background jobs: long work a user asked for, run by the worker process (jobs/)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db, str_enum, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(db.Model):
    """One piece of work (an import, a verification, a document): who asked, with what
    parameters, how far it got, and where its result is."""

    __tablename__ = "background_jobs"
    __table_args__ = (sa.Index("ix_background_jobs_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[JobState] = mapped_column(str_enum(JobState), default=JobState.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    # Shown to the user as is when the job failed: always Vietnamese, never a stack trace.
    message: Mapped[str | None] = mapped_column(sa.Text)
    # {"file", "download_name", "mimetype"} for a document, {"endpoint", "values"} for a
    # page to go to, plus what the notice needs (e.g. the verification's verdict).
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
