"""The roll-up of a higher plan down the cascade: per item, the lower plans and tasks that
carry it out, level by level (city → district offices → schools), with the QĐ 42/2014
counts of reports/progress.py at each level.

Constant statements and a cost independent of the number of lower tasks: the figures are
kept per (item, level, state, late, due date) and per (item, lower plan) in the same flush
as each change (workflow/cascade_tallies.py), so a page sums O(items x levels x due dates)
kept rows and its items' lower plans, never the ~100,000 tasks below. A lower item counts
through the tasks that carry its work: itself, or its sub-tasks when it was fanned out (as
the dashboard counts them). "Overdue" is decided here, against today, over the kept due
dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from models import (
    CascadeLevelPlans,
    CascadePlanTally,
    CascadeTally,
    ItemLink,
    ItemLinkStatus,
    Plan,
    PlanLink,
    PlanStatus,
    Task,
    TaskState,
    Unit,
    UnitKind,
    db,
)
from reports.progress import BUCKETS, Page, Tally
from reports.tallies import bucket_case
from workflow import clock
from workflow.cascade_tallies import level_expr

LEVELS: tuple[str, ...] = ("city", "district", "school")
LEVEL_LABELS = {"city": "Sở GD&ĐT", "district": "Phòng GD&ĐT", "school": "Trường"}
# How the "14/22" line names the units of a level.
LEVEL_UNITS = {"city": "đơn vị thuộc Sở", "district": "quận, huyện", "school": "trường"}
# A cascade deeper than this is a loop in the links, not city → district → school.
MAX_DEPTH = 6
PLANS_SHOWN = 10
ITEMS_PER_PAGE = 20
CONFIRMED = ItemLinkStatus.CONFIRMED


def level_kinds(level: str | None) -> list[UnitKind] | None:
    """The unit kinds of a level ("district" → district offices); None for every level."""
    if level == "district":
        return [UnitKind.DISTRICT_OFFICE]
    if level == "school":
        return [UnitKind.SCHOOL]
    if level == "city":
        return [k for k in UnitKind if k not in (UnitKind.DISTRICT_OFFICE, UnitKind.SCHOOL)]
    return None


@dataclass
class LowerPlan:
    id: int
    label: str
    unit: str
    done: int
    counted: int


@dataclass
class LevelRollup:
    """One level under one item: its plans (how many finished) and its tasks' tally."""

    level: str
    plans: int = 0
    plans_done: int = 0
    tally: Tally = field(default_factory=Tally)

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def units_label(self) -> str:
        return LEVEL_UNITS[self.level]


@dataclass
class ItemRollup:
    id: int
    number: str
    title: str
    state: TaskState
    levels: list[LevelRollup]
    plans: list[LowerPlan]  # the first PLANS_SHOWN plans one level down
    more_plans: int = 0


@dataclass
class Rollup:
    plan_id: int
    page: Page  # of ItemRollup
    linked: dict[str, int]  # lower plans linked (any depth) by level

    @property
    def any_linked(self) -> bool:
        return any(self.linked.values())


def _first_level(root_ids: list[int]) -> sa.Subquery:
    """Each (root item, lower plan one level down) from the kept rows: tasks counted, done,
    its unit and label (a few dozen rows per item: the district plans of a city item)."""
    k = CascadePlanTally
    per_plan = (
        sa.select(
            k.root_task_id.label("root"),
            k.lower_plan_id.label("plan_id"),
            sa.func.sum(k.counted).label("counted"),
            sa.func.sum(k.done).label("done"),
        )
        .where(k.root_task_id.in_(root_ids), k.depth == 1)
        .group_by(k.root_task_id, k.lower_plan_id)
        .having(sa.func.sum(k.leaves) > 0)
        .subquery("per_plan")
    )
    return (
        sa.select(
            per_plan,
            Unit.name.label("unit_name"),
            sa.func.coalesce(Plan.number, Plan.title).label("label"),
        )
        .join(Plan, Plan.id == per_plan.c.plan_id)
        .join(Unit, Unit.id == Plan.tracking_unit_id)
        .subquery("first_level")
    )


def linked_plan_counts(plan_id: int) -> dict[str, int]:
    """How many standing plans carry out the plan, at any depth, by level (one statement)."""
    chain = (
        sa.select(PlanLink.lower_plan_id.label("plan_id"), sa.literal(1).label("depth"))
        .where(PlanLink.higher_plan_id == plan_id)
        .cte("plan_chain", recursive=True)
    )
    link = aliased(PlanLink)
    chain = chain.union_all(
        sa.select(link.lower_plan_id, chain.c.depth + 1)
        .join(link, link.higher_plan_id == chain.c.plan_id)
        .where(chain.c.depth < MAX_DEPTH)
    )
    level = level_expr(Unit.kind)
    # A semi-join (IN) counts each plan once without sorting the walk for DISTINCT.
    rows = db.session.execute(
        sa.select(level, sa.func.count())
        .select_from(Plan)
        .join(Unit, Unit.id == Plan.tracking_unit_id)
        .where(Plan.id.in_(sa.select(chain.c.plan_id)), Plan.status != PlanStatus.WITHDRAWN)
        .group_by(level)
    ).all()
    counts = dict.fromkeys(LEVELS, 0)
    counts.update({lvl: int(n) for lvl, n in rows})
    return counts


def rollup(plan_id: int, page: int = 1, per_page: int = ITEMS_PER_PAGE) -> Rollup:
    """The roll-up of one page of the plan's top-level items (six statements)."""
    today = clock.today()
    items_query = (
        sa.select(Task.id, Task.number, Task.title, Task.state)
        .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
        .order_by(Task.position, Task.id)
    )
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(items_query.subquery())
    ).scalar_one()
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = db.session.execute(items_query.limit(per_page).offset((page - 1) * per_page)).all()
    root_ids = [row.id for row in items]
    by_item: dict[int, dict[str, LevelRollup]] = {
        i: {lvl: LevelRollup(lvl) for lvl in LEVELS} for i in root_ids
    }
    plans: dict[int, list[LowerPlan]] = {i: [] for i in root_ids}
    more: dict[int, int] = dict.fromkeys(root_ids, 0)
    if root_ids:
        k = CascadeTally
        bucket = bucket_case(k.state, k.reported_late, k.due_on, today)
        for root, level, state, group, n in db.session.execute(
            sa.select(k.root_task_id, k.level, k.state, bucket, sa.func.sum(k.n))
            .where(k.root_task_id.in_(root_ids))
            .group_by(k.root_task_id, k.level, k.state, bucket)
        ).all():
            if n:
                by_item[root][level].tally.add(str(state), group, int(n))
        levels = CascadeLevelPlans
        for root, level, n, n_done in db.session.execute(
            sa.select(
                levels.root_task_id,
                levels.level,
                sa.func.sum(levels.plans),
                sa.func.sum(levels.plans_done),
            )
            .where(levels.root_task_id.in_(root_ids))
            .group_by(levels.root_task_id, levels.level)
        ).all():
            by_item[root][level].plans = int(n or 0)
            by_item[root][level].plans_done = int(n_done or 0)
        first = _first_level(root_ids)
        ranked = sa.select(
            first,
            sa.func.row_number()
            .over(partition_by=first.c.root, order_by=(first.c.unit_name, first.c.plan_id))
            .label("rank"),
            sa.func.count().over(partition_by=first.c.root).label("siblings"),
        ).subquery("ranked")
        for row in db.session.execute(
            sa.select(ranked)
            .where(ranked.c.rank <= PLANS_SHOWN)
            .order_by(ranked.c.root, ranked.c.rank)
        ).mappings():
            plans[row["root"]].append(
                LowerPlan(
                    row["plan_id"],
                    row["label"] or "",
                    row["unit_name"] or "",
                    int(row["done"] or 0),
                    int(row["counted"] or 0),
                )
            )
            more[row["root"]] = max(0, int(row["siblings"]) - PLANS_SHOWN)
    rows = [
        ItemRollup(
            row.id,
            row.number,
            row.title,
            row.state,
            [lvl for lvl in by_item[row.id].values() if lvl.plans or lvl.tally.counted],
            plans[row.id],
            more[row.id],
        )
        for row in items
    ]
    return Rollup(plan_id, Page(rows, total, page, per_page), linked_plan_counts(plan_id))


def as_json(data: Rollup) -> dict[str, Any]:
    """The roll-up as plain values (the API's schema, web/api/cascade.py)."""
    return {
        "plan_id": data.plan_id,
        "page": data.page.page,
        "pages": data.page.pages,
        "total_items": data.page.total,
        "linked_plans": data.linked,
        "items": [
            {
                "id": item.id,
                "number": item.number,
                "title": item.title,
                "state": item.state.value if hasattr(item.state, "value") else str(item.state),
                "levels": [
                    {
                        "level": lvl.level,
                        "plans": lvl.plans,
                        "plans_done": lvl.plans_done,
                        "tasks": lvl.tally.counted,
                        "buckets": {b: lvl.tally.buckets[b] for b in BUCKETS},
                    }
                    for lvl in item.levels
                ],
                "lower_plans": [
                    {
                        "id": p.id,
                        "label": p.label,
                        "unit": p.unit,
                        "done": p.done,
                        "counted": p.counted,
                    }
                    for p in item.plans
                ],
            }
            for item in data.page.items
        ],
    }


@dataclass
class LinkView:
    """The plan's place in the cascade: the plans it carries out, and the item links
    proposed or made (what the lower plan's coordinator confirms or rejects)."""

    higher: list[tuple[int, str, str]]  # (plan id, label, how linked)
    lower_count: int
    proposals: list[ItemLink]
    confirmed: list[ItemLink]


def link_view(plan_id: int) -> LinkView:
    """Four statements: the higher plans, how many lower ones, the plan's item links with
    their items."""
    from sqlalchemy.orm import selectinload

    higher = [
        (pid, number or title[:60], method.value if hasattr(method, "value") else str(method))
        for pid, number, title, method in db.session.execute(
            sa.select(Plan.id, Plan.number, Plan.title, PlanLink.method)
            .join(PlanLink, PlanLink.higher_plan_id == Plan.id)
            .where(PlanLink.lower_plan_id == plan_id)
            .order_by(Plan.id)
        ).all()
    ]
    lower_count = db.session.execute(
        sa.select(sa.func.count()).where(PlanLink.higher_plan_id == plan_id)
    ).scalar_one()
    links = list(
        db.session.execute(
            sa.select(ItemLink)
            .where(
                ItemLink.lower_plan_id == plan_id,
                ItemLink.status != ItemLinkStatus.REJECTED,
            )
            .order_by(ItemLink.id)
            .options(selectinload(ItemLink.lower_task), selectinload(ItemLink.higher_task))
        ).scalars()
    )
    return LinkView(
        higher,
        int(lower_count),
        [lk for lk in links if lk.status == ItemLinkStatus.PROPOSED],
        [lk for lk in links if lk.status == ItemLinkStatus.CONFIRMED],
    )
