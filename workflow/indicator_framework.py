"""The indicator framework (UNESCO learning city): loaded from its data file into
standards, criteria and indicators. Reference data, matched by code on every load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from config.settings import DATA_DIR
from models import Criterion, Indicator, IndicatorKind, Standard, db
from workflow.transaction import unit_of_work

FRAMEWORK_FILE = DATA_DIR / "indicators" / "unesco_learning_city.json"


def load_framework(path: Path = FRAMEWORK_FILE) -> int:
    """Create or refresh standards, criteria and indicators from the data file (idempotent).

    Rows are matched by code, so re-loading after a data fix updates wording in place and
    keeps the ids that assignments and values point to. Returns the number of indicators.
    """
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    standards = {s.code: s for s in db.session.execute(sa.select(Standard)).scalars()}
    criteria = {c.code: c for c in db.session.execute(sa.select(Criterion)).scalars()}
    indicators = {i.code: i for i in db.session.execute(sa.select(Indicator)).scalars()}
    count = 0
    position = 0
    with unit_of_work():
        for area in data["areas"]:
            for s in area["standards"]:
                position += 1
                standard = standards.get(s["code"]) or Standard(code=s["code"])
                standard.area_code, standard.area_title = area["code"], area["title"]
                standard.title, standard.position = s["title"], position
                db.session.add(standard)
                for c in s["criteria"]:
                    position += 1
                    criterion = criteria.get(c["code"]) or Criterion(code=c["code"])
                    criterion.standard = standard
                    criterion.title, criterion.position = c["title"], position
                    db.session.add(criterion)
                    for i in c["indicators"]:
                        position += 1
                        count += 1
                        indicator = indicators.get(i["code"]) or Indicator(code=i["code"])
                        indicator.criterion = criterion
                        indicator.text = i["text"]
                        indicator.kind = IndicatorKind(i["kind"])
                        indicator.measure = i.get("measure")
                        indicator.target_text = i.get("target_text")
                        indicator.target_op = i.get("target_op")
                        indicator.target_value = i.get("target_value")
                        indicator.responsible = i.get("responsible")
                        indicator.position = position
                        db.session.add(indicator)
    return count


def ensure_framework() -> None:
    """Load the framework the first time it is needed (a fresh database has none)."""
    if db.session.execute(sa.select(Indicator.id).limit(1)).first() is None:
        load_framework()
