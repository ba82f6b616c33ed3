"""Importing the city plan 2417 and a district office's plan that cites it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

import importer
from models import Plan, Task, db
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
