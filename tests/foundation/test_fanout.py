"""A task led by several units or a group fans out; the parent rolls up."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Task, TaskState, Unit, UnitKind, db
from tests.foundation.helpers import events_for, find_task
from workflow import task_reports
from workflow import tasks as svc
from workflow.errors import PermissionDenied
from workflow.rollup import progress, rolled_up_state

S = TaskState


def test_group_lead_fans_out_to_every_district_office(demo_app):
    parent = find_task("4403/KH-SGDĐT", "6")
    offices = (
        db.session.execute(sa.select(Unit.id).where(Unit.kind == UnitKind.DISTRICT_OFFICE))
        .scalars()
        .all()
    )
    assert len(offices) == 22
    assert parent.lead_unit_id is None
    assert sorted(s.lead_unit_id for s in parent.subtasks) == sorted(offices)
    assert all(s.number == "6" and s.due_on == parent.due_on for s in parent.subtasks)


def test_several_named_leads_fan_out_to_each(demo_app):
    parent = find_task("4403/KH-SGDĐT", "9")
    codes = {db.session.get(Unit, s.lead_unit_id).code for s in parent.subtasks}
    assert {"GDTX", "HKH"} <= codes
    assert len(codes) == 24  # GDTX, Hội Khuyến học and 22 district offices


def test_single_lead_does_not_fan_out(demo_app):
    task = find_task("2417/KH-SGDĐT", "1.1")
    assert task.subtasks == []
    assert db.session.get(Unit, task.lead_unit_id).code == "GDTX"


def test_parent_rolls_up_and_is_verified_when_all_subtasks_are(demo_app, users):
    parent = find_task("4403/KH-SGDĐT", "6")
    parent_id = parent.id
    subs = [(s.id, db.session.get(Unit, s.lead_unit_id).code) for s in parent.subtasks]
    verifier = users("gdtx.coordinator")
    for i, (sub_id, code) in enumerate(subs):
        member = users(f"{code.lower()}.member")
        svc.start_task(sub_id, member, expected_version=None)
        if i == 0:
            assert db.session.get(Task, parent_id).state == S.IN_PROGRESS
        task_reports.submit_report(sub_id, member, expected_version=None, text="Đã tổ chức")
        svc.verify_task(sub_id, verifier, expected_version=None)
        db.session.expire_all()
        expected = S.VERIFIED if i == len(subs) - 1 else S.IN_PROGRESS
        assert db.session.get(Task, parent_id).state == expected
    rollups = [e for e in events_for(parent_id) if e.action == "task.rollup"]
    assert [e.after["state"] for e in rollups] == ["in_progress", "reported", "verified"]


def test_parent_itself_cannot_be_started(demo_app, users):
    parent = find_task("4403/KH-SGDĐT", "6")
    with pytest.raises(PermissionDenied, match="nhiệm vụ con"):
        svc.start_task(parent.id, users("pgd-q1.member"), expected_version=None)


def test_cancelling_parent_cancels_open_subtasks(demo_app, users):
    parent = find_task("4403/KH-SGDĐT", "6")
    svc.cancel_task(parent.id, users("gdtx.coordinator"), expected_version=None, reason="Gộp")
    db.session.expire_all()
    parent = db.session.get(Task, parent.id)
    assert parent.state == S.CANCELLED
    assert {s.state for s in parent.subtasks} == {S.CANCELLED}


def test_rollup_rules():
    assert rolled_up_state([S.ASSIGNED, S.ASSIGNED]) == S.ASSIGNED
    assert rolled_up_state([S.ASSIGNED, S.IN_PROGRESS]) == S.IN_PROGRESS
    assert rolled_up_state([S.REPORTED, S.VERIFIED]) == S.REPORTED
    assert rolled_up_state([S.VERIFIED, S.CANCELLED]) == S.VERIFIED
    assert rolled_up_state([S.CANCELLED]) == S.CANCELLED
    assert progress([S.VERIFIED, S.VERIFIED, S.ASSIGNED, S.CANCELLED]) == (2, 3)
