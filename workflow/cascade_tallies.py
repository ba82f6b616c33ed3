"""Keep the cascade roll-up's figures (models.cascade CascadeTally, CascadePlanTally) in
the same flush as each change, so the roll-up page sums a few kept rows per item instead
of walking ~100,000 lower tasks (issue 15).

The mechanism is workflow/kept_rows.py's (shared with counters.py): flush events see
every writer (transitions, due changes, link confirm/reject/unlink, plans made from the
cascade, task creation and cancellation, plan withdrawal) without any of them calling
this module.
Before a flush that touches tasks, item links, a plan's tracking unit or status, or a
unit's kind, the affected lower tasks' memberships (which higher items they carry out, at
which depth, in which plan and level) and keys are read; after the flush, read again; the
difference moves the kept rows, one UPDATE or INSERT per changed key, in the same
transaction.

A task counts under an item as reports/cascade.py always counted it: a linked item with
no sub-tasks counts itself, a fanned-out one counts its sub-tasks; the item's higher items
are found through confirmed item links, up to MAX_DEPTH; each task counts once per higher
item (at its shortest depth); tasks of withdrawn plans do not count.

workflow/cascade_recount.py gives the same figures by a full count, for `rebuild` and
`differences` (`planwork counters rebuild --check`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import (
    CascadeLevelPlans,
    CascadePlanTally,
    CascadeTally,
    ItemLink,
    ItemLinkStatus,
    Plan,
    PlanStatus,
    Task,
    TaskState,
    Unit,
    UnitKind,
)
from workflow import cascade_plan_counts
from workflow.kept_rows import add_to_kept_rows, keep_on_flush

MAX_DEPTH = 6
CONFIRMED = ItemLinkStatus.CONFIRMED
Key = tuple[str, bool, date | None]  # state, reported_late, due_on
Member = tuple[int, int, str, int]  # root item, lower plan, level, depth
Snapshot = dict[int, tuple[Key, list[Member]]]
TALLY_NAMES = ("root_task_id", "level", "state", "reported_late", "due_on")
PLAN_NAMES = ("root_task_id", "lower_plan_id", "level", "depth")


def level_expr(kind: Any) -> sa.Case:
    """The level of a unit kind as SQL: district offices, schools, the rest at city level."""
    return sa.case(
        (kind == UnitKind.DISTRICT_OFFICE, "district"),
        (kind == UnitKind.SCHOOL, "school"),
        else_="city",
    )


def _value(state: Any) -> str:
    return state.value if hasattr(state, "value") else str(state)


def _roots(connection: sa.Connection, items: set[int]) -> dict[int, dict[int, int]]:
    """For each item, its higher items through confirmed links -> shortest depth. One
    statement per level of the cascade walked (three for city → district → school)."""
    up: dict[int, set[int]] = {}
    frontier = set(items)
    for _ in range(MAX_DEPTH):
        frontier -= up.keys()
        if not frontier:
            break
        for i in frontier:
            up[i] = set()
        rows = connection.execute(
            sa.select(ItemLink.lower_task_id, ItemLink.higher_task_id).where(
                ItemLink.lower_task_id.in_(frontier), ItemLink.status == CONFIRMED
            )
        ).all()
        for lower, higher in rows:
            up[lower].add(higher)
        frontier = {higher for _, higher in rows}
    out: dict[int, dict[int, int]] = {}
    for item in items:
        depths: dict[int, int] = {}
        level = up.get(item, set())
        for depth in range(1, MAX_DEPTH + 1):
            if not level:
                break
            for root in level:
                depths.setdefault(root, depth)
            level = {h for i in level for h in up.get(i, ())}
        out[item] = depths
    return out


def _snapshot(connection: sa.Connection, ids: set[int]) -> Snapshot:
    """Each task's key and memberships now (tasks that carry out no higher item: none)."""
    if not ids:
        return {}
    sub = aliased(Task)
    has_subtasks = sa.exists().where(sub.parent_id == Task.id)
    rows = connection.execute(
        sa.select(
            Task.id,
            Task.state,
            Task.reported_late,
            Task.due_on,
            Task.parent_id,
            Task.plan_id,
            has_subtasks,
            level_expr(Unit.kind),
        )
        .join(Plan, Plan.id == Task.plan_id)
        .join(Unit, Unit.id == Plan.tracking_unit_id)
        .where(Task.id.in_(ids), Plan.status != PlanStatus.WITHDRAWN)
    ).all()
    carriers = {row[0]: ([] if row[6] else [row[0]]) + ([row[4]] if row[4] else []) for row in rows}
    roots = _roots(connection, {i for items in carriers.values() for i in items})
    out: Snapshot = {}
    for task_id, state, late, due_on, _parent, plan_id, _subs, level in rows:
        depths: dict[int, int] = {}
        for item in carriers[task_id]:
            for root, depth in roots.get(item, {}).items():
                depths[root] = min(depth, depths.get(root, depth))
        if depths:
            members = [(root, plan_id, level, d) for root, d in depths.items()]
            out[task_id] = ((_value(state), bool(late), due_on), members)
    return out


def _below(connection: sa.Connection, items: set[int]) -> set[int]:
    """The tasks whose memberships may go through these items: the items, the items
    linked below them (any status, at any depth), and all their sub-tasks."""
    seen = set(items)
    frontier = set(items)
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        frontier = (
            set(
                connection.execute(
                    sa.select(ItemLink.lower_task_id).where(ItemLink.higher_task_id.in_(frontier))
                ).scalars()
            )
            - seen
        )
        seen |= frontier
    children = connection.execute(sa.select(Task.id).where(Task.parent_id.in_(seen))).scalars()
    return seen | set(children)


def _affected(session: Session) -> set[int] | None:
    """Ids of persisted tasks whose figures this flush may change, None when none."""
    ids: set[int] = set()
    link_items: set[int] = set()
    plans: set[int] = set()
    units: set[int] = set()
    touched = False
    for o in (*session.new, *session.dirty, *session.deleted):
        if isinstance(o, Task):
            touched = True
            history = sa.inspect(o).attrs.parent_id.history
            ids.update(i for i in (o.id, *history.deleted, *history.unchanged, *history.added) if i)
            if o.parent is not None and o.parent.id is not None:
                ids.add(o.parent.id)
        elif isinstance(o, ItemLink):
            touched = True
            history = sa.inspect(o).attrs.lower_task_id.history
            link_items.update(i for i in (o.lower_task_id, *history.deleted) if i)
            if o.lower_task is not None and o.lower_task.id is not None:
                link_items.add(o.lower_task.id)
        elif isinstance(o, Plan) and o.id is not None:
            attrs = sa.inspect(o).attrs
            if attrs.tracking_unit_id.history.has_changes() or attrs.status.history.has_changes():
                touched = True
                plans.add(o.id)
        elif isinstance(o, Unit) and o.id is not None:
            if sa.inspect(o).attrs.kind.history.has_changes():
                touched = True
                units.add(o.id)
    if not touched:
        return None
    connection = session.connection()
    if units:
        plans |= set(
            connection.execute(sa.select(Plan.id).where(Plan.tracking_unit_id.in_(units))).scalars()
        )
    if plans:
        ids |= set(connection.execute(sa.select(Task.id).where(Task.plan_id.in_(plans))).scalars())
    if link_items:
        ids |= _below(connection, link_items)
    return ids


def _settle(connection: sa.Connection, ids: set[int], old: Snapshot, objects: list[Any]) -> None:
    """After the flush: read the memberships and keys again and move the kept rows."""
    new_items = set()
    for o in objects:
        if isinstance(o, Task):
            ids |= {i for i in (o.id, o.parent_id) if i}
        elif o.lower_task_id:
            new_items.add(o.lower_task_id)
    if new_items:
        ids |= _below(connection, new_items)
    new = _snapshot(connection, ids)
    tallies: Counter = Counter()
    plans: dict[tuple, list[int]] = {}
    for task_id in ids:
        for snapshot, sign in ((old.get(task_id), -1), (new.get(task_id), 1)):
            if snapshot is None:
                continue
            (state, late, due_on), members = snapshot
            for root, plan_id, level, depth in members:
                tallies[(root, level, state, late, due_on)] += sign
                row = plans.setdefault((root, plan_id, level, depth), [0, 0, 0])
                row[0] += sign
                row[1] += sign * (state != TaskState.CANCELLED.value)
                row[2] += sign * (state == TaskState.VERIFIED.value)
    apply(connection, CascadeTally, TALLY_NAMES, {k: (n,) for k, n in tallies.items()})
    plan_delta = {k: tuple(v) for k, v in plans.items()}
    cascade_plan_counts.move(connection, plan_delta, apply)
    apply(connection, CascadePlanTally, PLAN_NAMES, plan_delta)


_LISTENERS = keep_on_flush("cascade_tallies", _affected, _snapshot, (Task, ItemLink), _settle)


def _columns(model: Any) -> tuple[str, ...]:
    if model is CascadeLevelPlans:
        return ("plans", "plans_done")
    return ("n",) if model is CascadeTally else ("leaves", "counted", "done")


def apply(
    connection: sa.Connection, model: Any, names: tuple[str, ...], delta: dict[tuple, tuple]
) -> None:
    """Add each key's change to one of its rows, or start the row."""
    add_to_kept_rows(connection, model, names, _columns(model), delta)
