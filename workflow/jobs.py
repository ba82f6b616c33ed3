"""Background jobs: what a user asked the worker to do, and how far it got.

A web request only records the job (and the audit event naming who asked for what) and
hands its id to the queue; the worker (jobs/) moves it through queued → running → done or
failed. Files a job reads or writes live in its own folder under `JOB_DIR`, and go away
with the job after `JOB_RETENTION_DAYS`.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from models import BackgroundJob, JobState, Role, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput
from workflow.transaction import unit_of_work

ACTIVE = (JobState.QUEUED, JobState.RUNNING)
# A user may have this many jobs waiting or running: the queue stays bounded per person.
MAX_ACTIVE_PER_USER = 3
# A job still queued or running this long after it was asked for lost its worker.
STALE_AFTER = timedelta(hours=6)
GENERIC_FAILURE = (
    "Đã có lỗi khi thực hiện yêu cầu này. Hãy thử lại; nếu vẫn lỗi, hãy báo quản trị viên."
)
INTERRUPTED = "Việc bị gián đoạn (tiến trình xử lý nền đã dừng). Hãy yêu cầu lại."


def job_root() -> Path:
    """Where jobs keep their files (default: instance/jobs)."""
    configured = current_app.config.get("JOB_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "jobs"


def job_folder(job_id: int) -> Path:
    return job_root() / str(int(job_id))


def may_see(job: BackgroundJob, user: Any) -> bool:
    """The user who asked, and admins, see a job and download its result."""
    if not getattr(user, "is_authenticated", False):
        return False
    return job.requested_by_id == user.id or user.role == Role.ADMIN


def request_job(
    kind: str,
    user: User,
    params: dict[str, Any],
    *,
    upload: bytes | None = None,
    plan_id: int | None = None,
    unit_id: int | None = None,
) -> tuple[BackgroundJob, bool]:
    """Record a job and its audit event in one transaction; returns (job, new).

    The same request from the same user while an identical job is still waiting is answered
    with that job (a reload or a double click does not queue the work twice); beyond
    MAX_ACTIVE_PER_USER unfinished jobs the request is refused.
    """
    if upload is None:
        same = db.session.execute(
            sa.select(BackgroundJob)
            .where(
                BackgroundJob.requested_by_id == user.id,
                BackgroundJob.kind == kind,
                BackgroundJob.state.in_(ACTIVE),
            )
            .order_by(BackgroundJob.id.desc())
        ).scalars()
        for job in same:
            if job.params == params:
                return job, False
    active = db.session.execute(
        sa.select(sa.func.count(BackgroundJob.id)).where(
            BackgroundJob.requested_by_id == user.id, BackgroundJob.state.in_(ACTIVE)
        )
    ).scalar_one()
    if active >= MAX_ACTIVE_PER_USER:
        raise InvalidInput(
            "Bạn đang có %(active)s việc chưa xong; hãy đợi các việc đó xong rồi yêu cầu tiếp.",
            active=active,
        )
    folder: Path | None = None
    try:
        with unit_of_work():
            job = BackgroundJob(
                kind=kind,
                requested_by_id=user.id,
                params=params,
                state=JobState.QUEUED,
                created_at=clock.now(),
            )
            db.session.add(job)
            db.session.flush()
            if upload is not None:
                folder = job_folder(job.id)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "upload").write_bytes(upload)
            audit.record(
                "job.request",
                actor=user,
                object_type="job",
                object_id=job.id,
                plan_id=plan_id,
                unit_id=unit_id,
                after={"kind": kind, **params},
            )
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return job, True


def load(job_id: int) -> BackgroundJob | None:
    """The job as the database has it now (not a copy cached in the session)."""
    return db.session.execute(
        sa.select(BackgroundJob)
        .where(BackgroundJob.id == job_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def start(job_id: int) -> BackgroundJob | None:
    """queued → running; None when the job is gone or another worker took it."""
    with unit_of_work():
        taken = db.session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id, BackgroundJob.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, started_at=clock.now(), progress_total=1)
        )
    if taken.rowcount != 1:
        return None
    return load(job_id)


def progress(job_id: int, done: int, total: int) -> None:
    """Record how far the job got, on its own connection: the job's session may be in the
    middle of a transaction that must not be committed yet."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(progress_done=done, progress_total=max(total, done, 1))
        )


def finish(job_id: int, result: dict[str, Any]) -> None:
    """running → done, with where its result is."""
    with unit_of_work():
        db.session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(
                state=JobState.DONE,
                result=result,
                finished_at=clock.now(),
                progress_done=BackgroundJob.progress_total,
            )
        )


def fail(job_id: int, message: str) -> None:
    """→ failed, with the Vietnamese message the user will read."""
    db.session.rollback()
    with unit_of_work():
        db.session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(state=JobState.FAILED, message=message[:2000], finished_at=clock.now())
        )


def purge(retention: timedelta) -> int:
    """Delete jobs (and their files) finished longer than `retention` ago; fail the ones a
    stopped worker left behind. Returns how many were deleted."""
    now = clock.now()
    with unit_of_work():
        db.session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.state.in_(ACTIVE), BackgroundJob.created_at < now - STALE_AFTER)
            .values(state=JobState.FAILED, message=INTERRUPTED, finished_at=now)
        )
    old = (
        db.session.execute(
            sa.select(BackgroundJob.id).where(
                BackgroundJob.state.not_in(ACTIVE), BackgroundJob.finished_at < now - retention
            )
        )
        .scalars()
        .all()
    )
    for job_id in old:
        shutil.rmtree(job_folder(job_id), ignore_errors=True)
    if old:
        with unit_of_work():
            db.session.execute(sa.delete(BackgroundJob).where(BackgroundJob.id.in_(old)))
    return len(old)
