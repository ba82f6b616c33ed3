"""Permissions follow the unit tree: a district office sees and manages its schools'
plans; a school does not see a sibling school's plan; the department (admins and
coordinators) sees all."""

from __future__ import annotations

import sqlalchemy as sa

from models import Plan, Task, db
from reports.visibility import visible_plans, visible_tasks
from tests.imports.helpers import login, unit, user
from workflow.permissions import can_view
from workflow.plan_access import can_edit_plan

from .helpers import unit_plan


def _school_plan(code: str) -> int:
    school = unit(code)
    return unit_plan(
        school,
        f"12/KH-{code}",
        f"Kế hoạch xây dựng đơn vị học tập của {school.name}",
        "Tuyên truyền về học tập suốt đời",
    )


def _sees(username: str, plan_id: int) -> tuple[bool, bool, bool]:
    """(plan in the visible list, its task in the visible list, can_view of the task)."""
    who = user(username)
    task = db.session.execute(sa.select(Task).where(Task.plan_id == plan_id)).scalar_one()
    in_plans = db.session.execute(
        sa.select(Plan.id).where(Plan.id == plan_id, visible_plans(who))
    ).first()
    in_tasks = db.session.execute(
        sa.select(Task.id).where(Task.id == task.id, visible_tasks(who))
    ).first()
    return in_plans is not None, in_tasks is not None, can_view(task, who)


def test_district_office_sees_its_schools_plans_a_sibling_school_does_not(import_app, web):
    # Both schools are under the Quận 8 office (data/units.json).
    assert unit("TH-KD8").parent_id == unit("MN-HM8").parent_id == unit("PGD-Q8").id
    plan_id = _school_plan("TH-KD8")
    assert _sees("mn-hm8.member", plan_id) == (False, False, False)
    assert _sees("pgd-q8.member", plan_id) == (True, True, True)
    assert _sees("pgd-q3.member", plan_id) == (False, False, False)
    assert _sees("th-kd8.member", plan_id) == (True, True, True)

    login(web, "mn-hm8.member")
    assert web.get(f"/plans/{plan_id}").status_code == 403
    assert web.get(f"/plans/{plan_id}/cascade").status_code == 403
    login(web, "pgd-q8.member")
    assert web.get(f"/plans/{plan_id}").status_code == 200
    task = db.session.execute(sa.select(Task).where(Task.plan_id == plan_id)).scalar_one()
    assert web.get(f"/tasks/{task.id}").status_code == 200


def test_district_office_coordinators_manage_their_schools_plans(import_app):
    plan = db.session.get(Plan, _school_plan("TH-KD8"))
    assert can_edit_plan(plan, user("pgd-q8.coordinator"))
    assert not can_edit_plan(plan, user("pgd-q8.member"))  # members never edit plans
    assert not can_edit_plan(plan, user("pgd-q3.coordinator"))
    assert can_edit_plan(plan, user("sgddt.admin"))
