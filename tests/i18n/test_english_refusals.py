"""With English chosen, the workflow's refusals reach the user in English.

Each case below makes the web ask the workflow for something it refuses (a permission,
a state, a stale version, bad input), follows the answer to the page that shows the
message, and checks that an error was shown and that neither it nor the page holds
Vietnamese other than data (tests/i18n/english_scan.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from models import Plan, Task, TaskState, db
from tests.foundation.web import csrf_token, login
from tests.i18n.english_scan import DataStrings, visible_runs
from workflow import clock
from workflow import tasks as task_service

PLAN_NUMBER, ITEM = "4403/KH-SGDĐT", "2"  # led by TCCB, tracked by GDTX
LEAD, TRACKER = "tccb.member", "gdtx.coordinator"
_ERROR = re.compile(r'<p class="flash error"[^>]*>(.*?)</p>', re.S)


def _task() -> Task:
    plan = db.session.execute(sa.select(Plan).where(Plan.number == PLAN_NUMBER)).scalar_one()
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan.id, Task.number == ITEM, Task.parent_id.is_(None)
        )
    ).scalar_one()


def _english(client: FlaskClient, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(page), "lang": "en", "next": "/"})
    login(client, username)


def _refusal(client: FlaskClient, url: str, data: dict) -> tuple[list[str], str]:
    """POST (CSRF token included) and return the error messages shown, and the page."""
    g.pop("_login_user", None)
    token = csrf_token(client.get("/my-tasks").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)
    html = response.get_data(as_text=True)
    return [unescape(m).strip() for m in _ERROR.findall(html)], html


def _cases(task: Task, lead_version: int) -> list[tuple[str, str, str, dict, str]]:
    """(who, url, what, form, a word the English message must contain)."""
    past = (clock.today() - timedelta(days=3)).isoformat()
    t = f"/tasks/{task.id}"
    return [
        # PermissionDenied: a lead member may not verify, with the event's name translated.
        (LEAD, f"{t}/transition", "verify", {"event": "verify", "version": lead_version}, "Only"),
        # StaleObject: an old version of the task.
        (
            LEAD,
            f"{t}/transition",
            "stale",
            {"event": "start", "version": lead_version + 7},
            "Reload",
        ),
        # PermissionDenied: the tracker may not start the lead unit's work.
        (
            TRACKER,
            f"{t}/transition",
            "start",
            {"event": "start", "version": lead_version},
            "lead unit",
        ),
        # InvalidInput: an extension into the past.
        (LEAD, f"{t}/extensions", "past", {"due_on": past, "reason": "Need time."}, "deadline"),
        # PermissionDenied: only the lead unit asks for an extension.
        (
            TRACKER,
            f"{t}/extensions",
            "not lead",
            {"due_on": "2031-01-31", "reason": "x"},
            "lead unit",
        ),
        # PermissionDenied: only the tracking office edits the deadline.
        (
            LEAD,
            f"{t}/due",
            "due",
            {"version": lead_version, "due_on": "2031-01-31", "reason": "x"},
            "Only",
        ),
        # Form refusals: a report and a comment with no text.
        (LEAD, f"{t}/report", "empty report", {"version": lead_version, "text": ""}, "report"),
        (LEAD, f"{t}/comments", "empty comment", {"text": ""}, "comment"),
        # Account: a malformed address on the profile.
        (
            LEAD,
            "/account/profile",
            "profile",
            {"full_name": "A", "email": "nope", "phone": ""},
            "mail",
        ),
        # Account: the wrong current password.
        (
            LEAD,
            "/account/password",
            "password",
            {"current": "x", "new": "n" * 9, "confirm": "n" * 9},
            "password",
        ),
    ]


@pytest.mark.parametrize("index", range(10))
def test_refusal_is_english(demo_app, index: int) -> None:  # noqa: ANN001
    task = _task()
    who, url, what, data, expected = _cases(task, task.version)[index]
    client = demo_app.test_client()
    _english(client, who)
    errors, html = _refusal(client, url, data)
    assert errors, f"{what}: no error was shown"
    scan = DataStrings()
    for message in errors:
        assert expected.lower() in message.lower(), (what, message)
        assert not scan.untranslated(message), (what, message)
    left = [run for run in visible_runs(html) if scan.untranslated(run)]
    assert not left, (what, left)


def test_a_transition_refused_by_state_names_both_in_english(demo_app, users) -> None:  # noqa: ANN001
    task = _task()
    if task.state == TaskState.ASSIGNED:
        task_service.start_task(task.id, users(LEAD), expected_version=task.version)
    db.session.expire_all()
    task = _task()
    client = demo_app.test_client()
    _english(client, LEAD)
    errors, _ = _refusal(
        client, f"/tasks/{task.id}/transition", {"event": "start", "version": task.version}
    )
    assert errors == ["Cannot «Start» while the task is «In progress»."], errors
