"""Big plans in pieces: the plan page a page of items at a time, the matrix one section
at a time (all on request), sub-tasks of a wide fan-out as a count with a link."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Unit, UnitGroup, db
from tests.foundation.web import login
from workflow.plans import ItemInput, PlanInput, UnitRef, create_plan


def _big_plan(users) -> int:  # noqa: ANN001
    ids = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    group = db.session.execute(
        sa.select(UnitGroup.id).where(UnitGroup.code == "G-PGD")
    ).scalar_one()
    items = [
        ItemInput(
            number=str(i + 1),
            title=f"Việc lớn {i + 1}",
            section="I" if i < 30 else "II",
            leads=[UnitRef("Các PGD", group_id=group)]
            if i == 0
            else [UnitRef("GDTX", unit_id=ids["GDTX"])],
        )
        for i in range(70)
    ]
    plan_id = create_plan(
        PlanInput(
            number="70/KH-LON",
            title="Kế hoạch lớn",
            issuer_name="Sở",
            tracking_unit_id=ids["GDTX"],
            items=items,
        ),
        users("sgddt.admin"),
    )
    db.session.commit()
    return plan_id


def test_plan_page_in_pages(client, users):  # noqa: ANN001
    plan_id = _big_plan(users)
    login(client, "gdtx.coordinator")
    first = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    second = client.get(f"/plans/{plan_id}?page=2").get_data(as_text=True)
    assert first.count('class="item"') == 50 and second.count('class="item"') == 20
    assert 'id="item-count">70<' in first
    # The first item fans out to 22 district offices: listed inline, rolled up 0/22.
    assert first.count('class="subtask"') == 22 and "0/22" in first


def test_matrix_one_section_at_a_time(client, users):  # noqa: ANN001
    plan_id = _big_plan(users)
    login(client, "gdtx.coordinator")
    page = client.get(f"/plans/{plan_id}/matrix").get_data(as_text=True)
    assert 'id="matrix-sections"' in page
    columns = lambda html: len(re.findall(r'<td data-item="', html.split("</tr>", 2)[1]))  # noqa: E731
    assert columns(page) == 30  # section I
    section_two = client.get(f"/plans/{plan_id}/matrix?section=II").get_data(as_text=True)
    assert columns(section_two) == 40
    everything = client.get(f"/plans/{plan_id}/matrix?section=all").get_data(as_text=True)
    assert columns(everything) == 70
    export = client.get(f"/plans/{plan_id}/matrix?format=csv").get_data(as_text=True)
    assert export.splitlines()[0].count(",") == 2 + 70
