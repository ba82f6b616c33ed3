"""Dashboard tallies kept in the same flush as every change agree with a full recount."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import Plan, Task, TaskTally, TaskViewTally, UnitGroup, db
from tests.foundation.helpers import find_task
from tests.ui.support import walk
from workflow import clock, counters, requests, task_edits
from workflow import tasks as svc
from workflow.directory import update_group
from workflow.plan_fields import ItemFields
from workflow.plan_items import add_item, remove_item
from workflow.plan_withdrawal import withdraw_plan


def _agree() -> None:
    db.session.expire_all()
    assert counters.differences() == {}


def test_demo_tallies_match_a_recount(app):  # noqa: ANN001
    from demo.loader import load_demo

    load_demo(history=True)
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.sum(TaskTally.n))).scalar_one() > 50
    # Each counted task once per unit that sees it: more rows than the whole-city count.
    per_unit = db.session.execute(sa.select(sa.func.sum(TaskViewTally.n))).scalar_one()
    assert per_unit > db.session.execute(sa.select(sa.func.sum(TaskTally.n))).scalar_one()
    _agree()


def test_every_transition_and_edit_keeps_the_tallies(users):  # noqa: ANN001
    clock.freeze(datetime(2024, 8, 15, 5))
    _agree()
    coordinator = users("gdtx.coordinator")
    q1 = find_task("4403/KH-SGDĐT", "6", "PGD-Q1")
    q3 = find_task("4403/KH-SGDĐT", "6", "PGD-Q3")
    walk(users, q1.id, "pgd-q1.member", "start", "report", "verify")
    _agree()
    walk(users, q3.id, "pgd-q3.member", "start", "report")
    svc.return_task(q3.id, coordinator, expected_version=None, reason="Thiếu số liệu")
    _agree()
    svc.reopen_task(q1.id, coordinator, expected_version=None, reason="Cần bổ sung")
    _agree()
    # A late report (reported_late moves the key) and a deadline moved by an extension.
    q5 = find_task("4403/KH-SGDĐT", "6", "PGD-Q5")
    extension = requests.request_extension(
        q5.id, users("pgd-q5.member"), new_due_on=date(2025, 3, 31), reason="Chờ số liệu"
    )
    requests.decide_extension(extension, coordinator, grant=True, reason=None)
    _agree()
    item = find_task("2417/KH-SGDĐT", "1.1")
    task_edits.update_task(
        item.id,
        coordinator,
        expected_version=None,
        reason="Đổi hạn",
        changes={"due_on": date(2024, 11, 30)},
    )
    _agree()
    # Items added by hand: one unit, then a group that fans out (the parent stops counting).
    plan_id = item.plan_id
    add_item(plan_id, coordinator, ItemFields(number="9.1", title="Việc thêm", leads=["GDTX"]))
    _agree()
    fanned = add_item(
        plan_id,
        coordinator,
        ItemFields(
            number="9.2", title="Việc giao các quận", leads=["G-PGD"], due_on=date(2024, 9, 30)
        ),
    )
    _agree()
    assert (
        db.session.execute(sa.select(sa.func.count()).where(Task.parent_id == fanned)).scalar_one()
        > 1
    )
    remove_item(fanned, coordinator, expected_version=None, reason="Trùng nội dung")
    _agree()
    # A group's members change: the units that see the tasks naming it change with them.
    group = db.session.execute(
        sa.select(UnitGroup).where(UnitGroup.code == "G-PHONG-SO")
    ).scalar_one()
    members = [m.id for m in group.members]
    update_group(
        group.id, users("sgddt.admin"), name=group.name, member_ids=members[1:], reason="Tách"
    )
    _agree()
    parent = find_task("4403/KH-SGDĐT", "6")
    svc.cancel_task(parent.id, coordinator, expected_version=None, reason="Không còn cần")
    _agree()
    plan = db.session.get(Plan, plan_id)
    withdraw_plan(plan_id, users("sgddt.admin"), expected_version=plan.version, reason="Nhập nhầm")
    _agree()


def test_a_change_the_tallies_miss_is_found(users):  # noqa: ANN001
    """The check is not vacuous: a tally moved behind the listener's back shows up."""
    row = db.session.execute(sa.select(TaskTally).where(TaskTally.n > 0).limit(1)).scalar_one()
    row.n += 1
    db.session.flush()
    with pytest.raises(AssertionError):
        _agree()
    counters.rebuild()
    _agree()
