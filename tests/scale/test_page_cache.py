"""Kept pages (web/page_cache.py): a page sent from the store is the page that would be
built now, for every demo user; a change, a new day, another language or another user
gets a page built anew; forms on a kept page still post."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from models import AuditEvent, Task, User, db
from reports.visibility import visible_tasks
from tests.foundation.web import csrf_token, login
from tests.ui.support import FROZEN, make_plan, walk
from web import page_cache
from workflow import clock

WORKFLOW = Path(__file__).resolve().parents[2] / "workflow"
_TOKENS = re.compile(r'(name="csrf_token"(?: type="hidden")? value=")[^"]+(")')


def _without_tokens(html: str) -> str:
    return _TOKENS.sub(r"\1TOKEN\2", html)


def _content(page: str) -> str:
    """The page below the header (the header names the user whatever the content)."""
    return _without_tokens(page.split('<main id="main">', 1)[1])


def _get(client: FlaskClient, path: str) -> str:
    db.session.remove()
    g.pop("_login_user", None)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _pages_of(user: User) -> list[str]:
    first_task = db.session.execute(
        sa.select(sa.func.min(Task.id)).where(visible_tasks(user))
    ).scalar_one()
    pages = ["/my-tasks", "/my-tasks?state=in_progress&lead_page=1", "/dashboard/"]
    return pages + ([f"/tasks/{first_task}"] if first_task else [])


def test_a_kept_page_is_the_page_built_now_for_every_user(demo_app: Flask) -> None:
    clock.freeze(FROZEN)
    try:
        users = db.session.execute(
            sa.select(User).where(User.unit_id.is_not(None)).order_by(User.id)
        ).scalars()
        visits = [(u.username, _pages_of(u)) for u in users if u.is_active]
        checked = kept = 0
        for username, paths in visits:
            client = demo_app.test_client()
            login(client, username)
            for path in paths:
                demo_app.config["PAGE_CACHE_BYTES"] = 4 * 1024 * 1024
                page_cache.clear()
                built = _get(client, path)
                store = demo_app.extensions["planwork_page_cache"]
                assert len(store) == 1, path
                sent = _get(client, path)  # from the store
                assert page_cache.CSRF_MARK not in sent and "planwork:" not in sent
                demo_app.config["PAGE_CACHE_BYTES"] = 0
                fresh = _get(client, path)
                assert _without_tokens(sent) == _without_tokens(fresh) == _without_tokens(built)
                checked += 1
                kept += 1
        assert checked >= 40 and kept == checked
    finally:
        clock.freeze(None)
        demo_app.config["PAGE_CACHE_BYTES"] = 4 * 1024 * 1024


def _statements(client: FlaskClient, path: str, count_queries) -> tuple[int, str]:  # noqa: ANN001
    db.session.remove()
    g.pop("_login_user", None)
    with count_queries(keep_pages=True) as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_a_change_is_seen_at_once_and_a_kept_page_costs_few_statements(  # noqa: ANN001
    demo_app: Flask, users, count_queries
) -> None:
    clock.freeze(FROZEN)
    try:
        ids = make_plan(users, "903/KH-GIU", [("1", "Việc thử bộ nhớ", date(2024, 9, 30), "GDTX")])
        db.session.commit()
        client = demo_app.test_client()
        login(client, "gdtx.coordinator")
        path = f"/tasks/{ids['1']}"
        built, page = _statements(client, path, count_queries)
        assert 'class="state state-assigned"' in page
        sent, again = _statements(client, path, count_queries)
        # The user and their unit, the data's version and the header's two counts: no
        # task is read.
        assert sent < built and sent <= 5, (sent, built)
        assert _without_tokens(again) == _without_tokens(page)
        for workspace in ("/my-tasks", "/dashboard/"):
            _statements(client, workspace, count_queries)

        walk(users, ids["1"], "gdtx.member", "start")  # another person, another request
        db.session.commit()
        rebuilt, page = _statements(client, path, count_queries)
        assert rebuilt > sent
        assert 'class="state state-in_progress"' in page
        _, space = _statements(client, "/my-tasks", count_queries)
        row = space.split(f'data-task="{ids["1"]}"', 1)[1].split("</tr>", 1)[0]
        assert "state-in_progress" in row
    finally:
        clock.freeze(None)


def test_a_new_day_builds_the_page_again(demo_app: Flask, users, count_queries) -> None:  # noqa: ANN001
    clock.freeze(FROZEN)
    try:
        due = FROZEN.date() + timedelta(days=10)
        ids = make_plan(users, "904/KH-NGAY", [("1", "Việc có hạn gần", due, "GDTX")])
        db.session.commit()
        client = demo_app.test_client()
        login(client, "gdtx.coordinator")
        path = f"/tasks/{ids['1']}"
        built, first = _statements(client, path, count_queries)
        sent, _ = _statements(client, path, count_queries)
        assert sent < built
        clock.freeze(FROZEN + timedelta(days=1))
        again, second = _statements(client, path, count_queries)
        assert again == built
        left = re.compile(r'<p class="task-status">.*?</p>', re.S)
        assert left.search(first).group(0) != left.search(second).group(0)
    finally:
        clock.freeze(None)


def test_each_user_and_language_has_its_own_page(demo_app: Flask) -> None:
    clock.freeze(FROZEN)
    try:
        clients = {}
        for username in ("gdtx.member", "gdtx.coordinator", "sgddt.inspector", "tccb.member"):
            clients[username] = demo_app.test_client()
            login(clients[username], username)
        coordinator = clients["gdtx.coordinator"]
        for path in ("/my-tasks", "/dashboard/"):
            kept = {}
            for username, client in clients.items():  # one after another, in one store
                _get(client, path)
                kept[username] = _content(_get(client, path))
            demo_app.config["PAGE_CACHE_BYTES"] = 0
            for username, client in clients.items():
                assert kept[username] == _content(_get(client, path)), (path, username)
            demo_app.config["PAGE_CACHE_BYTES"] = 4 * 1024 * 1024
            # The users see different things here, so a page served to the wrong one shows.
            assert len(set(kept.values())) >= (4 if path == "/my-tasks" else 2), path

        vietnamese = _get(coordinator, "/my-tasks")
        token = csrf_token(vietnamese)
        coordinator.post("/language", data={"lang": "en", "csrf_token": token})
        english = _get(coordinator, "/my-tasks")
        assert "<h2>Chủ trì</h2>" in vietnamese and "<h2>Lead</h2>" in english
        assert _without_tokens(english) != _without_tokens(vietnamese)
    finally:
        clock.freeze(None)
        demo_app.config["PAGE_CACHE_BYTES"] = 4 * 1024 * 1024


def test_forms_on_a_kept_page_post(demo_app: Flask, users) -> None:  # noqa: ANN001
    clock.freeze(FROZEN)
    try:
        ids = make_plan(users, "905/KH-FORM", [("1", "Việc bắt đầu từ danh sách", None, "GDTX")])
        db.session.commit()
        client = demo_app.test_client()
        login(client, "gdtx.member")
        _get(client, "/my-tasks")
        kept = _get(client, "/my-tasks")
        form = kept.split(f'action="/tasks/{ids["1"]}/transition"', 1)[1].split("</form>", 1)[0]
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', form).group(1)
        version = re.search(r'name="version" value="(\d+)"', form).group(1)
        response = client.post(
            f"/tasks/{ids['1']}/transition",
            data={"csrf_token": token, "event": "start", "version": version, "next": "/my-tasks"},
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Task, ids["1"]).state.value == "in_progress"
    finally:
        clock.freeze(None)


def test_a_page_larger_than_the_budget_is_sent_and_not_kept(demo_app: Flask) -> None:
    demo_app.config["PAGE_CACHE_BYTES"] = 2048
    try:
        client = demo_app.test_client()
        login(client, "gdtx.coordinator")
        first = _get(client, "/dashboard/")
        assert len(demo_app.extensions["planwork_page_cache"]) == 0
        assert "Tổng quan" in first and page_cache.CSRF_MARK not in first
    finally:
        demo_app.config["PAGE_CACHE_BYTES"] = 4 * 1024 * 1024


def test_signing_in_keeps_pages_and_every_other_action_ends_them(  # noqa: ANN001
    demo_app: Flask, count_queries
) -> None:
    from workflow.audit import UNSHOWN_ACTIONS, shown_version

    client = demo_app.test_client()
    login(client, "gdtx.coordinator")
    built, _ = _statements(client, "/dashboard/", count_queries)
    version = shown_version()
    other = demo_app.test_client()
    login(other, "gdtx.member")  # an audited sign-in elsewhere in the city
    assert (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "user.login")
        ).scalar_one()
        >= 2
    )
    db.session.remove()
    assert shown_version() == version
    sent, _ = _statements(client, "/dashboard/", count_queries)
    assert sent < built
    # Only sessions and credentials are left out: none of the actions that change tasks,
    # plans, units, groups, people's names or settings.
    source = "".join(path.read_text(encoding="utf-8") for path in WORKFLOW.glob("*.py"))
    recorded = set(re.findall(r'record\(\s*"([a-z_.]+)"', source))
    assert {"user.login", "user.logout", "token.create"} <= recorded & UNSHOWN_ACTIONS
    shown = ("task.", "plan.", "unit.", "group.", "user.update", "account.profile", "indicator.")
    assert not {a for a in UNSHOWN_ACTIONS if a.startswith(shown)}


def test_text_holding_the_token_mark_stays_text(demo_app: Flask, users) -> None:  # noqa: ANN001
    title = f'Ghi chú value="{page_cache.CSRF_MARK}" và {page_cache.CSRF_MARK}'
    ids = make_plan(users, "906/KH-DAU", [("1", title, None, "GDTX")])
    db.session.commit()
    client = demo_app.test_client()
    login(client, "gdtx.member")
    for _ in range(2):  # built, then kept
        page = _get(client, f"/tasks/{ids['1']}")
        heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
        assert heading.count(page_cache.CSRF_MARK) == 2
        assert csrf_token(page) not in heading
