""" "Việc chờ tôi": each source lists what waits for a person, each entry is acted on in one
step from the inbox, and the header's count costs the same statements whatever the data."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask import g

from models import ExplanationRequest, ExtensionRequest, RequestStatus, Task, TaskState, db
from reports.inbox import SOURCES, inbox, inbox_count
from tests.foundation.test_query_counts import _grow
from tests.foundation.web import csrf_token, login
from tests.ui.support import FROZEN, make_plan, walk
from workflow import assignees, clock
from workflow import requests as request_service
from workflow import tasks as svc


def _count(client, count_queries, url: str) -> int:  # noqa: ANN001
    # A cold request: nothing cached in the session or in `g` by an earlier request.
    db.session.remove()
    for name in list(vars(g)):
        g.pop(name, None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def _world(users) -> dict:  # noqa: ANN001
    """A plan tracked by GDTX on 15/06/2024 with one item of each kind waiting."""
    clock.freeze(FROZEN)
    ids = make_plan(
        users,
        "900/KH-INBOX",
        [
            ("1", "Sắp đến hạn", date(2024, 6, 20), "GDTX"),
            ("2", "Đã báo cáo", date(2024, 6, 30), "GDTX"),
            ("3", "Quá hạn, cần giải trình", date(2024, 6, 10), "GDTX"),
            ("4", "Xin gia hạn", date(2024, 7, 30), "GDTX"),
            ("5", "Bị trả lại", date(2024, 7, 30), "GDTX"),
            ("6", "Còn lâu mới đến hạn", date(2024, 9, 30), "GDTX"),
        ],
    )
    walk(users, ids["2"], "gdtx.member", "start", "report")
    walk(users, ids["5"], "gdtx.member", "start", "report")
    svc.return_task(
        ids["5"], users("gdtx.coordinator"), expected_version=None, reason="Thiếu số liệu"
    )
    ids["explanation"] = request_service.request_explanation(
        ids["3"], users("gdtx.coordinator"), question="Vì sao chậm?"
    )
    ids["extension"] = request_service.request_extension(
        ids["4"], users("gdtx.member"), new_due_on=date(2024, 8, 30), reason="Chờ số liệu"
    )
    db.session.expire_all()
    return ids


def _kinds(user) -> dict[str, set[int]]:  # noqa: ANN001
    return {g.source.key: {e.task_id for e in g.entries} for g in inbox(user)}


def test_each_source_lists_what_waits_for_that_person(users):
    ids = _world(users)
    member = _kinds(users("gdtx.member"))
    assert ids["1"] in member["due"] and ids["3"] in member["due"]
    assert ids["6"] not in member["due"], "not due within 14 days"
    assert ids["2"] not in member["due"] and ids["5"] not in member["due"]
    assert member["explanation"] == {ids["3"]}
    assert ids["5"] in member["returned"] and ids["2"] not in member["returned"]
    assert member["verify"] == set() and member["extension"] == set()
    coordinator = _kinds(users("gdtx.coordinator"))
    assert ids["2"] in coordinator["verify"] and ids["5"] not in coordinator["verify"]
    assert coordinator["extension"] == {ids["4"]}
    # Nobody is asked to decide their own request or to verify a report they wrote.
    assert ids["4"] not in _kinds(users("gdtx.member"))["extension"]
    # Another unit's member has none of it; an inspector has nothing at all, without a query.
    other = _kinds(users("tccb.member"))
    assert not any(ids[k] in v for v in other.values() for k in "123456")
    assert inbox_count(users("sgddt.inspector")) == 0
    # The count is the number of entries.
    for name in ("gdtx.member", "gdtx.coordinator", "tccb.member"):
        user = users(name)
        assert inbox_count(user) == sum(len(g.entries) for g in inbox(user))
    # The sources are a list another engineer extends: every key is unique.
    assert len({s.key for s in SOURCES}) == len(SOURCES)


def test_a_task_given_to_people_waits_for_them_only(users):
    ids = _world(users)
    assignees.assign(ids["1"], users("gdtx.coordinator"), [users("gdtx.member2").id])
    assert ids["1"] in _kinds(users("gdtx.member2"))["due"]
    assert ids["1"] not in _kinds(users("gdtx.member"))["due"]


def _inbox_page(client) -> str:  # noqa: ANN001
    response = client.get("/inbox")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _entry_form(page: str, kind: str, task_id: int) -> str:
    match = re.search(
        rf'<li class="task-row inbox-entry" data-kind="{kind}" data-task="{task_id}".*?</li>',
        page,
        re.S,
    )
    assert match, f"no {kind} entry for task {task_id}"
    return match.group(0)


def _post_from(client, entry: str, data: dict) -> str:  # noqa: ANN001
    action = re.search(r'<form method="post" action="([^"]+)"', entry).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', entry))
    response = client.post(action, data={**hidden, **data})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inbox")
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_one_step_actions_from_the_inbox(client, users):
    ids = _world(users)
    login(client, "gdtx.coordinator")
    page = _inbox_page(client)
    assert 'id="inbox-link"' in page
    # Verify a report in one click, back on the inbox.
    after = _post_from(client, _entry_form(page, "verify", ids["2"]), {})
    assert "Đã cập nhật" in after
    assert db.session.get(Task, ids["2"]).state == TaskState.VERIFIED
    # Grant an extension in one click: the deadline moves.
    page = _inbox_page(client)
    _post_from(client, _entry_form(page, "extension", ids["4"]), {"decision": "grant"})
    db.session.expire_all()
    assert db.session.get(Task, ids["4"]).due_on == date(2024, 8, 30)
    assert db.session.get(ExtensionRequest, ids["extension"]).status == RequestStatus.GRANTED
    page = _inbox_page(client)
    assert f'data-kind="verify" data-task="{ids["2"]}"' not in page
    assert 'data-kind="extension"' not in page
    # The member answers the explanation and starts a task due soon, each in one step.
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    login(client, "gdtx.member")
    page = _inbox_page(client)
    _post_from(
        client, _entry_form(page, "explanation", ids["3"]), {"explanation": "Thiếu nhân sự."}
    )
    db.session.expire_all()
    assert db.session.get(ExplanationRequest, ids["explanation"]).explanation == "Thiếu nhân sự."
    page = _inbox_page(client)
    _post_from(client, _entry_form(page, "due", ids["1"]), {})
    assert db.session.get(Task, ids["1"]).state == TaskState.IN_PROGRESS
    # A returned task shows its reason and leads to the report form.
    returned = _entry_form(_inbox_page(client), "returned", ids["5"])
    assert "Thiếu số liệu" in returned and f"/tasks/{ids['5']}#report" in returned


def test_refusing_from_the_inbox_needs_a_reason_and_changes_nothing(client, users):
    ids = _world(users)
    login(client, "gdtx.coordinator")
    entry = _entry_form(_inbox_page(client), "extension", ids["4"])
    page = _post_from(client, entry, {"decision": "refuse"})
    assert "Hãy nêu lý do từ chối." in page
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, ids["extension"]).status == RequestStatus.PENDING
    assert db.session.get(Task, ids["4"]).due_on == date(2024, 7, 30)


def test_header_count_is_shown_and_its_statements_do_not_grow(client, users, count_queries):
    _world(users)
    login(client, "gdtx.member")
    member = users("gdtx.member")
    page = client.get("/my-tasks").get_data(as_text=True)
    assert re.search(rf'id="inbox-link">[^<]*<span class="badge"[^>]*>{inbox_count(member)}<', page)
    small = {url: _count(client, count_queries, url) for url in ("/inbox", "/plans/")}
    # Forty-odd more tasks due soon for GDTX, some reported and waiting.
    _grow(users, 40)
    more = db.session.execute(
        sa.select(Task.id).where(Task.title.like("Nhiệm vụ bổ sung%")).limit(3)
    ).scalars()
    for task_id in list(more):
        walk(users, task_id, "gdtx.member", "start", "report", on=FROZEN)
    assert inbox_count(users("gdtx.member")) > 20
    large = {url: _count(client, count_queries, url) for url in ("/inbox", "/plans/")}
    assert large == small


def _badge(page: str) -> int:
    match = re.search(r'id="inbox-link">[^<]*(?:<span class="badge"[^>]*>(\d+)<)?', page)
    assert match, "the header links to the inbox"
    return int(match.group(1) or 0)


def test_the_header_count_is_kept_half_a_minute_and_forgotten_after_a_change(
    demo_app, client, users, count_queries, monkeypatch
):
    """Production keeps the header's figure in the session for 30 s (one statement fewer
    on every page); the person's own changes and the inbox page count afresh."""
    import web.views.inbox as inbox_view

    demo_app.config["INBOX_BADGE_SECONDS"] = 30
    now = [1_800_000_000.0]
    monkeypatch.setattr(inbox_view.time, "time", lambda: now[0])
    ids = _world(users)
    member = users("gdtx.member")
    login(client, "gdtx.member")
    first = client.get("/my-tasks").get_data(as_text=True)
    assert _badge(first) == inbox_count(member) > 0
    before = _badge(first)
    # Someone else gives the member more to do: the kept figure stands for 30 seconds,
    # and the page asks the database one statement fewer than with the figure counted.
    svc.return_task(
        ids["2"], users("gdtx.coordinator"), expected_version=None, reason="Bổ sung minh chứng"
    )
    db.session.expire_all()
    assert inbox_count(member) == before + 1
    now[0] += 29
    with count_queries() as kept_counter:
        kept = client.get("/plans/").get_data(as_text=True)
    assert _badge(kept) == before
    # The inbox page counts afresh, and keeps what it counted.
    assert _badge(_inbox_page(client)) == before + 1
    # Half a minute after it was counted, the figure is counted again.
    now[0] += 31
    _grow(users, 2)
    db.session.expire_all()
    assert inbox_count(member) > before + 1
    with count_queries() as fresh_counter:
        fresh = client.get("/plans/").get_data(as_text=True)
    assert _badge(fresh) == inbox_count(member)
    assert fresh_counter.count == kept_counter.count + 1
    # The person's own change (answering the explanation asked) forgets the kept figure
    # at once.
    page = _inbox_page(client)
    counted = _badge(page)
    _post_from(client, _entry_form(page, "explanation", ids["3"]), {"explanation": "Đã xong."})
    db.session.expire_all()
    assert inbox_count(member) == counted - 1
    after = client.get("/plans/").get_data(as_text=True)
    assert _badge(after) == counted - 1
    # Another person signing in on the same browser never sees the first one's figure.
    client.post("/logout", data={"csrf_token": csrf_token(after)})
    login(client, "tccb.member")
    assert _badge(client.get("/plans/").get_data(as_text=True)) == inbox_count(users("tccb.member"))
