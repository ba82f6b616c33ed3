"""The roll-up's linked plans by level (workflow/cascade_linked.py) are kept per plan and
equal a fresh walk of the plan links after each change that moves them: a plan linked on
import and by hand, a school's plan two levels down, a plan citing two higher plans, a
withdrawal; `planwork counters rebuild --check` names a tampered row and `rebuild` repairs
it."""

from __future__ import annotations

import sqlalchemy as sa

from models import CascadeLinkedPlans, Unit, UnitKind, db
from reports.cascade import rollup
from tests.imports.helpers import user
from web.counter_commands import counters_cli
from workflow import cascade_linked, cascade_recount
from workflow.cascade import link_plans_by_hand
from workflow.plan_withdrawal import withdraw_plan

from .helpers import NUMBER_2417, import_2417, import_district_plan, plan, unit_plan


def _linked(plan_id: int) -> dict[str, int]:
    db.session.expire_all()
    assert cascade_recount.differences() == {}
    return rollup(plan_id).linked


def test_kept_linked_plans_follow_links_at_every_depth_and_withdrawal(import_app, web):
    admin = user("sgddt.admin")
    city = import_2417()
    assert _linked(city) == {"city": 0, "district": 0, "school": 0}
    district = import_district_plan()  # cites 2417: linked on import
    db.session.commit()
    assert _linked(city) == {"city": 0, "district": 1, "school": 0}

    school_unit = (
        db.session.execute(sa.select(Unit).where(Unit.kind == UnitKind.SCHOOL).order_by(Unit.id))
        .scalars()
        .first()
    )
    school = unit_plan(school_unit, "3/KH-TRUONG", f"Kế hoạch của {school_unit.name}", "Thực hiện")
    link_plans_by_hand(school, plan(district).number, admin)
    db.session.commit()
    # Two levels down: the city plan counts the school's plan, and so does the district's.
    assert _linked(city) == {"city": 0, "district": 1, "school": 1}
    assert _linked(district)["school"] == 1

    # A plan citing both its district's plan and the city's counts once under the city.
    link_plans_by_hand(school, NUMBER_2417, admin)
    db.session.commit()
    assert _linked(city)["school"] == 1

    withdraw_plan(school, admin, expected_version=None, reason="Nhập nhầm")
    assert _linked(city) == {"city": 0, "district": 1, "school": 0}
    assert _linked(district)["school"] == 0


def test_rebuild_check_names_a_tampered_linked_count_and_rebuild_repairs_it(import_app, web):
    city = import_2417()
    import_district_plan()
    db.session.commit()
    runner = import_app.test_cli_runner()
    assert runner.invoke(counters_cli, ["rebuild", "--check"]).exit_code == 0
    db.session.execute(sa.update(CascadeLinkedPlans).values(plans=CascadeLinkedPlans.plans + 4))
    db.session.commit()
    result = runner.invoke(counters_cli, ["rebuild", "--check"])
    assert result.exit_code == 1 and "linked" in result.output
    assert rollup(city).linked["district"] == 5  # the page reads the kept row, not a walk
    assert runner.invoke(counters_cli, ["rebuild"]).exit_code == 0
    db.session.expire_all()
    assert cascade_linked.differences() == {}
    assert rollup(city).linked["district"] == 1
