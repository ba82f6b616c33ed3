"""reports/ never writes: every read-side function runs under a guard that refuses writes.

The guard fails a flush that carries new, changed or deleted objects and any INSERT,
UPDATE or DELETE the engine is asked to run (Core statements bypass the flush), so a
report that records anything, however indirectly, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from demo.loader import load_demo
from models import Plan, Task, Unit, User, db
from reports import (
    asof,
    audit_exports,
    audit_trail,
    indicators,
    inspection_pack,
    plan_views,
    progress,
    queries,
    workspace,
    yearend,
)
from reports.progress import TaskFilter
from workflow.audit_verification import ChainStatus

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.I)


class WriteRefused(AssertionError):
    pass


@contextmanager
def refusing_writes() -> Iterator[None]:
    """Fail on any flush with pending changes and on any writing SQL statement."""
    session = db.session()
    engine = db.engine

    def before_flush(sess: Any, _context: Any, _instances: Any) -> None:
        if sess.new or sess.dirty or sess.deleted:
            raise WriteRefused(f"flush of {list(sess.new) + list(sess.dirty) + list(sess.deleted)}")

    def before_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _WRITE.match(statement):
            raise WriteRefused(statement.split("\n")[0])

    sa.event.listen(session, "before_flush", before_flush)
    sa.event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield
    finally:
        sa.event.remove(session, "before_flush", before_flush)
        sa.event.remove(engine, "before_cursor_execute", before_execute)


def _one(model: Any, **where: Any) -> Any:
    return db.session.execute(sa.select(model).filter_by(**where)).scalars().first()


def read_side_calls() -> list[tuple[str, Callable[[], Any]]]:
    """Every public read of reports/, with arguments taken from the demo's 2024 history."""
    coordinator = _one(User, username="gdtx.coordinator")
    member = _one(User, username="gdtx.member")
    inspector = _one(User, username="sgddt.inspector")
    plan = _one(Plan, number="2417/KH-SGDĐT")
    unit = db.session.get(Unit, member.unit_id)
    items = list(db.session.execute(sa.select(Task).where(Task.plan_id == plan.id)).scalars())
    task = items[0]
    status = ChainStatus(intact=True, checked=0, verified_at=None, last_full_at=None)
    everything = audit_trail.AuditFilter()
    year = yearend.gather(2024, plan_id=plan.id)
    scope = inspection_pack.PackScope(date(2024, 1, 1), date(2024, 12, 31), plan_id=plan.id)
    return [
        ("progress.dashboard", lambda: progress.dashboard(coordinator, "2024-Q4")),
        ("progress.list_tasks", lambda: progress.list_tasks(TaskFilter(q="ke hoach"), inspector)),
        ("progress.all_tasks", lambda: progress.all_tasks(TaskFilter(plan_id=plan.id), member)),
        ("progress.work_span", lambda: progress.work_span(coordinator)),
        ("workspace.workspace", lambda: workspace.workspace(member, TaskFilter())),
        ("queries.lead_tasks", lambda: queries.lead_tasks(unit.id)),
        ("queries.coordinating_tasks", lambda: queries.coordinating_tasks(unit.id)),
        ("queries.awaiting", lambda: queries.awaiting_verification(coordinator.unit_id)),
        ("queries.task_page", lambda: queries.task_page(task)),
        ("queries.task_labels", lambda: queries.task_labels({t.id for t in items})),
        ("plan_views.progress", lambda: plan_views.plan_progress(items)),
        ("plan_views.matrix", lambda: plan_views.matrix(items)),
        ("asof.plan_as_of", lambda: asof.plan_as_of(plan.id, date(2024, 9, 30))),
        ("asof.unit_as_of", lambda: asof.unit_as_of(unit.id, date(2024, 9, 30))),
        ("asof.task_timeline", lambda: asof.task_timeline(task.id)),
        ("audit_trail.audit_page", lambda: audit_trail.audit_page(everything)),
        ("audit_trail.iter_events", lambda: list(audit_trail.iter_events(everything))),
        ("audit_exports.csv", lambda: audit_exports.audit_csv(everything)),
        ("audit_exports.xlsx", lambda: audit_exports.audit_xlsx(everything, status)),
        ("audit_exports.pdf", lambda: audit_exports.audit_pdf(everything, status)),
        ("indicators.framework", indicators.framework),
        ("indicators.annex_rows", lambda: indicators.annex_rows([unit.id], 2024)),
        ("yearend.gather", lambda: yearend.gather(2024, unit_id=unit.id)),
        ("yearend.docx", lambda: yearend.yearend_docx(year)),
        ("yearend.xlsx", lambda: yearend.yearend_xlsx(year)),
        ("inspection_pack.build_pack", lambda: inspection_pack.build_pack(scope, status)),
    ]


@pytest.fixture
def history(app):  # noqa: ANN001
    load_demo(history=True)
    db.session.commit()
    return app


def test_every_read_side_function_runs_without_writing(history):
    calls = read_side_calls()
    db.session.commit()  # nothing pending from the setup itself
    results = {}
    for name, call in calls:
        with refusing_writes():
            results[name] = call()
    # The reads read something: an empty database would prove nothing.
    assert results["progress.dashboard"] is not None
    assert len(results["audit_trail.iter_events"]) > 100
    assert results["inspection_pack.build_pack"][:2] == b"PK"
    assert len(results["queries.lead_tasks"]) > 0


def test_the_guard_refuses_an_orm_write_and_a_core_write(history):
    unit = _one(Unit, code="GDTX")
    with pytest.raises(WriteRefused), refusing_writes():
        unit.name = unit.name + " (đổi)"
        db.session.flush()
    db.session.rollback()
    with pytest.raises(WriteRefused), refusing_writes():
        db.session.execute(sa.update(Unit).where(Unit.id == unit.id).values(email="x@example.vn"))
    db.session.rollback()
