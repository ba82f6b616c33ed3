"""Import 2417 and the Quận 8 office's plan citing it: the plans link, items are proposed,
the coordinator confirms, the district task is verified, the roll-up shows it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, ItemLink, ItemLinkStatus, LinkMethod, PlanLink, TaskState, db
from reports.cascade import rollup
from tests.imports.helpers import user
from workflow.cascade import decide_item_link, find_plans_by_reference, reference_key
from workflow.errors import PermissionDenied
from workflow.task_reports import submit_report
from workflow.tasks import start_task, verify_task

from .helpers import NUMBER_2417, import_2417, import_district_plan, item


@pytest.mark.parametrize(
    "written",
    ["2417/KH-SGDĐT", "2417/ KH-SGDĐT", "2417 / KH - SGD&ĐT", "24l7/KH-SGDDT", "2417/kh-sgdÐt"],
)
def test_reference_spellings_fold_to_one_key(written):
    assert reference_key(written) == reference_key(NUMBER_2417)
    assert reference_key("2418/KH-SGDĐT") != reference_key(NUMBER_2417)


def _actions() -> list[str]:
    return list(db.session.execute(sa.select(AuditEvent.action)).scalars())


def test_import_links_plans_and_proposes_items_then_rolls_up(import_app):
    city = import_2417()
    assert find_plans_by_reference(["2417/ KH-SGDĐT"])["2417/ KH-SGDĐT"].id == city
    district = import_district_plan()
    link = db.session.execute(sa.select(PlanLink)).scalar_one()
    assert (link.lower_plan_id, link.higher_plan_id) == (district, city)
    assert link.method == LinkMethod.IMPORT and link.reference == "2417/KH-SGDĐT"
    assert "plan.link" in _actions() and "item_link.propose" in _actions()
    proposals = {
        (lk.lower_task.number, lk.higher_task.number): lk
        for lk in db.session.execute(sa.select(ItemLink)).scalars()
    }
    assert ("1", "1.1") in proposals and ("2", "2.1") in proposals
    assert all(lk.status == ItemLinkStatus.PROPOSED for lk in proposals.values())

    # Only the lower plan's coordinators decide; a member of the city is refused.
    with pytest.raises(PermissionDenied):
        decide_item_link(proposals[("1", "1.1")].id, user("gdtx.member"), True)
    coordinator = user("pgd-q8.coordinator")
    decide_item_link(proposals[("1", "1.1")].id, coordinator, True)
    decide_item_link(proposals[("2", "2.1")].id, coordinator, True)
    for key, lk in proposals.items():
        if key not in {("1", "1.1"), ("2", "2.1")}:
            decide_item_link(lk.id, coordinator, False)
    assert _actions().count("item_link.confirm") == 2

    # Nothing done yet: the city item 1.1 has one district plan, not finished.
    before = {i.number: i for i in rollup(city).page.items}
    district_level = {lvl.level: lvl for lvl in before["1.1"].levels}["district"]
    assert (district_level.plans, district_level.plans_done) == (1, 0)

    # The district's task moves to verified through workflow.
    task = item(district, "1")
    member = user("pgd-q8.member")
    start_task(task.id, member, expected_version=task.version)
    submit_report(task.id, member, expected_version=item(district, "1").version, text="Đã xong")
    verify_task(task.id, coordinator, expected_version=item(district, "1").version)
    assert item(district, "1").state == TaskState.VERIFIED

    after = {i.number: i for i in rollup(city).page.items}
    levels = {lvl.level: lvl for lvl in after["1.1"].levels}
    assert (levels["district"].plans, levels["district"].plans_done) == (1, 1)
    assert levels["district"].tally.done == 1
    assert sum(levels["district"].tally.buckets.values()) == 1
    assert [p.unit for p in after["1.1"].plans] == ["Phòng Giáo dục và Đào tạo quận 8"]
    # Item 2.1's district task is still open; items never linked show no level.
    levels_2 = {lvl.level: lvl for lvl in after["2.1"].levels}
    assert (levels_2["district"].plans, levels_2["district"].plans_done) == (1, 0)
    assert after["1.2"].levels == []
    assert rollup(city).linked["district"] == 1
