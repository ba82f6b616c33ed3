"""Keep, per plan and level, how many standing plans carry the plan out at any depth
(models.cascade.CascadeLinkedPlans): the roll-up's "Kế hoạch cấp dưới đã liên kết" line
without walking a city's 2,000 plan links on every request (issue 15).

Plan links are few and change rarely (an import, a coordinator's link, a withdrawal, a
plan or unit moving level) while the roll-up is read often. So a change recounts its
plan's ancestors exactly, one walk each, instead of moving deltas: a school plan that
names both its district's plan and the city's reaches the city plan by two paths and a
delta would count it twice. The ancestors' plan rows are locked first (PostgreSQL), so
two links made at once under the same city plan recount one after the other and the
second sees the first.

As workflow/cascade_tallies.py does, a session flush event finds the changes, whichever
service made them; `planwork counters rebuild [--check]` recounts every plan.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import CascadeLinkedPlans, Plan, PlanLink, PlanStatus, Unit, db
from workflow.cascade_tallies import MAX_DEPTH, level_expr

Counts = dict[tuple[int, str], int]  # (plan, level) -> standing plans below it


def walk(connection: sa.Connection, roots: list[int] | None) -> Counts:
    """Standing lower plans by (root plan, level), every depth up to MAX_DEPTH, each plan
    once per root: for the given roots, or for every plan with lower plans (None)."""
    start = sa.select(
        PlanLink.higher_plan_id.label("root"),
        PlanLink.lower_plan_id.label("plan_id"),
        sa.literal(1).label("depth"),
    )
    if roots is not None:
        start = start.where(PlanLink.higher_plan_id.in_(roots))
    chain = start.cte("linked_chain", recursive=True)
    link = aliased(PlanLink)
    chain = chain.union_all(
        sa.select(chain.c.root, link.lower_plan_id, chain.c.depth + 1)
        .join(link, link.higher_plan_id == chain.c.plan_id)
        .where(chain.c.depth < MAX_DEPTH)
    )
    reached = sa.select(chain.c.root, chain.c.plan_id).distinct().subquery()
    level = level_expr(Unit.kind)
    rows = connection.execute(
        sa.select(reached.c.root, level, sa.func.count())
        .join(Plan, Plan.id == reached.c.plan_id)
        .join(Unit, Unit.id == Plan.tracking_unit_id)
        .where(Plan.status != PlanStatus.WITHDRAWN, reached.c.plan_id != reached.c.root)
        .group_by(reached.c.root, level)
    )
    return {(root, lvl): int(n) for root, lvl, n in rows if n}


def ancestors(connection: sa.Connection, plan_ids: set[int]) -> set[int]:
    """The plans the given ones carry out, at any depth (not themselves unless in a loop)."""
    found: set[int] = set()
    frontier = set(plan_ids)
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        higher = set(
            connection.execute(
                sa.select(PlanLink.higher_plan_id).where(PlanLink.lower_plan_id.in_(frontier))
            ).scalars()
        )
        frontier = higher - found
        found |= higher
    return found


def recount(connection: sa.Connection, plan_ids: set[int]) -> None:
    """Replace the kept rows of the given plans with a walk from each."""
    if not plan_ids:
        return
    ordered = sorted(plan_ids)
    # Row locks in id order: concurrent recounts of the same ancestors queue, never deadlock.
    connection.execute(sa.select(Plan.id).where(Plan.id.in_(ordered)).with_for_update())
    counts = walk(connection, ordered)
    connection.execute(sa.delete(CascadeLinkedPlans).where(CascadeLinkedPlans.plan_id.in_(ordered)))
    rows = [{"plan_id": p, "level": lvl, "plans": n} for (p, lvl), n in sorted(counts.items())]
    if rows:
        connection.execute(sa.insert(CascadeLinkedPlans), rows)


def _changed_plans(session: Session) -> set[int]:
    """Plans whose ancestors' counts this flush may change."""
    plans: set[int] = set()
    units: set[int] = set()
    for o in (*session.new, *session.dirty, *session.deleted):
        if isinstance(o, PlanLink):
            history = sa.inspect(o).attrs.lower_plan_id.history
            plans.update(i for i in (o.lower_plan_id, *history.deleted) if i)
        elif isinstance(o, Plan) and o.id is not None:
            attrs = sa.inspect(o).attrs
            if attrs.tracking_unit_id.history.has_changes() or attrs.status.history.has_changes():
                plans.add(o.id)
        elif isinstance(o, Unit) and o.id is not None:
            if sa.inspect(o).attrs.kind.history.has_changes():
                units.add(o.id)
    if units:
        connection = session.connection()
        plans |= set(
            connection.execute(sa.select(Plan.id).where(Plan.tracking_unit_id.in_(units))).scalars()
        )
    return plans


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    # After the flush the new links have their ids and the walk sees them; the session's
    # new/dirty/deleted lists and attribute histories still describe what was flushed.
    changed = _changed_plans(session)
    if not changed:
        return
    connection = session.connection()
    recount(connection, ancestors(connection, changed))


def kept() -> Counts:
    """Every kept row, for `differences`."""
    k = CascadeLinkedPlans
    return {
        (plan, level): int(n)
        for plan, level, n in db.session.execute(sa.select(k.plan_id, k.level, k.plans))
        if n
    }


def differences() -> dict[tuple, tuple[int, int]]:
    """("linked", plan, level) -> (kept, recounted) where they differ."""
    kept_counts = kept()
    counted = walk(db.session.connection(), None)
    return {
        ("linked", *key): (kept_counts.get(key, 0), counted.get(key, 0))
        for key in set(kept_counts) | set(counted)
        if kept_counts.get(key, 0) != counted.get(key, 0)
    }


def rebuild() -> int:
    """Replace every kept row with a full walk (in the caller's transaction)."""
    connection = db.session.connection()
    connection.execute(sa.delete(CascadeLinkedPlans))
    rows = [
        {"plan_id": p, "level": lvl, "plans": n}
        for (p, lvl), n in sorted(walk(connection, None).items())
    ]
    if rows:
        connection.execute(sa.insert(CascadeLinkedPlans), rows)
    return len(rows)
