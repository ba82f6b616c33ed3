"""Driving the bulk bar and the saved filters as a person would, and reading the result."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from flask.testing import FlaskClient

from models import AuditEvent, Task, TaskState, Unit, db
from tests.foundation.web import csrf_token


def unit_id(code: str) -> int:
    return db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalar_one()


def tasks_led_by(code: str, state: TaskState, n: int) -> list[Task]:
    """`n` leaf tasks the unit leads in `state` (demo data), lowest ids first."""
    rows = list(
        db.session.execute(
            sa.select(Task)
            .where(
                Task.lead_unit_id == unit_id(code),
                Task.state == state,
                ~Task.subtasks.any(),
            )
            .order_by(Task.id)
            .limit(n)
        ).scalars()
    )
    assert len(rows) == n, f"the demo has fewer than {n} {state} tasks led by {code}"
    return rows


def snapshot(ids: list[int]) -> dict[int, tuple]:
    """(state, lead unit, version) of each task, read fresh from the database."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Task.id, Task.state, Task.lead_unit_id, Task.version).where(Task.id.in_(ids))
    ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).scalars()
    )


def event_total() -> int:
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()


def post_bulk(client: FlaskClient, action: str, ids: list, **extra: str):  # noqa: ANN201
    """Submit the bulk bar of /my-tasks; the response (not followed)."""
    token = csrf_token(client.get("/my-tasks").get_data(as_text=True))
    data = {"csrf_token": token, "action": action, "ids": [str(i) for i in ids]}
    data.update({"next": "/my-tasks", **extra})
    return client.post("/lists/bulk", data=data)


def flashes(client: FlaskClient) -> str:
    """The text of the messages the next page shows (flash messages), unescaped."""
    page = client.get("/my-tasks").get_data(as_text=True)
    found = re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S)
    return html.unescape(" | ".join(found))
