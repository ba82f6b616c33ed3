"""The load run's pages on a generated city, small enough for `make test` (issue 12).

bench/city.py builds two cities that differ only in the number of tasks; bench/load.py's
probe opens the same pages as the median user of each role in both. Each page answers,
its statement count is the same in both cities, and the figures are right: the dashboard
equals a recount, the kept tallies agree with one, the workspace lists the unit's tasks,
and the audit chain the generator wrote verifies. No timing is asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, make_app

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import city  # noqa: E402
import load  # noqa: E402

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the city is built in a SQLite file")

# Pages that hand off to a background job when large answer with a redirect.
REDIRECTS = {"inspection_pack"}


def _build(tmp_path: Path, tasks: int) -> tuple[str, dict]:
    url = f"sqlite:///{tmp_path / f'city-{tasks}.sqlite3'}"
    city.generate(url, tasks, events_per_task=2.0, seed=12)
    app = make_app(url, tmp_path / str(tasks))
    with app.app_context():
        pages = load.choose_pages()
        answers = _answers(pages)
    probed = load.probe(app, pages)
    with app.app_context():
        from models import db

        db.session.remove()
        db.engine.dispose()
    return url, {"pages": pages, "probed": probed, "answers": answers}


def _answers(pages: list[load.PageSpec]) -> dict:
    """What the pages must show, computed apart from the code that shows it."""
    from models import Task, TaskState, User, db
    from reports import progress
    from workflow import audit_verification, clock, counters

    admin = db.session.execute(sa.select(User).where(User.username == "sgddt.admin")).scalar_one()
    quarter = progress.quarter_of(clock.today())
    start, end = progress.quarter_bounds(quarter)
    sub = sa.orm.aliased(Task)
    recount = db.session.execute(
        sa.select(sa.func.count()).where(
            Task.due_on.between(start, end),
            Task.state != TaskState.CANCELLED,
            ~sa.exists().where(sub.parent_id == Task.id),
        )
    ).scalar_one()
    member = next(p for p in pages if p.name == "workspace").username
    unit_id = db.session.execute(
        sa.select(User.unit_id).where(User.username == member)
    ).scalar_one()
    lead = db.session.execute(
        sa.select(sa.func.count()).where(Task.lead_unit_id == unit_id)
    ).scalar_one()
    _, report = audit_verification.run_verification(full=True)
    return {
        "dashboard_total": progress.dashboard(admin, quarter).total.counted,
        "recount": recount,
        "differences": counters.differences(),
        "workspace_lead_total": progress.paginate(
            sa.select(Task).where(Task.lead_unit_id == unit_id), 1, 50
        ).total,
        "lead": lead,
        "chain_intact": report.intact,
    }


@pytest.fixture(scope="module")
def cities(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    tmp = tmp_path_factory.mktemp("cities")
    return _build(tmp, 3000)[1], _build(tmp, 6000)[1]


def test_every_page_answers(cities):  # noqa: ANN001
    for city_run in cities:
        for name, info in city_run["probed"].items():
            expected = 302 if name in REDIRECTS else 200
            assert info["status"] == expected, (name, info["status"])


def test_statements_per_page_do_not_grow_with_the_city(cities):  # noqa: ANN001
    # A page empty in the small city (its schools get no fanned-out work yet) would be
    # compared with itself full: leave it out, and make sure the daily pages stay in.
    idle = {p.name for p in cities[0]["pages"] if p.what.endswith(", 0 open")}
    small, large = (
        {n: i["statements"] for n, i in c["probed"].items() if n not in REDIRECTS | idle}
        for c in cities
    )
    assert {"workspace", "dashboard", "task", "plan", "matrix", "search", "csv"} <= set(small)
    # At most as many: a page of results holding no sub-task needs no load of parents,
    # one statement fewer (SQLAlchemy skips an eager load with nothing to load).
    grown = {name: (small[name], n) for name, n in large.items() if n > small[name]}
    assert grown == {}
    assert max(large.values()) < 200


def test_figures_are_right_at_scale(cities):  # noqa: ANN001
    for city_run in cities:
        answers = city_run["answers"]
        assert answers["differences"] == {}
        assert answers["dashboard_total"] == answers["recount"] > 0
        assert answers["workspace_lead_total"] == answers["lead"] > 0
        assert answers["chain_intact"]


def test_pages_show_the_users_work(cities):  # noqa: ANN001
    small = cities[0]["probed"]
    assert small["csv"]["body"].startswith("\ufeff".encode())
    assert small["csv"]["body"].count(b"\n") > 10
    assert b'id="units"' in small["dashboard_admin"]["body"]
    assert b'id="matrix"' in small["matrix"]["body"]
