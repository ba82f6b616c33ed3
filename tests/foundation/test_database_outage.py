"""Error pages while the database is unreachable (review 2026-12, §8 outage).

During the PostgreSQL stop of §8, 377 of 382 failures were gunicorn's bare English
"Internal Server Error", because the application's own error page needed the database.
Now a lost database answers 503 with Retry-After and a Vietnamese page, the 500 page
renders without the database, and the application recovers when the database returns.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user

from models import db
from tests.conftest import ON_POSTGRES, DatabaseFactory, _pg_admin, make_app
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login

OUTAGE_TEXT = "tạm thời không kết nối được cơ sở dữ liệu"


class Outage:
    """A demo database that can be taken away from the app and given back."""

    def __init__(self, factory: DatabaseFactory, tmp_path: Path) -> None:
        self.factory = factory
        self.name = f"outage_{uuid.uuid4().hex[:8]}"
        if ON_POSTGRES:
            self.url = factory.copy("tpl_demo", self.name)
        else:
            # SQLite: the file lives in a folder of its own, moved away during the outage
            # (sqlite3 cannot open a file in a folder that does not exist).
            self.folder = tmp_path / "db"
            self.folder.mkdir()
            shutil.copyfile(factory.workdir / "tpl_demo.sqlite3", self.folder / "db.sqlite3")
            self.url = f"sqlite:///{self.folder / 'db.sqlite3'}"

    def _rename(self, old: str, new: str) -> None:
        full = f"{self.factory.prefix}_"
        with _pg_admin().connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{full}{old}" RENAME TO "{full}{new}"')

    def begin(self) -> None:
        if ON_POSTGRES:
            self._rename(self.name, self.name + "_away")
        else:
            self.folder.rename(self.folder.with_name("db_away"))

    def end(self) -> None:
        if ON_POSTGRES:
            self._rename(self.name + "_away", self.name)
        else:
            self.folder.with_name("db_away").rename(self.folder)

    def drop(self) -> None:
        if ON_POSTGRES:
            self.factory.drop(self.name)


@pytest.fixture
def outage(database_factory: DatabaseFactory, tmp_path: Path) -> Iterator[Outage]:
    handle = Outage(database_factory, tmp_path)
    yield handle
    handle.drop()


def _app(url: str, tmp_path: Path) -> Flask:
    app = make_app(url, tmp_path)
    # Like production: an exception becomes the 500 page instead of reaching the caller.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _assert_our_page(response, status: int, text: str) -> None:  # noqa: ANN001
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert text in body and 'lang="vi"' in body
    assert "Internal Server Error" not in body


def _signed_in(app: Flask) -> tuple[FlaskClient, str, int]:
    client = app.test_client()
    login(client, "gdtx.member")
    with app.app_context():
        task_id = find_task("2417/KH-SGDĐT", "1.1").id
        db.session.remove()
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    return client, csrf_token(page), task_id


def test_a_database_that_goes_away_answers_503_in_vietnamese_and_recovers(outage, tmp_path):
    """§8 outage: the database really disappears between two requests (SQLite: its folder
    is moved away; PostgreSQL: the database is renamed); pages and forms answer 503 with
    Retry-After and our Vietnamese page; when it is back the same session works again."""
    app = _app(outage.url, tmp_path)
    client, token, task_id = _signed_in(app)
    outage.begin()
    try:
        for response in (
            client.get("/my-tasks"),
            client.get(f"/tasks/{task_id}"),
            client.post(
                f"/tasks/{task_id}/transition",
                data={"csrf_token": token, "event": "start", "version": "1"},
            ),
        ):
            _assert_our_page(response, 503, OUTAGE_TEXT)
            assert int(response.headers["Retry-After"]) > 0
    finally:
        outage.end()
    assert client.get("/my-tasks").status_code == 200  # no restart needed
    with app.app_context():
        db.engine.dispose()


def _refuse_connections(app: Flask) -> None:
    """Every new connection fails as the driver fails when the server is down."""
    with app.app_context():
        dbapi = db.engine.dialect.loaded_dbapi

        @sa.event.listens_for(db.engine, "do_connect")
        def _refuse(*_: object) -> None:
            # The words SQLite uses for a database it cannot open; any psycopg
            # OperationalError at connect time is an outage.
            raise dbapi.OperationalError("unable to open database file (injected)")


def test_a_refused_connection_inside_a_request_answers_503(demo_app, tmp_path):
    """§8 outage, by fault injection on a real request: the connection is refused after
    sign-in, while the user and the locale would still need to be loaded."""
    app = _app(demo_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    client, _, _ = _signed_in(app)
    _refuse_connections(app)
    _assert_our_page(client.get("/my-tasks"), 503, OUTAGE_TEXT)
    # A page that needs no data still works for a visitor.
    _assert_our_page(app.test_client().get("/login"), 200, "")
    with app.app_context():
        db.engine.dispose()


def test_the_500_page_renders_when_the_database_is_lost_during_the_request(demo_app, tmp_path):
    """§8 outage: a view fails after the database went away; the 500 page, which used to
    load the signed-in user for its header, renders without the database."""
    app = _app(demo_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)

    @app.route("/_test/fails-after-outage")
    def _fails_after_outage() -> str:
        assert current_user.full_name  # the user is loaded...
        db.session.rollback()  # ...and expired, as any rollback does
        _refuse_connections(app)
        raise RuntimeError("a bug, while the database is down")

    client, _, _ = _signed_in(app)
    _assert_our_page(client.get("/_test/fails-after-outage"), 500, "Đã có lỗi trong hệ thống")
    with app.app_context():
        db.engine.dispose()


def test_a_failed_statement_still_gets_our_500_page_with_the_user(demo_app, tmp_path):
    """§8 / low "NUL bytes": on PostgreSQL a failed statement aborts the transaction, and
    the error page, which loads the signed-in user, failed too (gunicorn's bare 500).
    The handler rolls back first; a bad statement is a 500, not an outage."""
    app = _app(demo_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)

    @app.route("/_test/bad-statement")
    def _bad_statement() -> str:
        assert current_user.full_name
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    client, _, _ = _signed_in(app)
    response = client.get("/_test/bad-statement")
    _assert_our_page(response, 500, "Đã có lỗi trong hệ thống")
    assert "Retry-After" not in response.headers
    with app.app_context():
        from models import User

        name = db.session.execute(
            sa.select(User.full_name).where(User.username == "gdtx.member")
        ).scalar_one()
        db.engine.dispose()
    assert name in response.get_data(as_text=True)  # rendered with the database, as usual
