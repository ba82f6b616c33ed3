"""A user's visible tasks are read through indexes from their unit, never by a scan of
every task or task unit (issue 12): the cost follows the user's share, not the city's.

The database's own plan is the proof: SQLite's EXPLAIN QUERY PLAN must SEARCH tasks and
task units (an index lookup), never SCAN them; PostgreSQL, with sequential scans priced
out (enable_seqscan off, so it takes one only when no index can serve), must show no
"Seq Scan" on them. The demo is small, but a plan's shape does not depend on the rows.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from models import Plan, Task, User, db
from reports.progress import TaskFilter, search_clauses, task_query, unit_lead_and_coordinating
from reports.visibility import visible_plans, visible_tasks

BIG_TABLES = ("tasks", "task_units")


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _plan_lines(query: sa.Select) -> list[str]:
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
        with conn.begin():
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            return [row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql)]


def _full_scans(lines: list[str]) -> list[str]:
    tables = "|".join(BIG_TABLES)
    sqlite_scan = re.compile(rf"^SCAN ({tables})\b(?! USING (COVERING )?INDEX ix_)")
    pg_scan = re.compile(rf"Seq Scan on ({tables})\b")
    return [line for line in lines if sqlite_scan.search(line) or pg_scan.search(line.strip())]


def _queries(user: User) -> dict[str, sa.Select]:
    lead, coordinating = unit_lead_and_coordinating(user.unit_id)
    return {
        "visible tasks": sa.select(Task.id).where(visible_tasks(user)),
        "visible plans": sa.select(Plan.id).where(visible_plans(user)),
        "task list": task_query(TaskFilter(state="assigned"), user),
        "workspace lead": sa.select(Task.id).where(lead),
        "workspace coordinating": sa.select(Task.id).where(coordinating),
    }


@pytest.mark.parametrize("username", ["pgd-q1.member", "tccb.coordinator", "gdtx.member"])
def test_visibility_reads_through_indexes(users, username):  # noqa: ANN001
    user = _user(username)
    for name, query in _queries(user).items():
        lines = _plan_lines(query)
        assert _full_scans(lines) == [], (name, lines)


def test_the_check_sees_a_full_scan(users):  # noqa: ANN001
    """The test is not vacuous: a filter no index serves is reported."""
    lines = _plan_lines(sa.select(Task.id).where(Task.title.like("%x%")))
    assert _full_scans(lines)


def test_search_reads_the_trigram_index_on_postgresql(users):  # noqa: ANN001
    """On PostgreSQL a search's words are found through the trigram index (migration
    0030), not by reading every task's text; SQLite has no such index."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no trigram index: one office's tasks are read")
    query = sa.select(Task.id).where(*search_clauses(Task.search_text, "chuyển đổi số"))
    lines = _plan_lines(query)
    assert any("ix_tasks_search_trgm" in line for line in lines), lines
    assert _full_scans(lines) == [], lines
