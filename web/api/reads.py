"""The API's reads: keyset pages over units, plans, plan items, tasks and audit events.

Visibility and filters are the web's own (reports.visibility, reports.progress.TaskFilter),
so a token sees exactly the rows its user sees on the pages. Pages are keyset ("after
this id"), not OFFSET: a client walking 100,000 tasks reads each page in one indexed
statement, and rows added meanwhile never shift the pages it has not read yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from models import AuditChainHead, AuditEvent, Plan, Role, Task, Unit, User, db
from reports.progress import TaskFilter, list_options, search_clauses
from reports.visibility import visible_plans, visible_tasks
from workflow import clock
from workflow.inputs import MAX_ID


def _page(rows: Sequence[Any], limit: int, cursor_of: Any) -> tuple[list[Any], str | None]:
    """The first `limit` rows and the cursor of the next page (None when no more)."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, (cursor_of(items[-1]) if more and items else None)


def units_page(
    limit: int,
    after: int,
    kind: str | None,
    active: bool | None,
    *,
    parent: int | None = None,
    code: str | None = None,
    name: str | None = None,
) -> tuple[list[Unit], str | None]:
    """Units by id; the directory is public to every signed-in user, as on the web.

    A name is no key (schools share names across districts): `name` lists every unit
    bearing it, told apart by parent_id; `code` is the one that identifies."""
    query = sa.select(Unit).where(Unit.id > after)
    if parent is not None:
        query = query.where(Unit.parent_id == parent)
    if code:
        query = query.where(Unit.code == code)
    if name:
        query = query.where(Unit.name == name)
    if kind:
        query = query.where(Unit.kind == kind)
    if active is not None:
        query = query.where(Unit.active.is_(active))
    rows = db.session.execute(query.order_by(Unit.id).limit(limit + 1)).scalars().all()
    return _page(rows, limit, lambda u: str(u.id))


def plans_page(
    user: User, limit: int, after: int, year: int | None, status: str | None, q: str | None
) -> tuple[list[Plan], str | None]:
    """The plans the user may read, by id."""
    query = sa.select(Plan).where(visible_plans(user), Plan.id > after)
    if year is not None:
        query = query.where(Plan.year == year)
    if status:
        query = query.where(Plan.status == status)
    if q:
        query = query.where(*search_clauses(Plan.search_text, q))
    rows = db.session.execute(query.order_by(Plan.id).limit(limit + 1)).scalars().all()
    return _page(rows, limit, lambda p: str(p.id))


def visible_plan(user: User, plan_id: int) -> Plan | None:
    """The plan if the user may read it (None otherwise: it does not exist for them)."""
    return db.session.execute(
        sa.select(Plan).where(Plan.id == plan_id, visible_plans(user))
    ).scalar_one_or_none()


def items_page(
    user: User, plan_id: int, limit: int, cursor: str | None
) -> tuple[list[Task], str | None]:
    """The plan's items the user may see, in the document's order (position, then id)."""
    query = sa.select(Task).where(Task.plan_id == plan_id, visible_tasks(user))
    if cursor:
        # Clamped to INTEGER like ids in paths: a larger one means "after every row".
        position, task_id = (min(int(part), MAX_ID) for part in cursor.split("."))
        query = query.where(sa.tuple_(Task.position, Task.id) > sa.tuple_(position, task_id))
    rows = (
        db.session.execute(
            query.order_by(Task.position, Task.id).limit(limit + 1).options(*list_options())
        )
        .scalars()
        .all()
    )
    return _page(rows, limit, lambda t: f"{t.position}.{t.id}")


def tasks_page(
    user: User, task_filter: TaskFilter, limit: int, after: int
) -> tuple[list[Task], str | None]:
    """The visible tasks matching the web's filter, by id."""
    query = sa.select(Task).where(
        visible_tasks(user), *task_filter.clauses(clock.today()), Task.id > after
    )
    rows = (
        db.session.execute(query.order_by(Task.id).limit(limit + 1).options(*list_options()))
        .scalars()
        .all()
    )
    return _page(rows, limit, lambda t: str(t.id))


def audit_scope(user: User) -> list[int] | None:
    """None: the whole trail (inspectors, admins); the tracked plans' ids (coordinators);
    PermissionError for everyone else, as on the audit page."""
    if user.role in (Role.INSPECTOR, Role.ADMIN):
        return None
    if user.role == Role.COORDINATOR:
        plans = list(
            db.session.execute(
                sa.select(Plan.id).where(Plan.tracking_unit_id == user.unit_id)
            ).scalars()
        )
        if plans:
            return plans
    raise PermissionError


def audit_events(
    plan_ids: list[int] | None, after_seq: int, limit: int
) -> tuple[list[AuditEvent], int | None, int]:
    """Events after `after_seq` in chain order, the next after_seq, and the chain's head."""
    query = sa.select(AuditEvent).where(AuditEvent.seq > after_seq)
    if plan_ids is not None:
        query = query.where(AuditEvent.plan_id.in_(plan_ids))
    rows = db.session.execute(query.order_by(AuditEvent.seq).limit(limit + 1)).scalars().all()
    items = list(rows[:limit])
    next_seq = items[-1].seq if len(rows) > limit and items else None
    head = db.session.execute(
        sa.select(AuditChainHead.seq).where(AuditChainHead.id == 1)
    ).scalar_one_or_none()
    return items, next_seq, int(head or 0)
