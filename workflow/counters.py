"""Keep the dashboard's tallies (models.counters.TaskTally) in the same flush as each change.

Mapper-level flush events see every writer (transitions, reports, imports, hand edits,
withdrawal, demo loading) without any of them calling this module, as workflow/search.py
does for search text. Before a flush that touches tasks, the keys those tasks (and the
parents whose sub-tasks come or go) are counted under are read from the database; after
it, read again; the difference moves the tallies, one UPDATE (or INSERT) per changed key,
inside the same transaction, so a rollback takes the tallies back with the change.

`rebuild` recounts from the tasks (bench/city.py, repair); `differences` compares the
kept figures with a recount (`planwork counters rebuild --check`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import Task, TaskTally, db

Key = tuple[int, int | None, date | None, str, bool]
_PENDING = "task_tallies_pending"


def _key_columns(task: Any) -> list[Any]:
    return [task.plan_id, task.lead_unit_id, task.due_on, task.state, task.reported_late]


def _counted_keys(connection: sa.Connection, ids: set[int]) -> dict[int, Key | None]:
    """Each task's key now, or None when it does not count (it has sub-tasks)."""
    if not ids:
        return {}
    sub = aliased(Task)
    has_subtasks = sa.exists().where(sub.parent_id == Task.id)
    rows = connection.execute(
        sa.select(Task.id, *_key_columns(Task), has_subtasks).where(Task.id.in_(ids))
    ).all()
    return {
        row[0]: None if row[6] else (row[1], row[2], row[3], str(row[4].value), bool(row[5]))
        for row in rows
    }


def _parents(task: Task) -> set[int]:
    """The parent before and after this flush: a sub-task coming or going changes
    whether its parent counts."""
    ids: set[int] = set()
    state = sa.inspect(task)
    history = state.attrs.parent_id.history
    ids.update(i for i in (*history.deleted, *history.unchanged, *history.added) if i)
    if task.parent is not None and task.parent.id is not None:
        ids.add(task.parent.id)
    return ids


@sa.event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    tasks = [o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, Task)]
    if not tasks:
        return
    ids = {t.id for t in tasks if t.id is not None}
    for task in tasks:
        ids |= _parents(task)
    old = _counted_keys(session.connection(), ids)
    session.info.setdefault(_PENDING, []).append((old, tasks))


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    for old, tasks in pending:
        ids = set(old) | {t.id for t in tasks if t.id is not None}
        for task in tasks:
            if task.parent_id:
                ids.add(task.parent_id)
        new = _counted_keys(connection, ids)
        delta: Counter[Key] = Counter()
        for task_id in ids:
            if old.get(task_id) is not None:
                delta[old[task_id]] -= 1
            if new.get(task_id) is not None:
                delta[new[task_id]] += 1
        apply(connection, delta)


def _matches(key: Key) -> list[sa.ColumnElement[bool]]:
    plan_id, unit_id, due_on, state, late = key
    return [
        TaskTally.plan_id == plan_id,
        TaskTally.lead_unit_id.is_(None) if unit_id is None else TaskTally.lead_unit_id == unit_id,
        TaskTally.due_on.is_(None) if due_on is None else TaskTally.due_on == due_on,
        TaskTally.state == state,
        TaskTally.reported_late == bool(late),
    ]


def apply(connection: sa.Connection, delta: Counter[Key]) -> None:
    """Add each key's change to one of its rows, or start the row."""
    for key, change in sorted(delta.items(), key=repr):
        if change == 0:
            continue
        # One row per key gets the change, even if a race left two (readers sum them).
        first = sa.select(sa.func.min(TaskTally.id)).where(*_matches(key)).scalar_subquery()
        done = connection.execute(
            sa.update(TaskTally).where(TaskTally.id == first).values(n=TaskTally.n + change)
        )
        if done.rowcount == 0:
            plan_id, unit_id, due_on, state, late = key
            connection.execute(
                sa.insert(TaskTally).values(
                    plan_id=plan_id,
                    lead_unit_id=unit_id,
                    due_on=due_on,
                    state=state,
                    reported_late=late,
                    n=change,
                )
            )


def recount() -> sa.Select:
    """The tallies as a full count over the tasks would give them."""
    sub = aliased(Task)
    return (
        sa.select(*_key_columns(Task), sa.func.count())
        .where(~sa.exists().where(sub.parent_id == Task.id))
        .group_by(*_key_columns(Task))
    )


def _as_key(row: Any) -> Key:
    state = row[3].value if hasattr(row[3], "value") else str(row[3])
    return (row[0], row[1], row[2], state, bool(row[4]))


def differences() -> dict[Key, tuple[int, int]]:
    """Keys whose kept figure differs from a recount: key -> (kept, recounted)."""
    kept: Counter[Key] = Counter()
    for row in db.session.execute(
        sa.select(*_key_columns(TaskTally), sa.func.sum(TaskTally.n)).group_by(
            *_key_columns(TaskTally)
        )
    ):
        kept[_as_key(row)] += int(row[5])
    counted = {_as_key(row): int(row[5]) for row in db.session.execute(recount())}
    keys = {k for k, n in kept.items() if n} | set(counted)
    return {
        k: (kept.get(k, 0), counted.get(k, 0)) for k in keys if kept.get(k, 0) != counted.get(k, 0)
    }


def rebuild() -> int:
    """Replace the tallies with a recount (inside the caller's transaction); returns rows."""
    db.session.execute(sa.delete(TaskTally))
    rows = [
        {
            "plan_id": k[0],
            "lead_unit_id": k[1],
            "due_on": k[2],
            "state": k[3],
            "reported_late": k[4],
            "n": n,
        }
        for k, n in ((_as_key(row), int(row[5])) for row in db.session.execute(recount()))
    ]
    if rows:
        db.session.execute(sa.insert(TaskTally), rows)
    return len(rows)
