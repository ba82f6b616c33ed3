"""With English chosen, no page and no refusal shows Vietnamese that is not data.

Walks every GET route of the app (path parameters filled with ids that exist in the
demo data) signed in as each role and signed out, and triggers the workflow's refusals
through the web; each HTML answer is scanned by tests/i18n/english_scan.py.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from models import Plan, Task, Unit, User, db
from tests.foundation.web import csrf_token, login
from tests.i18n.english_scan import DataStrings, visible_runs
from workflow import report_settings as settings_service

ROLES = {
    "admin": "sgddt.admin",
    "coordinator": "gdtx.coordinator",
    "member": "tccb.member",
    "inspector": "sgddt.inspector",
    "anonymous": None,
}
# Routes that answer with files, feeds or redirects only, never an HTML page.
NOT_PAGES = {"static", "api.openapi", "openapi.spec"}


def _english(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(page), "lang": "en", "next": "/"})


def _ids() -> dict[str, list[str]]:
    first = lambda model: db.session.execute(sa.select(model.id).order_by(model.id)).scalar()  # noqa: E731
    plan = db.session.execute(sa.select(Plan).order_by(Plan.id)).scalars().first()
    task = (
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan.id, Task.parent_id.is_(None))
            .order_by(Task.id)
        )
        .scalars()
        .first()
    )
    return {
        "task_id": [str(task.id)],
        "plan_id": [str(plan.id)],
        "unit_id": [str(first(Unit))],
        "user_id": [str(first(User))],
    }


def _urls(app: Flask, ids: dict[str, list[str]]) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
            continue
        if rule.endpoint.startswith("api.") or rule.rule.startswith("/api/"):
            continue
        values = {}
        for arg in rule.arguments:
            if arg not in ids:
                break
            values[arg] = ids[arg][0]
        else:
            urls.append((rule.endpoint, rule.build(values)[1] if values else rule.rule))
    return sorted(set(urls))


def _scan(client: FlaskClient, url: str, data: DataStrings) -> list[str]:
    g.pop("_login_user", None)
    response = client.get(url)
    if response.status_code in (301, 302, 303):
        return []
    if "text/html" not in response.content_type:
        return []
    found = []
    for run in visible_runs(response.get_data(as_text=True)):
        words = data.untranslated(run)
        if words:
            found.append(run[:160])
    return found


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_is_english(demo_app: Flask, client: FlaskClient, role: str) -> None:
    _english(client)
    if ROLES[role]:
        login(client, ROLES[role])
    data = DataStrings()
    # The year-end report's suggested wording is computed from the directory: data too.
    units = settings_service.all_units()
    for unit in units:
        data.add(settings_service.as_form(settings_service.defaults(unit, units)).values())
    problems: dict[str, list[str]] = {}
    for endpoint, url in _urls(demo_app, _ids()):
        found = _scan(client, url, data)
        if found:
            problems[f"{endpoint} {url}"] = sorted(set(found))
    report = "\n".join(f"{k}:\n    " + "\n    ".join(v) for k, v in sorted(problems.items()))
    assert not problems, f"Vietnamese left on English pages as {role}:\n{report}"
