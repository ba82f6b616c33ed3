"""Test fixtures: a real database per test, on SQLite or on PostgreSQL.

The schema is built once per session by the real migrations into a template
database (and a second template with the demo loaded); each test then gets a
fresh copy, so tests commit for real, exercise the triggers and never see each
other's rows. Set TEST_DATABASE_URL=postgresql://user:pw@host/db to run on
PostgreSQL; otherwise SQLite files under a temporary folder are used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))


def _pg_url(database: str) -> str:
    url = sa.engine.make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    return url.set(database=database).render_as_string(hide_password=False)


def _pg_admin() -> sa.Engine:
    return sa.create_engine(
        _pg_url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )


class DatabaseFactory:
    """Makes migrated template databases and cheap per-test copies of them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix = f"pwtest_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []

    def url_for(self, name: str) -> str:
        if ON_POSTGRES:
            return _pg_url(f"{self.prefix}_{name}")
        return f"sqlite:///{self.workdir / (name + '.sqlite3')}"

    def create_empty(self, name: str) -> str:
        if ON_POSTGRES:
            with _pg_admin().connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.prefix}_{name}"')
            self.created.append(f"{self.prefix}_{name}")
        return self.url_for(name)

    def copy(self, template: str, name: str) -> str:
        if ON_POSTGRES:
            with _pg_admin().connect() as conn:
                conn.exec_driver_sql(
                    f'CREATE DATABASE "{self.prefix}_{name}" TEMPLATE "{self.prefix}_{template}"'
                )
            self.created.append(f"{self.prefix}_{name}")
        else:
            shutil.copyfile(self.workdir / f"{template}.sqlite3", self.workdir / f"{name}.sqlite3")
        return self.url_for(name)

    def drop(self, name: str) -> None:
        if ON_POSTGRES:
            full = f"{self.prefix}_{name}"
            with _pg_admin().connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)')
            if full in self.created:
                self.created.remove(full)
        else:
            for suffix in ("", "-wal", "-shm"):
                (self.workdir / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)

    def drop_all(self) -> None:
        if ON_POSTGRES:
            with _pg_admin().connect() as conn:
                for full in list(self.created):
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)')
            self.created.clear()


def make_app(database_url: str, tmp_path: Path) -> Flask:
    """An app on the given database, with uploads under tmp_path."""
    from web.app import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only-secret-key-of-at-least-32-bytes",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": sa.pool.NullPool},
            "UPLOAD_DIR": tmp_path / "attachments",
            # Background jobs: the queue and the jobs' files stay under the test's folder.
            "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
            "JOB_DIR": tmp_path / "jobs",
            "IMPORT_DRAFT_DIR": tmp_path / "imports",
            "SERVER_NAME": "planwork.test",
            # Statement-count tests compare a first page with later ones: the header's
            # figure is counted on each (tests/inbox keeps it, as production does).
            "INBOX_BADGE_SECONDS": 0,
        }
    )


def _build_template(factory: DatabaseFactory, name: str, tmp_path: Path, demo: bool) -> None:
    from flask_migrate import upgrade

    url = factory.create_empty(name)
    app = make_app(url, tmp_path)
    with app.app_context():
        upgrade()
        if demo:
            from demo.loader import load_demo

            load_demo()
        from models import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    workdir = tmp_path_factory.mktemp("databases")
    factory = DatabaseFactory(workdir)
    _build_template(factory, "tpl_empty", workdir, demo=False)
    _build_template(factory, "tpl_demo", workdir, demo=True)
    yield factory
    factory.drop_all()


def _fresh_app(
    factory: DatabaseFactory, template: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Flask]:
    name = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:30] + uuid.uuid4().hex[:6]
    url = factory.copy(template, name)
    app = make_app(url, tmp_path)
    with app.app_context():
        yield app
        from models import db

        db.session.remove()
        db.engine.dispose()
    from workflow import clock

    clock.freeze(None)
    factory.drop(name)


@pytest.fixture
def app(
    database_factory: DatabaseFactory, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Flask]:
    """An app on a fresh, migrated, empty database (an app context is pushed)."""
    yield from _fresh_app(database_factory, "tpl_empty", request, tmp_path)


@pytest.fixture
def demo_app(
    database_factory: DatabaseFactory, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Flask]:
    """An app on a fresh copy of the demo database (an app context is pushed)."""
    yield from _fresh_app(database_factory, "tpl_demo", request, tmp_path)


@pytest.fixture
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def users(demo_app: Flask):  # type: ignore[no-untyped-def]
    """Look up demo users by username: users("gdtx.member")."""
    from models import User, db

    def get(username: str) -> User:
        return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()

    return get


class QueryCounter:
    """Counts SQL statements sent by the engine inside a `with` block: what building a
    page costs, so pages kept by web/page_cache.py are forgotten on entry unless
    `keep_pages` (to count what sending a kept page costs)."""

    def __init__(self, engine: sa.Engine, keep_pages: bool = False) -> None:
        self.engine = engine
        self.keep_pages = keep_pages
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        if not self.keep_pages:
            from web import page_cache

            page_cache.clear()
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(demo_app: Flask):  # type: ignore[no-untyped-def]
    from models import db

    return lambda keep_pages=False: QueryCounter(db.engine, keep_pages)


class QueueWorker:
    """The real job worker (Huey's consumer, as `planwork worker run` builds it) running in a
    thread on the test's app: its queue is the SQLite file under tmp_path, its database the
    test's. Not started until asked, so a test can show the request itself did no work."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.consumer: object | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> QueueWorker:
        if self.thread is None:
            from jobs.cli import build_consumer

            self.consumer = build_consumer(self.app, workers=2, max_delay=0.2)
            self.thread = threading.Thread(target=self.consumer.run, name="consumer", daemon=True)
            self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.consumer.stop(graceful=True)  # type: ignore[attr-defined]
            self.thread.join(timeout=30)
            self.thread = None

    def wait(self, job_id: int, timeout: float = 120.0):  # type: ignore[no-untyped-def]
        """Start the worker if needed and poll until the job is done or failed."""
        from workflow.jobs import load

        self.start()
        deadline = time.monotonic() + timeout
        while True:
            job = load(job_id)
            if job is not None and job.finished:
                return job
            if time.monotonic() > deadline:
                state = job.state if job else "missing"
                raise AssertionError(f"job {job_id} still {state} after {timeout} s")
            time.sleep(0.05)


@pytest.fixture
def queue_worker(request: pytest.FixtureRequest) -> Iterator[QueueWorker]:
    """The job worker for the app of the test (call .start() or .wait(job_id)); it stops
    before that app's database is dropped."""
    name = next(
        (n for n in ("import_app", "demo_app", "app") if n in request.fixturenames), "demo_app"
    )
    worker = QueueWorker(request.getfixturevalue(name))
    yield worker
    worker.stop()


def job_id_of(response) -> int:  # type: ignore[no-untyped-def]
    """The job a response redirected to (/jobs/<id>)."""
    assert response.status_code == 302, response.status_code
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def finish_job(client: FlaskClient, worker: QueueWorker, response):  # type: ignore[no-untyped-def]
    """Follow a response that queued a job: let the worker finish it, then fetch what the
    job's page leads to (its download, or the redirect to the page it prepared)."""
    job_id = job_id_of(response)
    job = worker.wait(job_id)
    assert job.state == "done", job.message
    if (job.result or {}).get("file"):
        download = client.get(f"/jobs/{job_id}/download")
        download.get_data()  # read it all, then let go of the file
        download.close()
        return download
    return client.get(f"/jobs/{job_id}")


# The import tests' database (tests/imports, tests/cascade): defined once here, so the
# session's template is built once (a fixture imported into two conftests is two fixtures,
# and PostgreSQL refuses to create its template database a second time).
DIRECTORY_TEMPLATE = "tpl_directory"


@pytest.fixture(scope="session")
def directory_template(
    database_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A template database: migrated, the units.json directory and the demo users loaded."""
    from config.settings import DATA_DIR
    from demo.loader import _create_users
    from models import Unit, db
    from workflow.directory import load_directory
    from workflow.transaction import unit_of_work

    url = database_factory.copy("tpl_empty", DIRECTORY_TEMPLATE)
    app = make_app(url, tmp_path_factory.mktemp("directory_template"))
    with app.app_context():
        data = json.loads((DATA_DIR / "units.json").read_text(encoding="utf-8"))
        with unit_of_work():
            load_directory(data, actor=None)
            units = {u.code: u for u in db.session.execute(sa.select(Unit)).scalars()}
            _create_users(units)
        db.session.remove()
        db.engine.dispose()
    return DIRECTORY_TEMPLATE


@pytest.fixture
def import_app(
    database_factory: DatabaseFactory,
    directory_template: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Flask]:
    """An app on a fresh copy of the directory database; drafts go under tmp_path."""
    for app in _fresh_app(database_factory, directory_template, request, tmp_path):
        app.config["IMPORT_DRAFT_DIR"] = tmp_path / "imports"
        yield app
