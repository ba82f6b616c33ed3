"""A substitute acts for an absent user; the trail records both names."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import AuditEvent, Report, TaskState, db
from tests.foundation.helpers import find_task
from workflow import clock, task_reports
from workflow import tasks as svc
from workflow.errors import InvalidInput, PermissionDenied
from workflow.substitutions import available_events, name_substitute


def test_substitute_reports_for_absent_member_under_both_names(demo_app, users):
    clock.freeze(datetime(2024, 6, 3, 2, 0))
    absent, stand_in = users("gdtx.member"), users("tccb.member")
    task = find_task("2417/KH-SGDĐT", "2.1")
    with pytest.raises(PermissionDenied):
        svc.start_task(task.id, stand_in, expected_version=None)
    name_substitute(absent.id, stand_in.id, date(2024, 6, 1), date(2024, 6, 14), actor=absent)
    assert "start" in available_events(svc.load_task(task.id), stand_in, set())
    svc.start_task(task.id, stand_in, expected_version=None)
    task_reports.submit_report(
        task.id, stand_in, expected_version=None, text="Thay mặt đồng chí An"
    )
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "task.report")
    ).scalar_one()
    assert (event.actor_id, event.on_behalf_of_id) == (stand_in.id, absent.id)
    assert event.unit_id == absent.unit_id
    report = db.session.execute(sa.select(Report)).scalar_one()
    assert (report.author_id, report.on_behalf_of_id, report.unit_id) == (
        stand_in.id,
        absent.id,
        absent.unit_id,
    )
    # Neither of them may verify that report, even as coordinators elsewhere.
    assert svc.verify_task(task.id, users("gdtx.coordinator"), expected_version=None).state == (
        TaskState.VERIFIED
    )


def test_substitution_ends(demo_app, users):
    absent, stand_in = users("gdtx.member"), users("tccb.member")
    name_substitute(absent.id, stand_in.id, date(2024, 6, 1), date(2024, 6, 14), actor=absent)
    clock.freeze(datetime(2024, 6, 20, 2, 0))
    task = find_task("2417/KH-SGDĐT", "2.1")
    with pytest.raises(PermissionDenied):
        svc.start_task(task.id, stand_in, expected_version=None)


def test_only_the_absent_user_or_their_coordinator_names_a_substitute(demo_app, users):
    absent, stand_in = users("gdtx.member"), users("tccb.member")
    with pytest.raises(PermissionDenied):
        name_substitute(
            absent.id, stand_in.id, date(2024, 6, 1), date(2024, 6, 2), actor=users("vps.member")
        )
    with pytest.raises(InvalidInput):
        name_substitute(absent.id, stand_in.id, date(2024, 6, 5), date(2024, 6, 2), actor=absent)
    name_substitute(
        absent.id,
        stand_in.id,
        date(2024, 6, 1),
        date(2024, 6, 2),
        actor=users("gdtx.coordinator"),
    )
    last = db.session.execute(
        sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one()
    assert last.action == "user.substitute" and last.after["substitute_id"] == stand_in.id
