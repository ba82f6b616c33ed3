"""The job queue: Huey, configured from `QUEUE_URL` (env `PLANWORK_QUEUE_URL`).

- unset: a SQLite file under the instance folder (`SqliteHuey`): `make run` needs no
  other server;
- `redis://…`: `RedisHuey`, for several web servers and workers;
- `sqlite:///path`: that SQLite file.

The queue carries only job ids; what to do, for whom and how far it got is in the
`background_jobs` table (workflow/jobs.py). Every task runs inside the app context of
the app that built the queue: the worker process's app, or a test's app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

# Huey is imported when a queue is first built, not here: with what it imports (gevent
# where installed; psycopg for its PostgreSQL storage, on SQLite too) it costs a web
# worker 4-12 MB, for the few requests that enqueue a job (issue 12).
if TYPE_CHECKING:
    from huey import Huey
    from huey.api import TaskWrapper

QUEUE_NAME = "planwork"
EXTENSION = "planwork.queue"
_lock = threading.Lock()


@dataclass
class Queue:
    """The Huey instance and the tasks registered on it."""

    huey: Huey
    run_job: TaskWrapper
    purge_jobs: TaskWrapper


def queue_url(app: Flask) -> str:
    """The configured queue URL, or the SQLite file under the instance folder."""
    url = app.config.get("QUEUE_URL") or ""
    return url or f"sqlite:///{Path(app.instance_path) / 'queue.sqlite3'}"


def make_huey(url: str) -> Huey:
    """A Huey instance for the URL (results stay in the database, not in the queue)."""
    from huey import SqliteHuey

    if url.startswith(("redis://", "rediss://", "unix://")):
        from huey import RedisHuey

        return RedisHuey(QUEUE_NAME, url=url, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
    raise ValueError(f"PLANWORK_QUEUE_URL không hợp lệ: {url!r} (sqlite:///… hoặc redis://…)")


def build_queue(app: Flask) -> Queue:
    """The app's queue with its tasks; each task runs in a fresh app context of `app`."""
    from huey import crontab

    huey = make_huey(queue_url(app))

    @huey.task(name="planwork.run_job")
    def run_job(job_id: int) -> None:
        from jobs.tasks import execute

        with app.app_context():
            execute(job_id)

    @huey.periodic_task(crontab(minute="*/15"), name="planwork.purge_jobs")
    def purge_jobs() -> None:
        from workflow.jobs import purge

        with app.app_context():
            purge(timedelta(days=float(app.config.get("JOB_RETENTION_DAYS", 7))))

    return Queue(huey=huey, run_job=run_job, purge_jobs=purge_jobs)


def get_queue(app: Flask | None = None) -> Queue:
    """The app's queue, built on first use (web workers that never enqueue open nothing)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        with _lock:
            queue = app.extensions.get(EXTENSION)
            if queue is None:
                queue = app.extensions[EXTENSION] = build_queue(app)
    return queue


def enqueue(job_id: int) -> None:
    """Hand the job to the worker."""
    get_queue().run_job(job_id)


def init_app(app: Flask) -> None:
    """Settings' defaults. The `planwork worker` command is registered by the web app
    (web/app.py), deferred like `db` so that a web worker does not import Huey's consumer."""
    app.config.setdefault("JOB_RETENTION_DAYS", 7)
    app.config.setdefault("EXPORT_INLINE_MAX_ROWS", 5000)
