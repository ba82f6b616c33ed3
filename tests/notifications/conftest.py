"""Fixtures for the reminder tests: a real SMTP server on loopback and a movable clock."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from models import OutboxMessage, Plan, Task, Unit, User, db
from notifications.policy import Policy, load_policy
from notifications.sink import SinkHandler, start_sink
from workflow import clock
from workflow.clock import LOCAL_TZ


def free_port() -> int:
    """A loopback port nobody listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Smtp:
    """A real aiosmtpd server on loopback that can be stopped and started on the same port."""

    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        self.handler = SinkHandler()
        self.controller = None
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port)

    def start(self) -> Smtp:
        controller, handler = start_sink("127.0.0.1", self.port)
        handler.received = self.handler.received  # one log across restarts
        self.controller, self.handler_live = controller, handler
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self):  # type: ignore[no-untyped-def]
        return self.handler.received

    def unique(self):  # type: ignore[no-untyped-def]
        return self.handler.unique()


@pytest.fixture
def smtp(demo_app: Flask) -> Iterator[Smtp]:
    """A running SMTP server the app sends to; `smtp.received` is what it got."""
    server = Smtp(demo_app).start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down(demo_app: Flask) -> Iterator[Smtp]:
    """The app points at a port with no server (connections refused) until `.start()`."""
    server = Smtp(demo_app)
    yield server
    server.stop()


def at(day: date, hh: int = 6, mm: int = 30) -> None:
    """Freeze the clock at local time `hh:mm` on `day`."""
    local = datetime.combine(day, time(hh, mm), tzinfo=LOCAL_TZ)
    clock.freeze(local.astimezone(UTC).replace(tzinfo=None))


@pytest.fixture
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def policy_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write a policy TOML (next to a copy of the holidays file) and return its path."""
    from config.settings import ROOT

    def write(text: str) -> Path:
        (tmp_path / "holidays_vn.json").write_text(
            (ROOT / "config" / "holidays_vn.json").read_text(encoding="utf-8"), encoding="utf-8"
        )
        path = tmp_path / "reminders.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def task_of(plan_number: str, item: str, lead_code: str | None = None) -> Task:
    """A demo task: the top-level item, or its sub-task led by `lead_code`."""
    query = sa.select(Task).join(Plan).where(Plan.number == plan_number, Task.number == item)
    if lead_code is None:
        query = query.where(Task.parent_id.is_(None))
    else:
        unit_id = sa.select(Unit.id).where(Unit.code == lead_code).scalar_subquery()
        query = query.where(Task.lead_unit_id == unit_id, Task.parent_id.is_not(None))
    return db.session.execute(query).scalar_one()


def unit_addresses(code: str, *, digest: bool = False) -> set[str]:
    """The addresses a unit's mail should reach: contact plus active members/coordinators."""
    unit = db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()
    users = db.session.execute(
        sa.select(User).where(
            User.unit_id == unit.id, User.active.is_(True), User.role.in_(["member", "coordinator"])
        )
    ).scalars()
    wanted = {u.email.lower() for u in users if not (digest and u.digest_opt_out)}
    if unit.email:
        wanted.add(unit.email.lower())
    return wanted


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def users_by_name(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


@pytest.fixture
def smtp_for_app(app: Flask) -> Iterator[Smtp]:
    """A running SMTP server for an app on an empty database (`app` fixture)."""
    server = Smtp(app).start()
    yield server
    server.stop()
