"""`paginate_rows`: the page and the total from one statement (the count a window over the
same rows); a page past the end shows the last page, an empty list page 1 of nothing."""

from __future__ import annotations

import sqlalchemy as sa

from models import Task, db
from reports.progress import paginate_rows
from tests.conftest import QueryCounter


def _query() -> sa.Select:
    return sa.select(Task).order_by(Task.id)


def test_page_and_total_in_one_statement(demo_app):  # noqa: ANN001
    ids = list(db.session.execute(sa.select(Task.id).order_by(Task.id)).scalars())
    assert len(ids) > 12
    with QueryCounter(db.engine) as counter:
        page = paginate_rows(_query(), 2, 5)
    assert counter.count == 1
    assert (page.total, page.page, page.pages) == (len(ids), 2, -(-len(ids) // 5))
    assert [t.id for t in page.items] == ids[5:10]


def test_a_page_past_the_end_shows_the_last_page(demo_app):  # noqa: ANN001
    ids = list(db.session.execute(sa.select(Task.id).order_by(Task.id)).scalars())
    last = -(-len(ids) // 5)
    page = paginate_rows(_query(), 10_000, 5)
    assert (page.page, page.total) == (last, len(ids))
    assert [t.id for t in page.items] == ids[(last - 1) * 5 :]


def test_nothing_matches_page_one_of_nothing(demo_app):  # noqa: ANN001
    page = paginate_rows(_query().where(Task.id < 0), 3, 5)
    assert (page.items, page.total, page.page) == ([], 0, 1)
