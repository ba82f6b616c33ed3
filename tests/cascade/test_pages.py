"""The city plan's "Triển khai ở cấp dưới" page and GET /api/v1/plans/{id}/rollup show
the district's progress; the lower plan's coordinator confirms proposals on the page;
"Lập kế hoạch thực hiện" makes a district plan from the items assigned to it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import AuditEvent, ItemLink, ItemLinkStatus, PlanLink, Task, TaskUnit, db
from tests.foundation.web import csrf_token
from tests.imports.helpers import login, unit, user
from workflow import tokens
from workflow.cascade_plans import create_implementing_plan

from .helpers import import_2417, import_district_plan, linked_and_verified


def test_city_page_and_api_show_the_rolled_up_progress(import_app, web):
    city, district = linked_and_verified()
    login(web, "gdtx.coordinator")
    page = web.get(f"/plans/{city}/cascade").get_data(as_text=True)
    row = re.search(r'<tr class="rollup-row" id="rollup-1\.1-district">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "1/1 quận, huyện đã hoàn thành" in row.group(1)
    assert "Phòng Giáo dục và Đào tạo quận 8" in page
    item_21 = re.search(r'id="rollup-2\.1-district">(.*?)</tr>', page, re.S).group(1)
    assert "0/1 quận, huyện đã hoàn thành" in item_21
    # The plan page points to it.
    assert f'href="/plans/{city}/cascade"' in web.get(f"/plans/{city}").get_data(as_text=True)

    secret = tokens.create_token(user("gdtx.member").id, None, scope="read", name="t").secret
    response = web.get(
        f"/api/v1/plans/{city}/rollup", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    items = {i["number"]: i for i in body["items"]}
    district_level = {lvl["level"]: lvl for lvl in items["1.1"]["levels"]}["district"]
    assert (district_level["plans"], district_level["plans_done"]) == (1, 1)
    assert district_level["buckets"]["done_on_time"] + district_level["buckets"]["done_late"] == 1
    assert items["1.1"]["lower_plans"][0]["id"] == district
    assert body["linked_plans"]["district"] == 1


def test_coordinator_confirms_a_proposal_on_the_page(import_app, web):
    import_2417()
    district = import_district_plan()
    proposal = (
        db.session.execute(sa.select(ItemLink).where(ItemLink.status == ItemLinkStatus.PROPOSED))
        .scalars()
        .first()
    )
    login(web, "pgd-q8.coordinator")
    page = web.get(f"/plans/{district}/cascade").get_data(as_text=True)
    assert f'id="proposal-{proposal.id}"' in page
    response = web.post(
        f"/plans/{district}/cascade/items/{proposal.id}",
        data={"csrf_token": csrf_token(page), "decision": "confirm"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ItemLink, proposal.id).status == ItemLinkStatus.CONFIRMED
    events = db.session.execute(
        sa.select(AuditEvent.action).where(AuditEvent.action == "item_link.confirm")
    ).all()
    assert len(events) == 1
    # A member of the city's tracking department may read but not decide.
    login(web, "gdtx.member")
    other = (
        db.session.execute(sa.select(ItemLink).where(ItemLink.status == ItemLinkStatus.PROPOSED))
        .scalars()
        .first()
    )
    if other is not None:
        web.post(
            f"/plans/{district}/cascade/items/{other.id}",
            data={"csrf_token": csrf_token(page), "decision": "confirm"},
        )
        db.session.expire_all()
        assert db.session.get(ItemLink, other.id).status == ItemLinkStatus.PROPOSED


def test_district_office_makes_its_plan_from_the_items_assigned_to_it(import_app):
    city = import_2417()
    office = unit("PGD-Q8")
    # The city assigns item 2.1 to the office as coordinating (the reviewer named it).
    task = db.session.execute(
        sa.select(Task).where(Task.plan_id == city, Task.number == "2.1")
    ).scalar_one()
    db.session.add(TaskUnit(task_id=task.id, unit_id=office.id, role="coordinating", mention="x"))
    db.session.commit()
    plan_id = create_implementing_plan(city, user("pgd-q8.coordinator"))
    items = (
        db.session.execute(sa.select(Task).where(Task.plan_id == plan_id, Task.parent_id.is_(None)))
        .scalars()
        .all()
    )
    assert [(t.number, t.lead_unit_id) for t in items] == [("2.1", office.id)]
    link = db.session.execute(sa.select(PlanLink)).scalar_one()
    assert (link.lower_plan_id, link.higher_plan_id) == (plan_id, city)
    copy = db.session.execute(sa.select(ItemLink)).scalar_one()
    assert (copy.lower_task_id, copy.higher_task_id) == (items[0].id, task.id)
    assert copy.status == ItemLinkStatus.CONFIRMED
    actions = set(db.session.execute(sa.select(AuditEvent.action)).scalars())
    assert {"plan.create", "task.create", "plan.link"} <= actions
