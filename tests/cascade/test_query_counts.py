"""The roll-up reads in constant statements: the same count with 2 and with 20 district
plans carrying out the city plan (and their tasks in every state)."""

from __future__ import annotations

import sqlalchemy as sa

from models import Task, Unit, UnitKind, db
from reports.cascade import rollup
from tests.conftest import QueryCounter
from tests.imports.helpers import login, user
from workflow.cascade import link_items_by_hand, link_plans_by_hand
from workflow.plans import ItemInput, PlanInput, UnitRef, create_plan
from workflow.task_reports import submit_report
from workflow.tasks import start_task

from .helpers import NUMBER_2417, import_2417, item


def _district_plans(city: int, offices: list[Unit]) -> None:
    admin = user("sgddt.admin")
    for office in offices:
        plan_id = create_plan(
            PlanInput(
                number=f"7/KH-{office.code}",
                title=f"Kế hoạch thực hiện 2417 của {office.name}",
                issuer_name=office.name,
                tracking_unit_id=office.id,
                items=[
                    ItemInput(
                        number=n,
                        title=f"Thực hiện nhiệm vụ {n}",
                        leads=[UnitRef(mention=office.name, unit_id=office.id)],
                    )
                    for n in ("1", "2")
                ],
            ),
            admin,
        )
        link_plans_by_hand(plan_id, NUMBER_2417, admin)
        for lower, higher in (("1", "1.1"), ("2", "2.1")):
            link_items_by_hand(item(plan_id, lower).id, item(city, higher).id, admin)
        db.session.commit()


def _counts(client, city: int) -> tuple[int, int, int]:  # noqa: ANN001
    db.session.expire_all()
    with QueryCounter(db.engine) as report:
        data = rollup(city)
    with QueryCounter(db.engine) as page:
        assert client.get(f"/plans/{city}/cascade").status_code == 200
    levels = {lvl.level: lvl for lvl in {i.number: i for i in data.page.items}["1.1"].levels}
    return report.count, page.count, levels["district"].plans


def test_rollup_statements_do_not_grow_with_lower_plans(import_app, web):
    city = import_2417()
    offices = list(
        db.session.execute(
            sa.select(Unit).where(Unit.kind == UnitKind.DISTRICT_OFFICE).order_by(Unit.id)
        ).scalars()
    )
    assert len(offices) >= 20
    login(web, "gdtx.coordinator")
    _district_plans(city, offices[:2])
    report_2, page_2, plans_2 = _counts(web, city)
    _district_plans(city, offices[2:20])
    # Some district tasks move on, so the tallies hold several states.
    for task in (
        db.session.execute(
            sa.select(Task).where(
                Task.number == "1", Task.lead_unit_id.in_([o.id for o in offices[2:6]])
            )
        )
        .scalars()
        .all()
    ):
        member = user(f"{task.lead_unit.code.lower()}.member")
        started = start_task(task.id, member, expected_version=task.version)
        submit_report(task.id, member, expected_version=started.version, text="Xong")
    report_20, page_20, plans_20 = _counts(web, city)
    assert (plans_2, plans_20) == (2, 20)
    assert report_20 == report_2
    assert page_20 == page_2
