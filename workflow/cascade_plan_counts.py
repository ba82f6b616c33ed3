"""Keep, per (higher item, level), how many lower plans carry the item out and how many
have finished it (models.cascade.CascadeLevelPlans), from the per-plan figures that
workflow/cascade_tallies.py moves in the same flush.

"Finished" is not a sum (every counted task of the plan verified), so the per-plan sums
before the change are read (one statement for the plans the flush touches), the change
added, and each plan that starts or stops counting, or finishing, moves its level's row.
A plan counts under the item while it has any task carrying it out (cancelled included,
as the roll-up always showed it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import CascadeLevelPlans, CascadePlanTally

Sums = tuple[int, int, int]  # tasks, counted (not cancelled), verified
NAMES = ("root_task_id", "level")


def status(sums: Sums) -> tuple[int, int]:
    """(counts as a plan, has finished) for a plan's sums."""
    leaves, counted, done = sums
    return int(leaves > 0), int(leaves > 0 and counted > 0 and done == counted)


def by_level(plans: dict[tuple, Sums]) -> dict[tuple, tuple[int, int]]:
    """Plans and plans finished per (root, level) from per (root, plan, level, depth) sums."""
    pairs: dict[tuple, list[int]] = {}
    for (root, plan, level, _depth), sums in plans.items():
        row = pairs.setdefault((root, plan, level), [0, 0, 0])
        for i, n in enumerate(sums):
            row[i] += n
    out: dict[tuple, list[int]] = {}
    for (root, _plan, level), sums in pairs.items():
        counts, finished = status(tuple(sums))  # type: ignore[arg-type]
        row = out.setdefault((root, level), [0, 0])
        row[0] += counts
        row[1] += finished
    return {k: (v[0], v[1]) for k, v in out.items() if any(v)}


def move(connection: sa.Connection, delta: dict[tuple, tuple], apply: Any) -> None:
    """Before the per-plan delta is applied: move the level rows it changes."""
    pairs = {(k[0], k[1], k[2]) for k, v in delta.items() if any(v)}
    if not pairs:
        return
    k = CascadePlanTally
    before: dict[tuple, list[int]] = {p: [0, 0, 0] for p in pairs}
    for root, plan, level, *sums in connection.execute(
        sa.select(
            k.root_task_id, k.lower_plan_id, k.level, sa.func.sum(k.leaves), sa.func.sum(k.counted)
        )
        .add_columns(sa.func.sum(k.done))
        .where(sa.tuple_(k.root_task_id, k.lower_plan_id, k.level).in_(list(pairs)))
        .group_by(k.root_task_id, k.lower_plan_id, k.level)
    ):
        before[(root, plan, level)] = [int(n or 0) for n in sums]
    after = {p: list(v) for p, v in before.items()}
    for key, change in delta.items():
        row = after.get((key[0], key[1], key[2]))
        if row is not None:
            for i, n in enumerate(change):
                row[i] += n
    levels: dict[tuple, list[int]] = {}
    for pair in pairs:
        old, new = status(tuple(before[pair])), status(tuple(after[pair]))  # type: ignore[arg-type]
        row = levels.setdefault((pair[0], pair[2]), [0, 0])
        row[0] += new[0] - old[0]
        row[1] += new[1] - old[1]
    apply(connection, CascadeLevelPlans, NAMES, {k: tuple(v) for k, v in levels.items()})
