"""Importing the city plan 2417 and a district office's plan that cites it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

import importer
from models import Plan, Task, Unit, db
from tests.imports.helpers import unit, user
from workflow.import_commit import commit_import
from workflow.import_draft import review_draft
from workflow.import_resolution import import_directory

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
SEED_2417 = ROOT / "importer" / "2417-KH-SGDDT-2024-hcmc-doet-learning-city-ocr.txt"
DISTRICT_PLAN = ROOT / "cascade" / "KH-PGD-Q8-2024-learning-city.txt"
NUMBER_2417 = "2417/KH-SGDĐT"
DISTRICT_LEAD = "Phòng Giáo dục và Đào tạo quận 8"


def draft_of(path: Path) -> dict:
    parsed = importer.parse_file(path, directory=import_directory()).to_json()
    return review_draft(parsed, path.name)


def import_2417() -> int:
    return commit_import(draft_of(SEED_2417), user("gdtx.coordinator"), unit("GDTX").id)


def import_district_plan() -> int:
    """The Quận 8 office's plan (it cites "2417/ KH-SGDĐT"), its items led by the office
    as the reviewer sets them."""
    draft = draft_of(DISTRICT_PLAN)
    for item in draft["items"]:
        item["lead"] = [DISTRICT_LEAD]
    return commit_import(draft, user("pgd-q8.coordinator"), unit("PGD-Q8").id)


def item(plan_id: int, number: str) -> Task:
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan_id, Task.number == number, Task.parent_id.is_(None)
        )
    ).scalar_one()


def plan(plan_id: int) -> Plan:
    return db.session.get(Plan, plan_id)


def linked_and_verified() -> tuple[int, int]:
    """2417 and the Quận 8 plan, items 1 → 1.1 and 2 → 2.1 confirmed, the district's item 1
    verified through workflow; returns (city plan id, district plan id)."""
    from models import ItemLink
    from workflow.cascade import decide_item_link
    from workflow.task_reports import submit_report
    from workflow.tasks import start_task, verify_task

    city = import_2417()
    district = import_district_plan()
    coordinator = user("pgd-q8.coordinator")
    for link in db.session.execute(sa.select(ItemLink)).scalars().all():
        pair = (link.lower_task.number, link.higher_task.number)
        decide_item_link(link.id, coordinator, pair in {("1", "1.1"), ("2", "2.1")})
    member = user("pgd-q8.member")
    start_task(item(district, "1").id, member, expected_version=item(district, "1").version)
    submit_report(
        item(district, "1").id, member, expected_version=item(district, "1").version, text="Xong"
    )
    verify_task(item(district, "1").id, coordinator, expected_version=item(district, "1").version)
    return city, district


def unit_plan(tracking: Unit, number: str, title: str, item_title: str) -> int:
    """A one-item plan of the unit, tracked and led by it (created by the admin)."""
    from workflow.plans import ItemInput, PlanInput, UnitRef, create_plan

    return create_plan(
        PlanInput(
            number=number,
            title=title,
            issuer_name=tracking.name,
            issuer_id=tracking.id,
            tracking_unit_id=tracking.id,
            items=[
                ItemInput(
                    number="1",
                    title=item_title,
                    leads=[UnitRef(mention=tracking.name, unit_id=tracking.id)],
                )
            ],
        ),
        user("sgddt.admin"),
    )
