"""The people's pages cost the same statements whatever the data: the notifications list,
the account pages (profile, password, notification choices), the inbox, and the task page
with its people (assignees, followers) and thread.

Each test reads a page, grows exactly what that page shows (notifications, choices,
waiting requests, assignees and followers), and reads it again: the counts must be equal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from models import Notification, Task, db
from tests.foundation.helpers import find_task
from tests.foundation.test_query_counts import _count
from tests.foundation.web import login
from workflow import assignees, clock, comments, follows, notification_prefs
from workflow import requests as request_service
from workflow.errors import WorkflowError

PLAN = "2417/KH-SGDĐT"  # GDTX leads items 1.x and 5.x: its people see and act on them
ME = "gdtx.member"


def _gdtx_tasks() -> list[Task]:
    plan_id = find_task(PLAN, "1.1").plan_id
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
            .order_by(Task.id)
        ).scalars()
    )


def _mentions(users, n: int, start: int = 0) -> None:  # noqa: ANN001
    """`n` comments that mention ME, from two other people, over the plan's tasks."""
    tasks = _gdtx_tasks()
    for i in range(start, start + n):
        author = users(("gdtx.coordinator", "gdtx.coordinator2")[i % 2])
        comments.add_comment(tasks[i % len(tasks)].id, author, text=f"@{ME} xem giúp số {i}")


def _my_notifications(users) -> int:  # noqa: ANN001
    return db.session.execute(
        sa.select(sa.func.count()).where(Notification.user_id == users(ME).id)
    ).scalar_one()


@pytest.mark.parametrize(
    "url",
    ["/notifications", "/account/profile", "/account/password", "/account/notifications", "/inbox"],
)
def test_people_pages_cost_the_same_with_more_data(client, users, count_queries, url):  # noqa: ANN001
    clock.freeze(datetime(2024, 8, 15, 2))
    _mentions(users, 2)
    login(client, ME)
    small = _count(client, count_queries, url)
    before = _my_notifications(users)
    _mentions(users, 30, start=2)
    # Every kind chosen, some away from the default: one row each.
    notification_prefs.set_modes(
        users(ME), dict.fromkeys(notification_prefs.KINDS, notification_prefs.DIGEST)
    )
    # More waiting on me: extension requests of mine decided, a report returned...
    tasks = _gdtx_tasks()
    for task in tasks[:6]:
        try:
            request_service.request_extension(
                task.id, users(ME), new_due_on=task.due_on + timedelta(days=30), reason="Chờ"
            )
        except WorkflowError:
            pass  # a task that may not be extended (closed, no deadline) is just skipped
    assert _my_notifications(users) >= before + 30
    large = _count(client, count_queries, url)
    assert large == small, (url, small, large)


def test_task_page_costs_the_same_with_more_people(client, users, count_queries):  # noqa: ANN001
    """Assignees, followers and the people to choose from are read in fixed statements."""
    clock.freeze(datetime(2024, 8, 15, 2))
    task = find_task(PLAN, "1.1")
    coordinator = users("gdtx.coordinator")
    assignees.assign(task.id, coordinator, [users(ME).id])
    follows.follow(task.id, users("gdtx.member2"))
    login(client, "gdtx.coordinator")
    small = _count(client, count_queries, f"/tasks/{task.id}")
    staff = ("gdtx.member2", "gdtx.coordinator", "gdtx.coordinator2")
    assignees.assign(task.id, coordinator, [users(name).id for name in staff])
    followers = 0
    for name in (
        ME,
        "gdtx.coordinator",
        "gdtx.coordinator2",
        "sgddt.admin",
        "sgddt.inspector",
        "ttra.inspector",
        "tccb.member",
        "vps.member",
        "pgd-q1.member",
    ):
        try:
            follows.follow(task.id, users(name))
            followers += 1
        except WorkflowError:
            pass  # who may not see (or post to) the task cannot follow it
    assert followers >= 3
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert page.count('<li data-user="') == 4
    large = _count(client, count_queries, f"/tasks/{task.id}")
    assert large == small, (small, large)
