"""Every transition, allowed and refused, by role, unit and state."""

from __future__ import annotations

import pytest

from models import Task, TaskState, db
from tests.foundation.helpers import event_count, find_task, force_state
from workflow import task_reports
from workflow import tasks as svc
from workflow.errors import InvalidInput, PermissionDenied, TransitionNotAllowed, WorkflowError
from workflow.permissions import allowed_events

S = TaskState
# Item 1.2 of 2417/KH-SGDĐT: led by Phòng GDTX-CN&ĐH, which is also the tracking unit;
# coordinated by Văn phòng Sở among others.
LEAD_ACTORS = {"gdtx.member", "gdtx.member2", "gdtx.coordinator", "gdtx.coordinator2"}
TRACKING_COORDINATORS = {"gdtx.coordinator", "gdtx.coordinator2"}
EVERYONE = sorted(
    LEAD_ACTORS
    | {
        "vps.member",
        "vps.coordinator",
        "pgd-q8.member",
        "sgddt.inspector",
        "sgddt.admin",
        "ttra.inspector",
    }
)
ALLOWED = {
    # event: (states it leaves, who may fire it)
    "start": ({S.ASSIGNED}, LEAD_ACTORS),
    "report": ({S.IN_PROGRESS}, LEAD_ACTORS),
    "verify": ({S.REPORTED}, TRACKING_COORDINATORS),
    "return": ({S.REPORTED}, TRACKING_COORDINATORS),
    "reopen": ({S.VERIFIED}, TRACKING_COORDINATORS),
    "cancel": ({S.ASSIGNED, S.IN_PROGRESS, S.REPORTED}, TRACKING_COORDINATORS),
}
DEST = {
    "start": S.IN_PROGRESS,
    "report": S.REPORTED,
    "verify": S.VERIFIED,
    "return": S.IN_PROGRESS,
    "reopen": S.IN_PROGRESS,
    "cancel": S.CANCELLED,
}


def fire(task_id: int, username: str, event: str, users, version: int):  # noqa: ANN001
    actor = users(username)
    if event == "report":
        return task_reports.submit_report(
            task_id, actor, expected_version=version, text="Đã thực hiện."
        )
    return svc.transition(task_id, actor, event, expected_version=version, reason="Lý do thử")


@pytest.mark.parametrize("state", list(S))
def test_each_event_for_each_user_in_state(demo_app, users, state):
    task = find_task("2417/KH-SGDĐT", "1.2")
    task_id = task.id
    for event, (sources, actors) in ALLOWED.items():
        for username in EVERYONE:
            force_state(task, state)
            task = db.session.get(Task, task_id)
            before_events = event_count()
            should_pass = state in sources and username in actors
            if should_pass:
                result = fire(task_id, username, event, users, task.version)
                assert result.state == DEST[event], (event, username)
                assert event_count() == before_events + 1
            else:
                with pytest.raises((PermissionDenied, TransitionNotAllowed)):
                    fire(task_id, username, event, users, task.version)
                db.session.expire_all()
                assert db.session.get(Task, task_id).state == state, (event, username)
                assert event_count() == before_events, (event, username)


@pytest.mark.parametrize("state", list(S))
def test_task_page_offers_exactly_the_allowed_events(demo_app, users, state):
    task = find_task("2417/KH-SGDĐT", "1.2")
    force_state(task, state)
    task = svc.load_task(task.id)
    for username in EVERYONE:
        offered = set(allowed_events(task, users(username), set()))
        expected = {e for e, (src, who) in ALLOWED.items() if state in src and username in who}
        assert offered == expected, username


@pytest.mark.parametrize("event", ["return", "reopen", "cancel"])
def test_reason_required(demo_app, users, event):
    task = find_task("2417/KH-SGDĐT", "1.2")
    force_state(task, {"return": S.REPORTED, "reopen": S.VERIFIED, "cancel": S.ASSIGNED}[event])
    before = event_count()
    with pytest.raises(InvalidInput, match="lý do"):
        svc.transition(task.id, users("gdtx.coordinator"), event, expected_version=None, reason=" ")
    assert event_count() == before


def test_report_needs_text_and_writes_nothing_without(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    force_state(task, S.IN_PROGRESS)
    before = event_count()
    with pytest.raises(InvalidInput):
        task_reports.submit_report(task.id, users("gdtx.member"), expected_version=None, text="   ")
    assert event_count() == before
    assert db.session.get(Task, task.id).state == S.IN_PROGRESS


def test_nobody_verifies_their_own_report(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    me, colleague = users("gdtx.coordinator"), users("gdtx.coordinator2")
    svc.start_task(task.id, me, expected_version=None)
    task_reports.submit_report(task.id, me, expected_version=None, text="Báo cáo của tôi")
    before = event_count()
    with pytest.raises(PermissionDenied, match="chính mình"):
        svc.verify_task(task.id, me, expected_version=None)
    assert event_count() == before
    assert svc.verify_task(task.id, colleague, expected_version=None).state == S.VERIFIED


def test_tracking_unit_other_than_issuer_verifies(demo_app, users):
    # 4403's item 3 is led by Phòng Giáo dục Trung học; GDTX tracks the plan.
    task = find_task("4403/KH-SGDĐT", "3")
    svc.start_task(task.id, users("gdtrh.member"), expected_version=None)
    task_reports.submit_report(task.id, users("gdtrh.member"), expected_version=None, text="Xong")
    with pytest.raises(PermissionDenied):
        svc.verify_task(task.id, users("gdtrh.coordinator"), expected_version=None)
    assert svc.verify_task(task.id, users("gdtx.coordinator"), expected_version=None).state == (
        S.VERIFIED
    )


def test_unknown_event_is_refused(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    with pytest.raises(WorkflowError):
        svc.transition(task.id, users("gdtx.coordinator"), "explode", expected_version=None)


@pytest.mark.parametrize("state", list(S))
def test_allowed_events_are_exactly_the_unrefused_ones(demo_app, users, state):
    """Lists ask `allowed_events` (no messages built); the action asks `refusal`: they must
    agree on every task of the demo in every state, fanned-out parents and
    self-verification included."""
    import sqlalchemy as sa
    from sqlalchemy.orm import selectinload

    from workflow.permissions import refusal
    from workflow.state_machine import triggers_from

    db.session.execute(sa.update(Task).values(state=state))
    db.session.commit()
    db.session.expire_all()
    tasks = db.session.execute(
        sa.select(Task).options(selectinload(Task.plan), selectinload(Task.subtasks))
    ).scalars()
    people = [users(name) for name in EVERYONE]
    offered_any, fanned_out = set(), 0
    for task in tasks:
        fanned_out += bool(task.subtasks)
        for user in people:
            for authors in (set(), {user.id}):
                offered = allowed_events(task, user, authors)
                unrefused = [
                    e for e in triggers_from(task.state) if refusal(task, user, e, authors) is None
                ]
                assert offered == unrefused, (task.id, user.username, authors)
                offered_any.update(offered)
    assert fanned_out
    assert offered_any == set(triggers_from(state))
