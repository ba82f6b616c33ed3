"""People on tasks: only the lead unit's coordinator assigns its own staff, anyone who can
see a task may follow it; every change is audited and shown on the task page and workspace."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, TaskAssignee, TaskFollower, db
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login
from workflow import assignees, follows
from workflow.audit import verify_chain
from workflow.errors import InvalidInput, PermissionDenied
from workflow.signals import task_assigned


def _assigned(task_id: int) -> set[int]:
    return set(
        db.session.execute(
            sa.select(TaskAssignee.user_id).where(TaskAssignee.task_id == task_id)
        ).scalars()
    )


def _events(task_id: int, action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent).where(
                AuditEvent.object_id == task_id, AuditEvent.action == action
            )
        ).scalars()
    )


def test_lead_coordinator_assigns_staff_with_audit_and_signal(users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    heard = []

    def listener(sender, **kw):  # noqa: ANN001, ANN003
        heard.append((sender.id, kw["assignee"].username, kw["assigned"]))

    people = [users("gdtx.member").id, users("gdtx.member2").id]
    with task_assigned.connected_to(listener):
        added = assignees.assign(task.id, users("gdtx.coordinator"), people)
        assignees.unassign(task.id, users("gdtx.coordinator"), users("gdtx.member2").id)
    assert sorted(added) == sorted(people)
    assert _assigned(task.id) == {users("gdtx.member").id}
    assert len(_events(task.id, "task.assign")) == 2
    removed = _events(task.id, "task.unassign")
    assert len(removed) == 1 and removed[0].before["assignee_id"] == users("gdtx.member2").id
    assert heard == [
        (task.id, "gdtx.member", True),
        (task.id, "gdtx.member2", True),
        (task.id, "gdtx.member2", False),
    ]
    assert verify_chain().intact


@pytest.mark.parametrize(
    "actor",
    [
        "tccb.coordinator",  # a coordinator of another unit (it only coordinates this task)
        "gdtx.member",  # a member of the lead unit
        "sgddt.admin",
    ],
)
def test_only_the_lead_units_coordinator_may_assign(users, actor):
    task = find_task("2417/KH-SGDĐT", "2.1")
    with pytest.raises(PermissionDenied):
        assignees.assign(task.id, users(actor), [users("gdtx.member").id])
    assert _assigned(task.id) == set() and _events(task.id, "task.assign") == []


def test_people_outside_the_lead_unit_cannot_be_assigned(users):
    task = find_task("2417/KH-SGDĐT", "2.1")
    with pytest.raises(InvalidInput):
        # One of the two is a member of another unit: nothing is assigned at all.
        assignees.assign(
            task.id,
            users("gdtx.coordinator"),
            [users("gdtx.member").id, users("tccb.member").id],
        )
    assert _assigned(task.id) == set()


def test_follow_needs_the_right_to_see_the_task(users):
    task = find_task("2417/KH-SGDĐT", "2.1")  # GDTX leads, TCCB coordinates
    follows.follow(task.id, users("tccb.member"))
    with pytest.raises(InvalidInput):
        follows.follow(task.id, users("tccb.member"))
    with pytest.raises(PermissionDenied):
        follows.follow(task.id, users("pgd-q8.member"))
    follows.unfollow(task.id, users("tccb.member"))
    assert db.session.execute(sa.select(TaskFollower)).first() is None
    assert len(_events(task.id, "task.follow")) == 1
    assert len(_events(task.id, "task.unfollow")) == 1


def test_task_page_and_workspace_show_the_people(client, users):
    task = find_task("2417/KH-SGDĐT", "3.1")
    login(client, "gdtx.coordinator")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="assign-form"' in page
    response = client.post(
        f"/tasks/{task.id}/assignees",
        data={"csrf_token": csrf_token(page), "user_id": [str(users("gdtx.member").id)]},
    )
    assert response.status_code == 302
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'data-user="{users("gdtx.member").id}"' in page
    client.post("/logout", data={"csrf_token": csrf_token(page)})
    # The member sees it first in the workspace, under "Việc của tôi", with no assign form.
    login(client, "gdtx.member")
    mine = client.get("/my-tasks").get_data(as_text=True)
    assert 'id="my-own"' in mine
    own = mine[mine.index('id="my-own"') : mine.index('<section id="lead">')]
    assert f'data-task="{task.id}"' in own
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="assign-form"' not in page
    # A member posting the form directly is refused and nothing changes.
    client.post(
        f"/tasks/{task.id}/assignees",
        data={"csrf_token": csrf_token(page), "user_id": [str(users("gdtx.member2").id)]},
    )
    assert _assigned(task.id) == {users("gdtx.member").id}
    # Following from the task page.
    client.post(f"/tasks/{task.id}/follow", data={"csrf_token": csrf_token(page)})
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Bỏ theo dõi" in page and "1 người theo dõi" in page
