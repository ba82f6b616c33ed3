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

from models import (
    CascadeLevelPlans,
    CascadeLinkedPlans,
    CascadePlanTally,
    CascadeTally,
    ItemLink,
    ItemLinkStatus,
    Plan,
    PlanLink,
    Task,
    TaskState,
    Unit,
    UnitKind,
    db,
)
from reports.progress import BUCKETS, Page, Tally
from reports.tallies import bucket_case
from workflow import clock

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


# The statements are built once: building a select of windows and subqueries cost more
# Python than PostgreSQL spent answering it (issue 15's 50 ms). The page's item ids and
# today's date are bound at execution.
_ROOTS = sa.bindparam("roots", expanding=True)
_TODAY = sa.bindparam("today", type_=sa.Date)


def _tallies_statement() -> sa.Select:
    k = CascadeTally
    bucket = bucket_case(k.state, k.reported_late, k.due_on, _TODAY)  # type: ignore[arg-type]
    return (
        sa.select(k.root_task_id, k.level, k.state, bucket, sa.func.sum(k.n))
        .where(k.root_task_id.in_(_ROOTS))
        .group_by(k.root_task_id, k.level, k.state, bucket)
    )


def _levels_statement() -> sa.Select:
    k = CascadeLevelPlans
    return (
        sa.select(k.root_task_id, k.level, sa.func.sum(k.plans), sa.func.sum(k.plans_done))
        .where(k.root_task_id.in_(_ROOTS))
        .group_by(k.root_task_id, k.level)
    )


def _first_plans_statement() -> sa.Select:
    """Each root item's first PLANS_SHOWN lower plans one level down (by unit name) from
    the kept rows, with how many there are: a few dozen rows per item."""
    k = CascadePlanTally
    per_plan = (
        sa.select(
            k.root_task_id.label("root"),
            k.lower_plan_id.label("plan_id"),
            sa.func.sum(k.counted).label("counted"),
            sa.func.sum(k.done).label("done"),
        )
        .where(k.root_task_id.in_(_ROOTS), k.depth == 1)
        .group_by(k.root_task_id, k.lower_plan_id)
        .having(sa.func.sum(k.leaves) > 0)
        .subquery("per_plan")
    )
    # Names by a lookup per kept row (correlated, so by primary key): PostgreSQL cannot
    # tell that a city item has 22 district plans at depth 1 and a district item 90
    # schools', estimates thousands of rows and would hash all plans and units instead.
    unit_name = (
        sa.select(Unit.name)
        .join(Plan, Plan.tracking_unit_id == Unit.id)
        .where(Plan.id == per_plan.c.plan_id)
        .scalar_subquery()
    )
    label = (
        sa.select(sa.func.coalesce(Plan.number, Plan.title))
        .where(Plan.id == per_plan.c.plan_id)
        .scalar_subquery()
    )
    first = sa.select(per_plan, unit_name.label("unit_name"), label.label("label")).subquery(
        "first_level"
    )
    ranked = sa.select(
        first,
        sa.func.row_number()
        .over(partition_by=first.c.root, order_by=(first.c.unit_name, first.c.plan_id))
        .label("rank"),
        sa.func.count().over(partition_by=first.c.root).label("siblings"),
    ).subquery("ranked")
    return (
        sa.select(ranked).where(ranked.c.rank <= PLANS_SHOWN).order_by(ranked.c.root, ranked.c.rank)
    )


def _items_statement() -> sa.Select:
    # The count rides along as a window: one statement for the page and the total.
    return (
        sa.select(
            Task.id, Task.number, Task.title, Task.state, sa.func.count().over().label("total")
        )
        .where(Task.plan_id == sa.bindparam("plan_id"), Task.parent_id.is_(None))
        .order_by(Task.position, Task.id)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


def _linked_statement() -> sa.Select:
    k = CascadeLinkedPlans
    return sa.select(k.level, k.plans).where(k.plan_id == sa.bindparam("plan_id"))


TALLIES = _tallies_statement()
LEVEL_PLANS = _levels_statement()
FIRST_PLANS = _first_plans_statement()
ITEMS = _items_statement()
LINKED = _linked_statement()


def linked_plan_counts(plan_id: int) -> dict[str, int]:
    """How many standing plans carry out the plan, at any depth, by level: the kept rows
    of workflow/cascade_linked.py (one statement, at most three rows)."""
    counts = dict.fromkeys(LEVELS, 0)
    for level, n in db.session.execute(LINKED, {"plan_id": plan_id}):
        counts[level] = int(n)
    return counts


def _items_page(plan_id: int, page: int, per_page: int) -> tuple[list[Any], int, int]:
    """One page of the plan's top-level items and how many there are: one statement, a
    second only when the page asked is past the end."""
    page = max(1, page)
    items = db.session.execute(
        ITEMS, {"plan_id": plan_id, "limit": per_page, "offset": (page - 1) * per_page}
    ).all()
    if items:
        return items, int(items[0].total), page
    total = db.session.execute(
        sa.select(sa.func.count()).where(Task.plan_id == plan_id, Task.parent_id.is_(None))
    ).scalar_one()
    if not total or page == 1:
        return [], total, 1
    return _items_page(plan_id, -(-total // per_page), per_page)


def rollup(plan_id: int, page: int = 1, per_page: int = ITEMS_PER_PAGE) -> Rollup:
    """The roll-up of one page of the plan's top-level items (five statements)."""
    today = clock.today()
    items, total, page = _items_page(plan_id, page, per_page)
    root_ids = [row.id for row in items]
    by_item: dict[int, dict[str, LevelRollup]] = {
        i: {lvl: LevelRollup(lvl) for lvl in LEVELS} for i in root_ids
    }
    plans: dict[int, list[LowerPlan]] = {i: [] for i in root_ids}
    more: dict[int, int] = dict.fromkeys(root_ids, 0)
    if root_ids:
        bound = {"roots": root_ids, "today": today}
        for root, level, state, group, n in db.session.execute(TALLIES, bound):
            if n:
                by_item[root][level].tally.add(str(state), group, int(n))
        for root, level, n, n_done in db.session.execute(LEVEL_PLANS, {"roots": root_ids}):
            by_item[root][level].plans = int(n or 0)
            by_item[root][level].plans_done = int(n_done or 0)
        for row in db.session.execute(FIRST_PLANS, {"roots": root_ids}).mappings():
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
    proposals: list[ItemLink]
    confirmed: list[ItemLink]


def link_view(plan_id: int) -> LinkView:
    """The higher plans, and the plan's item links with their items: one statement, three
    when the plan has item links."""
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
        [lk for lk in links if lk.status == ItemLinkStatus.PROPOSED],
        [lk for lk in links if lk.status == ItemLinkStatus.CONFIRMED],
    )
