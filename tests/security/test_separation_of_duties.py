"""Separation of duties through substitutions and on indicators (review 2026-12).

M6: a substitute may not verify a report they wrote, nor one written by or for the person
they stand in for, whoever's rights they borrow.
L-indicators: a value may be linked only to a task of its unit that the user may report
on; only admins and coordinators of the plans' tracking unit assign indicators and set
targets.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import (
    AuditEvent,
    Indicator,
    IndicatorAssignment,
    IndicatorValue,
    Report,
    TaskState,
    db,
)
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login
from workflow import clock, indicator_framework, indicators, task_reports
from workflow import tasks as svc
from workflow.errors import InvalidInput, PermissionDenied
from workflow.substitutions import available_events, name_substitute

# Item 1.1 of 2417/KH-SGDĐT: Phòng GDTX-CN&ĐH leads it and also tracks the plan, so its
# coordinators both report and verify (the review's case).
PLAN, ITEM = "2417/KH-SGDĐT", "1.1"


def _events(action: str) -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    ).scalar_one()


def _reported_by(username: str, users) -> int:  # noqa: ANN001
    task = find_task(PLAN, ITEM)
    svc.start_task(task.id, users(username), expected_version=None)
    task_reports.submit_report(
        task.id, users(username), expected_version=None, text="Đã hoàn thành"
    )
    return task.id


def test_a_substitute_cannot_verify_their_own_report_through_the_absent_colleague(demo_app, users):
    """M6: the review's reproduction. gdtx.coordinator reports, gdtx.coordinator2 names
    them as substitute; verifying through coordinator2's rights is refused, is not offered,
    and writes nothing; coordinator2 (another person) still may verify."""
    clock.freeze(datetime(2024, 6, 3, 2, 0))
    author, colleague = users("gdtx.coordinator"), users("gdtx.coordinator2")
    task_id = _reported_by("gdtx.coordinator", users)
    name_substitute(colleague.id, author.id, date(2024, 6, 1), date(2024, 6, 14), actor=colleague)
    assert "verify" not in available_events(svc.load_task(task_id), author, {author.id})
    with pytest.raises(PermissionDenied, match="tự xác nhận"):
        svc.verify_task(task_id, author, expected_version=None)
    assert _events("task.verify") == 0
    assert svc.load_task(task_id).state == TaskState.REPORTED
    # Through the web too: the task page offers no "verify" to the author.
    web = demo_app.test_client()
    login(web, "gdtx.coordinator")
    page = web.get(f"/tasks/{task_id}").get_data(as_text=True)
    response = web.post(
        f"/tasks/{task_id}/transition",
        data={"csrf_token": csrf_token(page), "event": "verify"},
    )
    assert response.status_code in (302, 403)
    assert svc.load_task(task_id).state == TaskState.REPORTED
    assert svc.verify_task(task_id, colleague, expected_version=None).state == TaskState.VERIFIED


def test_a_substitute_who_wrote_a_report_cannot_verify_it_through_another_principal(
    demo_app, users
):
    """M6: tccb.member stands in for both GDTX coordinators while they are away and reports
    for one of them. The old code refused verifying through that one (an author) but let
    the substitute verify through the other: the substitute wrote the report."""
    clock.freeze(datetime(2024, 6, 3, 2, 0))
    member = users("tccb.member")
    coordinators = [users("gdtx.coordinator"), users("gdtx.coordinator2")]
    for absent in coordinators:
        name_substitute(absent.id, member.id, date(2024, 6, 1), date(2024, 6, 14), actor=absent)
    task = find_task(PLAN, ITEM)
    svc.start_task(task.id, member, expected_version=None)
    task_reports.submit_report(task.id, member, expected_version=None, text="Thay mặt đồng chí")
    report = db.session.execute(sa.select(Report).where(Report.task_id == task.id)).scalar_one()
    written_for = next(c for c in coordinators if c.id == report.on_behalf_of_id)
    other = next(c for c in coordinators if c.id != report.on_behalf_of_id)
    authors = {member.id, written_for.id}
    assert "verify" not in available_events(svc.load_task(task.id), member, authors)
    for who in (member, written_for):
        with pytest.raises(PermissionDenied, match="tự xác nhận"):
            svc.verify_task(task.id, who, expected_version=None)
    assert _events("task.verify") == 0
    # The other coordinator is another person and verifies in their own right.
    assert svc.verify_task(task.id, other, expected_version=None).state == TaskState.VERIFIED


# --- L-indicators -------------------------------------------------------------------------


def _indicator(code: str = "1.1.1.3") -> Indicator:
    indicator_framework.ensure_framework()
    return db.session.execute(sa.select(Indicator).where(Indicator.code == code)).scalar_one()


def test_only_the_tracking_units_coordinators_and_admins_assign_targets(demo_app, users):
    """L-indicators: pgd-q8.coordinator set GDTX's target to 99; now refused, with a
    message, through the service and the form, and nothing is written."""
    literacy = _indicator()
    gdtx = users("gdtx.member").unit_id
    before = _events("indicator.assign")
    for username in ("pgd-q8.coordinator", "tccb.coordinator", "gdtx.member"):
        with pytest.raises(PermissionDenied, match="cơ quan thường trực"):
            indicators.assign(literacy.id, gdtx, 2024, users(username), target_value=99)
        assert not indicators.can_assign(users(username))
    web = demo_app.test_client()
    login(web, "pgd-q8.coordinator")
    page = web.get("/indicators?year=2024").get_data(as_text=True)
    response = web.post(
        f"/indicators/{literacy.id}/assign",
        data={
            "csrf_token": csrf_token(page),
            "year": "2024",
            "unit_code": "GDTX",
            "target_value": "99",
        },
        follow_redirects=True,
    )
    assert "cơ quan thường trực" in response.get_data(as_text=True)
    assert _events("indicator.assign") == before
    assert db.session.execute(sa.select(IndicatorAssignment.id)).first() is None
    indicators.assign(literacy.id, gdtx, 2024, users("gdtx.coordinator"), target_value=95)
    indicators.assign(literacy.id, gdtx, 2024, users("sgddt.admin"), target_value=96)
    assert _events("indicator.assign") == before + 2


def test_a_value_is_linked_only_to_a_task_the_user_may_report_on(demo_app, users):
    """L-indicators: tccb.member linked their unit's value to a task they cannot see; now a
    task of another unit, a missing task and a report of another task are all refused with
    one message, and the value is linked to TCCB's own task."""
    literacy = _indicator()
    member = users("tccb.member")
    tccb = member.unit_id
    indicators.assign(literacy.id, tccb, 2024, users("gdtx.coordinator"))
    own = find_task("4403/KH-SGDĐT", "2")
    assert own.lead_unit_id == tccb
    foreign = find_task(PLAN, ITEM)
    value = indicators.ValueInput(number=97)
    for task_id in (foreign.id, 10_000_000):
        with pytest.raises(PermissionDenied, match="nhiệm vụ mà đơn vị bạn chủ trì"):
            indicators.enter_value(literacy.id, tccb, 2024, member, value, task_id=task_id)
    assert db.session.execute(sa.select(IndicatorValue.id)).first() is None
    assert _events("indicator.value") == 0
    # Through the form: the same refusal as a message, nothing written.
    web = demo_app.test_client()
    login(web, "tccb.member")
    page = web.get("/indicators?year=2024").get_data(as_text=True)
    response = web.post(
        f"/indicators/{literacy.id}/value",
        data={
            "csrf_token": csrf_token(page),
            "year": "2024",
            "number": "97",
            "task_id": str(foreign.id),
        },
        follow_redirects=True,
    )
    assert "nhiệm vụ mà đơn vị bạn chủ trì" in response.get_data(as_text=True)
    assert _events("indicator.value") == 0
    row_id = indicators.enter_value(literacy.id, tccb, 2024, member, value, task_id=own.id)
    assert db.session.get(IndicatorValue, row_id).task_id == own.id


def test_a_value_needs_the_indicator_assigned_to_the_unit_for_the_year(demo_app, users):
    """L-indicators: "nothing checks that the indicator is assigned to the unit"."""
    literacy = _indicator()
    member = users("tccb.member")
    with pytest.raises(InvalidInput, match="chưa được giao"):
        indicators.enter_value(
            literacy.id, member.unit_id, 2024, member, indicators.ValueInput(number=97)
        )
    assert _events("indicator.value") == 0
