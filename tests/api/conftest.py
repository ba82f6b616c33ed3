"""Fixtures of the API tests: tokens made through workflow/tokens.py, a client that sends
them, and the app served on a loopback port for Schemathesis."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from models import Plan, Task, TaskState, User, db


@pytest.fixture
def make_token(demo_app: Flask) -> Callable[..., str]:
    """make_token("gdtx.member", "write") -> the secret of a new token of that user."""
    from workflow import tokens

    def make(username: str, scope: str = "read") -> str:
        user = tokens.find_user(username)
        assert user is not None, username
        return tokens.create_token(user.id, None, scope=scope, name=f"test {scope}").secret

    return make


class Api:
    """The test client, speaking JSON to /api/v1 with a Bearer token."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", headers=self._headers(), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        if json is not None:
            kwargs["json"] = json
        return self.client.post(f"/api/v1{path}", headers=self._headers(), **kwargs)


@pytest.fixture
def api(demo_app: Flask, make_token: Callable[..., str]) -> Callable[..., Api]:
    """api("gdtx.member", "write") -> a client sending a new token of that user."""

    def make(username: str | None = None, scope: str = "read") -> Api:
        token = make_token(username, scope) if username else None
        return Api(demo_app.test_client(), token)

    return make


def user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def task_of(username: str, state: TaskState, *, tracking: bool = False) -> Task:
    """A leaf task in `state` that the user's unit leads (or, with tracking, whose plan
    the user's unit tracks), of a plan that stands."""
    unit_id = user(username).unit_id
    clause = (
        Task.plan_id.in_(sa.select(Plan.id).where(Plan.tracking_unit_id == unit_id))
        if tracking
        else Task.lead_unit_id == unit_id
    )
    sub = sa.orm.aliased(Task)
    task = db.session.execute(
        sa.select(Task)
        .where(
            clause,
            Task.state == state,
            Task.lead_unit_id.is_not(None),
            ~sa.exists().where(sub.parent_id == Task.id),
        )
        .order_by(Task.id)
        .limit(1)
    ).scalar_one_or_none()
    assert task is not None, (username, state)
    return task


class LiveServer:
    """The app on a loopback port, served by werkzeug in a thread (Schemathesis calls it
    over real HTTP, as a client would)."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def live_server(demo_app: Flask) -> Iterator[LiveServer]:
    # SERVER_NAME is the test client's host; a real client names 127.0.0.1:<port>.
    demo_app.config["SERVER_NAME"] = None
    with LiveServer(demo_app) as server:
        yield server
