"""Units merge and dissolve: the open work, people, spellings and this year's indicators
move to the successor in one audited step; the past keeps the names as they were."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from demo.loader import load_demo
from models import (
    AuditEvent,
    Indicator,
    IndicatorAssignment,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitAlias,
    UnitRole,
    User,
    db,
)
from reports.asof import plan_as_of
from tests.foundation.web import csrf_token, login
from workflow import (
    clock,
    counters,
    indicator_framework,
    indicators,
    task_edits,
    task_reports,
    unit_merge,
)
from workflow import tasks as svc
from workflow.errors import InvalidInput, PermissionDenied

REASON = "Quyết định số 123/QĐ-UBND về sắp xếp tổ chức"
OPEN = (TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED)


def _unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _ids(query) -> set[int]:  # noqa: ANN001
    return set(db.session.execute(query).scalars())


def _at(year: int, month: int, day: int) -> None:
    clock.freeze(datetime(year, month, day, 3, 0))


@pytest.fixture
def city(app):  # noqa: ANN001
    """The demo issued in January 2026, with work done before a September merger."""
    _at(2026, 1, 5)
    load_demo()
    return app


def _leaf_led_by(code: str) -> list[Task]:
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.lead_unit_id == _unit(code).id, ~Task.subtasks.any())
            .order_by(Task.id)
        ).scalars()
    )


def test_merging_two_units_moves_the_open_work_in_one_audited_step(city):  # noqa: ANN001
    admin, coord = _user("sgddt.admin"), _user("gdtx.coordinator")
    tccb, vps = _unit("TCCB"), _unit("VPS")
    tccb_name, vps_name = tccb.name, vps.name
    # Before the merger TCCB finished its own task (it stays TCCB's) …
    _at(2026, 3, 2)
    done = _leaf_led_by("TCCB")[0]
    svc.start_task(done.id, _user("tccb.member"), expected_version=None)
    task_reports.submit_report(done.id, _user("tccb.member"), expected_version=None, text="Xong")
    svc.verify_task(done.id, coord, expected_version=None)
    # … and was handed another, still open when the units merge.
    handed = _leaf_led_by("GDTX")[0]
    task_edits.reassign_lead(
        handed.id, coord, expected_version=None, unit_id=tccb.id, reason="Giao TCCB"
    )
    indicator_framework.ensure_framework()
    indicator_id = db.session.execute(sa.select(Indicator.id).limit(1)).scalar_one()
    this_year = indicators.assign(indicator_id, tccb.id, 2026, admin, target_text="100%")
    last_year = indicators.assign(indicator_id, tccb.id, 2025, admin, target_text="90%")
    tccb_users = _ids(sa.select(User.id).where(User.unit_id == tccb.id))
    tccb_aliases = _ids(sa.select(UnitAlias.id).where(UnitAlias.unit_id == tccb.id))
    coordinated = _ids(
        sa.select(TaskUnit.task_id)
        .join(Task, Task.id == TaskUnit.task_id)
        .where(
            TaskUnit.unit_id == tccb.id,
            TaskUnit.role == UnitRole.COORDINATING,
            Task.state.in_(OPEN),
        )
    )
    assert tccb_users and tccb_aliases and coordinated
    vps_task = _leaf_led_by("VPS")[0]
    seq_before = db.session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar_one()

    _at(2026, 9, 1)
    new_name = "Văn phòng và Tổ chức cán bộ Sở"
    unit_merge.merge_units([tccb.id], vps.id, admin, reason=REASON, new_name=new_name)
    db.session.expire_all()

    # Open tasks led and coordinated now belong to the successor; the done one does not.
    assert db.session.get(Task, handed.id).lead_unit_id == vps.id
    lead_rows = db.session.execute(
        sa.select(TaskUnit.unit_id).where(
            TaskUnit.task_id == handed.id, TaskUnit.role == UnitRole.LEAD
        )
    ).scalars()
    assert set(lead_rows) == {vps.id}
    assert db.session.get(Task, done.id).lead_unit_id == tccb.id
    still = sa.select(TaskUnit.task_id).join(Task, Task.id == TaskUnit.task_id)
    assert not _ids(still.where(TaskUnit.unit_id == tccb.id, Task.state.in_(OPEN)))
    assert coordinated <= _ids(
        still.where(TaskUnit.unit_id == vps.id, TaskUnit.role == UnitRole.COORDINATING)
    )
    # People, spellings (and the old name as one), this year's indicator assignment.
    assert {db.session.get(User, i).unit_id for i in tccb_users} == {vps.id}
    assert {db.session.get(UnitAlias, i).unit_id for i in tccb_aliases} == {vps.id}
    old_name_alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.text == tccb_name)
    ).scalar_one()
    assert old_name_alias.unit_id == vps.id
    assert db.session.get(IndicatorAssignment, this_year).unit_id == vps.id
    assert db.session.get(IndicatorAssignment, last_year).unit_id == tccb.id
    tccb = db.session.get(Unit, tccb.id)
    assert not tccb.active and tccb.retired_on == date(2026, 9, 1) and tccb.successor_id == vps.id
    assert db.session.get(Unit, vps.id).name == new_name
    # The task counters followed the moves.
    assert counters.differences() == {}

    # One group of events: the merge itself and one reassignment per moved lead task.
    events = list(
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.seq > seq_before).order_by(AuditEvent.seq)
        ).scalars()
    )
    groups = {e.after["group"] for e in events}
    assert len(groups) == 1 and next(iter(groups)).startswith("unit_merge:")
    assert [e.action for e in events].count("unit.merge") == 1
    merge = next(e for e in events if e.action == "unit.merge")
    moved = merge.after["sources"]["TCCB"]
    assert moved["lead_tasks"] == [handed.id] and set(moved["users"]) == tccb_users
    assert moved["assignments"] == [this_year] and merge.reason == REASON
    assert merge.before == {"name": vps_name} and merge.after["name"] == new_name
    assert {e.action for e in events} == {"unit.merge", "task.reassign"}

    # The plan as it stood before the merger names the units as they were then.
    before = {t.task_id: t.lead_unit_name for t in plan_as_of(handed.plan_id, date(2026, 8, 31))}
    after = {t.task_id: t.lead_unit_name for t in plan_as_of(handed.plan_id, date(2026, 9, 1))}
    assert before[handed.id] == tccb_name and after[handed.id] == new_name
    # The successor's own task: its old name before the merger, the new one after.
    then = {t.task_id: t.lead_unit_name for t in plan_as_of(vps_task.plan_id, date(2026, 8, 31))}
    now = {t.task_id: t.lead_unit_name for t in plan_as_of(vps_task.plan_id, date(2026, 9, 1))}
    assert then[vps_task.id] == vps_name and now[vps_task.id] == new_name
    # The task TCCB finished stays TCCB's, under the name it had.
    done_now = {t.task_id: t.lead_unit_name for t in plan_as_of(done.plan_id, date(2026, 9, 1))}
    assert done_now[done.id] == tccb_name


def test_retiring_needs_a_successor_while_work_remains(city):  # noqa: ANN001
    admin = _user("sgddt.admin")
    hkh, cdn = _unit("HKH"), _unit("CDN")
    events = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    with pytest.raises(InvalidInput, match="còn nhiệm vụ đang thực hiện"):
        unit_merge.retire_unit(hkh.id, admin, reason=REASON)
    with pytest.raises(InvalidInput, match="Hãy nêu lý do"):
        unit_merge.retire_unit(hkh.id, admin, reason="  ", successor_id=cdn.id)
    with pytest.raises(PermissionDenied):
        unit_merge.retire_unit(
            hkh.id, _user("gdtx.coordinator"), reason=REASON, successor_id=cdn.id
        )
    db.session.expire_all()
    assert db.session.get(Unit, hkh.id).active
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one() == events
    led = [t.id for t in _leaf_led_by("HKH") if t.state in OPEN]
    unit_merge.retire_unit(hkh.id, admin, reason=REASON, successor_id=cdn.id)
    db.session.expire_all()
    hkh = db.session.get(Unit, hkh.id)
    assert not hkh.active and hkh.successor_id == cdn.id
    assert led and {db.session.get(Task, i).lead_unit_id for i in led} == {cdn.id}
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "unit.retire")
    ).scalar_one()
    assert event.object_id == hkh.id and event.after["moved"]["lead_tasks"] == led
    # A retired unit cannot be retired or merged again.
    with pytest.raises(InvalidInput, match="đã ngừng hoạt động"):
        unit_merge.merge_units([hkh.id], cdn.id, admin, reason=REASON)
    assert counters.differences() == {}


def test_the_admin_pages_merge_and_retire_with_a_reason(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    for url in ("/directory/", "/directory/merge", "/directory/retire"):
        assert client.get(url).status_code == 403, url
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/my-tasks").text)})
    login(client, "sgddt.admin")
    tree = client.get("/directory/?q=quan 8").get_data(as_text=True)
    assert "Phòng Giáo dục và Đào tạo quận 8" in tree and "3 đơn vị trực thuộc" in tree
    page = client.get("/directory/retire").get_data(as_text=True)
    response = client.post(
        "/directory/retire",
        data={"csrf_token": csrf_token(page), "unit": "PGD-Q4", "successor": "", "reason": REASON},
        follow_redirects=True,
    )
    assert "còn nhiệm vụ đang thực hiện" in response.get_data(as_text=True)
    assert _unit("PGD-Q4").active
    page = client.get("/directory/merge").get_data(as_text=True)
    response = client.post(
        "/directory/merge",
        data={
            "csrf_token": csrf_token(page),
            "sources": "PGD-Q4\nPGD-Q7",
            "successor": "PGD-Q8",
            "new_name": "",
            "reason": REASON,
        },
        follow_redirects=True,
    )
    assert "Đã sáp nhập vào «Phòng Giáo dục và Đào tạo quận 8»" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not _unit("PGD-Q4").active and not _unit("PGD-Q7").active
    assert _user("pgd-q4.member").unit_id == _unit("PGD-Q8").id
    merge = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "unit.merge")
    ).scalar_one()
    assert set(merge.after["sources"]) == {"PGD-Q4", "PGD-Q7"}
    assert merge.actor_name == _user("sgddt.admin").full_name
