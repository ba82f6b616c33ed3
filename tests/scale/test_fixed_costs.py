"""Costs every page or a big unit pays (issue 12): the header's inbox count built once per
role and run with the user's own parameters, a department's workspace listing the oldest
reports waiting rather than thousands, the audit page's first view after new events
without reloading its plans one by one."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask import g

from models import Plan, Role, Task, TaskState, db
from reports import inbox as inbox_module
from reports import workspace as workspace_module
from reports.inbox import inbox, inbox_count
from tests.foundation.web import login
from tests.ui.support import FROZEN, make_plan, walk
from workflow import clock


def _reported(users, count: int) -> dict:  # noqa: ANN001
    clock.freeze(FROZEN)
    ids = make_plan(
        users,
        "901/KH-XACNHAN",
        [(str(i), f"Việc báo cáo {i}", date(2024, 6, 30), "GDTX") for i in range(1, count + 1)],
    )
    for i in range(1, count + 1):
        walk(users, ids[str(i)], "gdtx.member", "start", "report")
    db.session.commit()
    return ids


def test_inbox_count_statement_is_built_once_per_role_and_answers_for_each_user(users):  # noqa: ANN001
    _reported(users, 3)
    inbox_module._union_for.cache_clear()
    members = [users("gdtx.member"), users("gdtx.coordinator"), users("sgddt.inspector")]
    counts = [inbox_count(u) for u in members]
    # Each user's own figure, equal to their own inbox's entries (no parameters leak).
    assert counts == [sum(len(gr.entries) for gr in inbox(u)) for u in members]
    assert counts[1] >= 3 and counts[2] == 0
    again = [inbox_count(u) for u in members]
    info = inbox_module._union_for.cache_info()
    assert again == counts
    assert info.misses == len({u.role for u in members}) and info.hits >= 3


def test_workspace_lists_the_oldest_reports_waiting_and_their_total(  # noqa: ANN001
    client, users, monkeypatch, count_queries
):
    monkeypatch.setattr(workspace_module, "TO_VERIFY_SHOWN", 2)
    ids = _reported(users, 4)
    coordinator = users("gdtx.coordinator")
    total = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Task)
        .join(Plan, Task.plan_id == Plan.id)
        .where(Plan.tracking_unit_id == coordinator.unit_id, Task.state == TaskState.REPORTED)
    ).scalar_one()
    assert total >= 4
    login(client, "gdtx.coordinator")
    page = client.get("/my-tasks").get_data(as_text=True)
    section = page.split('id="to-verify"', 1)[1].split("</section>", 1)[0]
    assert section.count('class="task-row"') == 2
    assert f"({total})</h2>" in section
    assert 'href="/inbox"' in section
    # The oldest reports first: the first two reported of this plan.
    shown = [int(i) for i in re.findall(r'data-task="(\d+)"', section)]
    assert shown == [ids["1"], ids["2"]] or total > 4

    def statements() -> int:
        db.session.remove()
        g.pop("_login_user", None)
        with count_queries() as counter:
            assert client.get("/my-tasks").status_code == 200
        return counter.count

    before = statements()
    more = make_plan(users, "902/KH-THEM", [("1", "Thêm", date(2024, 6, 30), "GDTX")])
    walk(users, more["1"], "gdtx.member", "start", "report")
    db.session.commit()
    assert statements() == before


def test_audit_page_after_new_events_does_not_reload_plans_one_by_one(  # noqa: ANN001
    client, users, count_queries
):
    login(client, "sgddt.inspector")
    assert client.get("/audit").status_code == 200  # the verdict is established
    _reported(users, 2)  # new events since that verdict
    db.session.remove()
    g.pop("_login_user", None)
    with count_queries() as counter:
        assert client.get("/audit").status_code == 200
    one_by_one = [s for s in counter.statements if re.search(r"FROM plans\s+WHERE plans.id =", s)]
    assert one_by_one == []
    assert users("sgddt.inspector").role == Role.INSPECTOR
