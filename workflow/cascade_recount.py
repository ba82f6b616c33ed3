"""The cascade roll-up's kept figures (workflow/cascade_tallies.py) by a full count: one
recursive walk of the confirmed item links, for `rebuild` (after a bulk load, or to
repair) and `differences` (`planwork counters rebuild --check`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import (
    CascadeLevelPlans,
    CascadePlanTally,
    CascadeTally,
    ItemLink,
    Plan,
    PlanStatus,
    Task,
    TaskState,
    Unit,
    db,
)
from workflow import cascade_linked, cascade_plan_counts
from workflow.cascade_tallies import (
    CONFIRMED,
    MAX_DEPTH,
    PLAN_NAMES,
    TALLY_NAMES,
    _columns,
    _value,
    level_expr,
)


def _recount_leaves() -> sa.Subquery:
    """(root item, leaf task, shortest depth, the leaf's key, plan and level) by a full
    walk of the confirmed links: the figures the kept rows must equal."""
    chain = (
        sa.select(
            ItemLink.higher_task_id.label("root"),
            ItemLink.lower_task_id.label("task_id"),
            sa.literal(1).label("depth"),
        )
        .where(ItemLink.status == CONFIRMED)
        .cte("cascade_recount", recursive=True)
    )
    link = aliased(ItemLink)
    chain = chain.union_all(
        sa.select(chain.c.root, link.lower_task_id, chain.c.depth + 1)
        .join(link, link.higher_task_id == chain.c.task_id)
        .where(link.status == CONFIRMED, chain.c.depth < MAX_DEPTH)
    )
    sub = aliased(Task)
    child = aliased(Task)
    own = (
        sa.select(chain.c.root, Task.id.label("leaf"), chain.c.depth)
        .join(Task, Task.id == chain.c.task_id)
        .where(~sa.exists().where(sub.parent_id == Task.id))
    )
    fanned = sa.select(chain.c.root, child.id, chain.c.depth).join(
        child, child.parent_id == chain.c.task_id
    )
    both = sa.union_all(own, fanned).subquery()
    shortest = (
        sa.select(both.c.root, both.c.leaf, sa.func.min(both.c.depth).label("depth"))
        .group_by(both.c.root, both.c.leaf)
        .subquery()
    )
    return (
        sa.select(
            shortest.c.root,
            shortest.c.depth,
            Task.state,
            Task.reported_late,
            Task.due_on,
            Task.plan_id,
            level_expr(Unit.kind).label("level"),
        )
        .join(Task, Task.id == shortest.c.leaf)
        .join(Plan, Plan.id == Task.plan_id)
        .join(Unit, Unit.id == Plan.tracking_unit_id)
        .where(Plan.status != PlanStatus.WITHDRAWN)
        .subquery()
    )


def _recounted() -> tuple[Counter, dict[tuple, tuple]]:
    leaves = _recount_leaves()
    tallies: Counter = Counter()
    cols = (leaves.c.root, leaves.c.level, leaves.c.state, leaves.c.reported_late, leaves.c.due_on)
    for *key, n in db.session.execute(sa.select(*cols, sa.func.count()).group_by(*cols)):
        tallies[(key[0], key[1], _value(key[2]), bool(key[3]), key[4])] += int(n)
    counted = sa.func.sum(sa.case((leaves.c.state != TaskState.CANCELLED, 1), else_=0))
    done = sa.func.sum(sa.case((leaves.c.state == TaskState.VERIFIED, 1), else_=0))
    cols = (leaves.c.root, leaves.c.plan_id, leaves.c.level, leaves.c.depth)
    plans = {
        tuple(row[:4]): (int(row[4]), int(row[5]), int(row[6]))
        for row in db.session.execute(
            sa.select(*cols, sa.func.count(), counted, done).group_by(*cols)
        )
    }
    return tallies, plans


def _kept() -> tuple[Counter, dict[tuple, tuple]]:
    tallies: Counter = Counter()
    cols = [getattr(CascadeTally, n) for n in TALLY_NAMES]
    for *key, n in db.session.execute(
        sa.select(*cols, sa.func.sum(CascadeTally.n)).group_by(*cols)
    ):
        if n:
            tallies[(key[0], key[1], key[2], bool(key[3]), key[4])] += int(n)
    cols = [getattr(CascadePlanTally, n) for n in PLAN_NAMES]
    sums = [sa.func.sum(getattr(CascadePlanTally, c)) for c in ("leaves", "counted", "done")]
    plans = {
        tuple(row[:4]): (int(row[4]), int(row[5]), int(row[6]))
        for row in db.session.execute(sa.select(*cols, *sums).group_by(*cols))
        if any(row[4:])
    }
    return tallies, plans


def differences() -> dict[tuple, tuple[Any, Any]]:
    """Keys whose kept figure differs from a full recount: key -> (kept, recounted); the
    per-plan keys start with "plan"."""
    kept_tallies, kept_plans = _kept()
    tallies, plans = _recounted()
    out: dict[tuple, tuple[Any, Any]] = {}
    for key in set(kept_tallies) | set(tallies):
        if kept_tallies.get(key, 0) != tallies.get(key, 0):
            out[key] = (kept_tallies.get(key, 0), tallies.get(key, 0))
    for key in set(kept_plans) | set(plans):
        if kept_plans.get(key, (0, 0, 0)) != plans.get(key, (0, 0, 0)):
            out[("plan", *key)] = (kept_plans.get(key, (0, 0, 0)), plans.get(key, (0, 0, 0)))
    kept_levels = _kept_levels()
    levels = cascade_plan_counts.by_level(plans)
    for key in set(kept_levels) | set(levels):
        if kept_levels.get(key, (0, 0)) != levels.get(key, (0, 0)):
            out[("level", *key)] = (kept_levels.get(key, (0, 0)), levels.get(key, (0, 0)))
    out.update(cascade_linked.differences())
    return out


def _kept_levels() -> dict[tuple, tuple[int, int]]:
    k = CascadeLevelPlans
    return {
        (root, level): (int(n), int(done))
        for root, level, n, done in db.session.execute(
            sa.select(
                k.root_task_id, k.level, sa.func.sum(k.plans), sa.func.sum(k.plans_done)
            ).group_by(k.root_task_id, k.level)
        )
        if n or done
    }


def rebuild() -> int:
    """Replace the kept roll-up rows with a recount (in the caller's transaction)."""
    tallies, plans = _recounted()
    db.session.execute(sa.delete(CascadeTally))
    db.session.execute(sa.delete(CascadePlanTally))
    db.session.execute(sa.delete(CascadeLevelPlans))
    levels = [
        {"root_task_id": k[0], "level": k[1], "plans": v[0], "plans_done": v[1]}
        for k, v in cascade_plan_counts.by_level(plans).items()
    ]
    if levels:
        db.session.execute(sa.insert(CascadeLevelPlans), levels)
    rows = [{**dict(zip(TALLY_NAMES, k, strict=True)), "n": n} for k, n in tallies.items() if n]
    if rows:
        db.session.execute(sa.insert(CascadeTally), rows)
    plan_rows = [
        {**dict(zip(PLAN_NAMES, k, strict=True)), **dict(zip(_columns(None), v, strict=True))}
        for k, v in plans.items()
    ]
    if plan_rows:
        db.session.execute(sa.insert(CascadePlanTally), plan_rows)
    return len(rows) + len(plan_rows) + cascade_linked.rebuild()
