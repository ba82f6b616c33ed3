"""Keep the dashboard's tallies (models.counters) in the same flush as each change.

Flush events (workflow/kept_rows.py, shared with the cascade roll-up) see every writer
(transitions, reports, imports, hand edits, withdrawal, demo loading) without any of them
calling this module, as workflow/search.py does for search text. Before a flush that
touches tasks, their units, a group's members or a plan's tracking unit, the key each
affected task is counted under, and the units that may see it, are read from the
database; after the flush, read again; the difference moves the tallies (whole city, and
per viewing unit), one UPDATE or INSERT per changed key, inside the same transaction, so
a rollback takes the tallies back too.

`rebuild` recounts from the tasks (bench/city.py, repair); `differences` compares the
kept figures with a recount (`planwork counters rebuild --check`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import (
    Plan,
    Task,
    TaskTally,
    TaskUnit,
    TaskViewTally,
    UnitGroup,
    UnitRole,
    db,
    unit_group_members,
)
from workflow.kept_rows import add_to_kept_rows, keep_on_flush

Key = tuple[int, int | None, date | None, str, bool]
ViewKey = tuple[int, int, int | None, date | None, str, bool]
Snapshot = dict[int, tuple[Key, frozenset[int]]]
KEY_NAMES = ("plan_id", "lead_unit_id", "due_on", "state", "reported_late")


def _key_columns(entity: Any) -> list[Any]:
    return [getattr(entity, name) for name in KEY_NAMES]


def _as_key(row: Any) -> Key:
    state = row[3].value if hasattr(row[3], "value") else str(row[3])
    return (row[0], row[1], row[2], state, bool(row[4]))


def viewer_pairs(task_ids: list[int] | None = None) -> sa.CompoundSelect:
    """(task id, unit id) for each unit that may see a counted task (a leaf), by the rules
    of reports/visibility.py: the plan's tracking unit, the lead, the coordinating units
    of the task and of its parent, named directly or through a group. `task_ids` limits
    the tasks; None means all."""
    t = aliased(Task)
    tu = aliased(TaskUnit)
    members = unit_group_members
    coordinating = tu.role == UnitRole.COORDINATING

    def only(column: Any) -> list[Any]:
        return [] if task_ids is None else [column.in_(task_ids)]

    return sa.union(
        sa.select(t.id, Plan.tracking_unit_id).join(Plan, Plan.id == t.plan_id).where(*only(t.id)),
        sa.select(t.id, t.lead_unit_id).where(t.lead_unit_id.is_not(None), *only(t.id)),
        sa.select(tu.task_id, tu.unit_id).where(
            coordinating, tu.unit_id.is_not(None), *only(tu.task_id)
        ),
        sa.select(tu.task_id, members.c.unit_id)
        .join(members, members.c.group_id == tu.group_id)
        .where(coordinating, *only(tu.task_id)),
        sa.select(t.id, tu.unit_id)
        .join(tu, tu.task_id == t.parent_id)
        .where(coordinating, tu.unit_id.is_not(None), *only(t.id)),
        sa.select(t.id, members.c.unit_id)
        .join(tu, tu.task_id == t.parent_id)
        .join(members, members.c.group_id == tu.group_id)
        .where(coordinating, *only(t.id)),
    )


def _snapshot(connection: sa.Connection, ids: set[int]) -> Snapshot:
    """Each counted task's key and viewers now; tasks with sub-tasks do not count."""
    if not ids:
        return {}
    sub = aliased(Task)
    has_subtasks = sa.exists().where(sub.parent_id == Task.id)
    keys = {
        row[0]: _as_key(row[1:6])
        for row in connection.execute(
            sa.select(Task.id, *_key_columns(Task), has_subtasks).where(Task.id.in_(ids))
        )
        if not row[6]
    }
    viewers: dict[int, set[int]] = {i: set() for i in keys}
    if keys:
        for task_id, unit_id in connection.execute(viewer_pairs(list(keys))):
            if task_id in viewers and unit_id is not None:
                viewers[task_id].add(unit_id)
    return {i: (k, frozenset(viewers[i])) for i, k in keys.items()}


def _affected(session: Session) -> set[int] | None:
    """Ids of the persisted tasks whose key or viewers this flush may change (their rows
    as the database holds them now), or None when the flush touches nothing counted."""
    objects = (*session.new, *session.dirty, *session.deleted)
    ids: set[int] = set()
    touched = False
    parents_of_units: set[int] = set()
    groups: set[int] = set()
    plans: set[int] = set()
    for o in objects:
        if isinstance(o, Task):
            touched = True
            if o.id is not None:
                ids.add(o.id)
            ids |= _parents(o)
        elif isinstance(o, TaskUnit):
            touched = True
            # A task's units reach its sub-tasks too (they inherit coordinating units).
            for task_id in (o.task_id, *sa.inspect(o).attrs.task_id.history.deleted):
                if task_id:
                    parents_of_units.add(task_id)
            if o.task is not None and o.task.id is not None:
                parents_of_units.add(o.task.id)
        elif isinstance(o, UnitGroup) and o.id is not None:
            touched = True
            groups.add(o.id)
        elif isinstance(o, Plan) and o.id is not None:
            if sa.inspect(o).attrs.tracking_unit_id.history.has_changes():
                touched = True
                plans.add(o.id)
    if not touched:
        return None
    connection = session.connection()
    if groups:
        parents_of_units |= set(
            connection.execute(
                sa.select(TaskUnit.task_id).where(TaskUnit.group_id.in_(groups))
            ).scalars()
        )
    if parents_of_units:
        ids |= parents_of_units
        ids |= set(
            connection.execute(
                sa.select(Task.id).where(Task.parent_id.in_(parents_of_units))
            ).scalars()
        )
    if plans:
        ids |= set(connection.execute(sa.select(Task.id).where(Task.plan_id.in_(plans))).scalars())
    return ids


def _parents(task: Task) -> set[int]:
    """The parent before and after this flush: a sub-task coming or going changes
    whether its parent counts."""
    ids: set[int] = set()
    history = sa.inspect(task).attrs.parent_id.history
    ids.update(i for i in (*history.deleted, *history.unchanged, *history.added) if i)
    if task.parent is not None and task.parent.id is not None:
        ids.add(task.parent.id)
    return ids


def _settle(connection: sa.Connection, ids: set[int], old: Snapshot, objects: list[Any]) -> None:
    """After the flush: read the tasks' keys again and move the tallies by the change."""
    for o in objects:
        if isinstance(o, Task):
            ids |= {i for i in (o.id, o.parent_id) if i}
        elif o.task_id:
            ids.add(o.task_id)
    new = _snapshot(connection, ids)
    whole: Counter[Key] = Counter()
    per_unit: Counter[ViewKey] = Counter()
    for task_id in ids:
        for snapshot, sign in ((old.get(task_id), -1), (new.get(task_id), 1)):
            if snapshot is None:
                continue
            key, viewers = snapshot
            whole[key] += sign
            for unit_id in viewers:
                per_unit[(unit_id, *key)] += sign
    apply(connection, TaskTally, whole)
    apply(connection, TaskViewTally, per_unit)


_LISTENERS = keep_on_flush("task_tallies", _affected, _snapshot, (Task, TaskUnit), _settle)


def apply(connection: sa.Connection, model: Any, delta: Counter) -> None:
    """Add each key's change to one of its rows, or start the row."""
    names = ("viewer_unit_id", *KEY_NAMES) if model is TaskViewTally else KEY_NAMES
    add_to_kept_rows(connection, model, names, ("n",), {k: (n,) for k, n in delta.items()})


def _leaf() -> sa.ColumnElement[bool]:
    sub = aliased(Task)
    return ~sa.exists().where(sub.parent_id == Task.id)


def recount() -> sa.Select:
    """The whole-city tallies as a full count over the tasks would give them."""
    return (
        sa.select(*_key_columns(Task), sa.func.count()).where(_leaf()).group_by(*_key_columns(Task))
    )


def recount_by_viewer() -> sa.Select:
    """The per-unit tallies as a full count would give them."""
    pairs = viewer_pairs().subquery()
    viewer = pairs.c[1]
    return (
        sa.select(viewer, *_key_columns(Task), sa.func.count())
        .join(Task, Task.id == pairs.c[0])
        .where(_leaf(), viewer.is_not(None))
        .group_by(viewer, *_key_columns(Task))
    )


def _kept(model: Any, width: int) -> Counter:
    names = ("viewer_unit_id", *KEY_NAMES) if model is TaskViewTally else KEY_NAMES
    columns = [getattr(model, n) for n in names]
    kept: Counter = Counter()
    for row in db.session.execute(sa.select(*columns, sa.func.sum(model.n)).group_by(*columns)):
        kept[_full_key(row[:width])] += int(row[width])
    return kept


def _full_key(row: Any) -> tuple:
    if len(row) == 6:
        return (row[0], *_as_key(row[1:6]))
    return _as_key(row)


def differences() -> dict[tuple, tuple[int, int]]:
    """Keys whose kept figure differs from a recount: key -> (kept, recounted); per-unit
    keys start with the viewing unit's id."""
    out: dict[tuple, tuple[int, int]] = {}
    for model, query, width in (
        (TaskTally, recount(), 5),
        (TaskViewTally, recount_by_viewer(), 6),
    ):
        kept = _kept(model, width)
        counted = {_full_key(row[:width]): int(row[width]) for row in db.session.execute(query)}
        for key in {k for k, n in kept.items() if n} | set(counted):
            if kept.get(key, 0) != counted.get(key, 0):
                out[key] = (kept.get(key, 0), counted.get(key, 0))
    return out


def rebuild() -> int:
    """Replace the tallies with a recount (inside the caller's transaction); returns rows."""
    total = 0
    for model, query, width in (
        (TaskTally, recount(), 5),
        (TaskViewTally, recount_by_viewer(), 6),
    ):
        names = ("viewer_unit_id", *KEY_NAMES) if model is TaskViewTally else KEY_NAMES
        db.session.execute(sa.delete(model))
        rows = [
            {**dict(zip(names, _full_key(row[:width]), strict=True)), "n": int(row[width])}
            for row in db.session.execute(query)
        ]
        if rows:
            db.session.execute(sa.insert(model), rows)
        total += len(rows)
    return total
