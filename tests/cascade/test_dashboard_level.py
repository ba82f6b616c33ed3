"""The dashboard's "Cấp" filter (Sở, Phòng GD&ĐT, trường): only the tasks led by units of
that level, in the same number of statements as without it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from models import Unit, UnitKind, db
from reports import progress
from reports.cascade import LEVELS, level_kinds
from tests.foundation.web import login
from workflow import clock

QUARTER = "2024-Q4"  # city departments and district offices both lead work


def test_level_filter_keeps_the_units_of_its_level(users):  # noqa: ANN001
    clock.freeze(datetime(2024, 8, 15, 5))
    admin = users("sgddt.admin")
    whole = progress.dashboard(admin, QUARTER)
    kinds = dict(db.session.execute(sa.select(Unit.id, Unit.kind)).all())
    split = 0
    for level in LEVELS:
        board = progress.dashboard(admin, QUARTER, None, level)
        assert all(kinds[row.id] in level_kinds(level) for row in board.units if row.id)
        split += sum(board.total.states.values())
    district = progress.dashboard(admin, QUARTER, None, "district")
    assert district.units and all(kinds[r.id] == UnitKind.DISTRICT_OFFICE for r in district.units)
    assert sum(district.total.states.values()) < sum(whole.total.states.values())
    # Every task with a lead falls in exactly one level.
    led = sum(sum(r.tally.states.values()) for r in whole.units if r.id)
    assert split == led


def test_level_filter_costs_no_extra_statement(client, users, count_queries):  # noqa: ANN001
    clock.freeze(datetime(2024, 8, 15, 5))
    login(client, "sgddt.admin")

    def statements(url: str) -> int:
        db.session.remove()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    base, _ = statements(f"/dashboard/?quarter={QUARTER}")
    counted, html = statements(f"/dashboard/?quarter={QUARTER}&level=school")
    assert counted == base
    assert 'id="d-level"' in html and '<option value="school" selected>' in html
    # An unknown level is ignored, not an error.
    assert statements(f"/dashboard/?quarter={QUARTER}&level=moon")[0] == base
