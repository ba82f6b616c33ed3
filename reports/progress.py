"""Progress counts as the Government Office counts them (Quyết định 42/2014/QĐ-TTg).

Pure read functions with a fixed number of SQL statements: every figure comes from one
GROUP BY, never from a query per task, unit or plan. The dashboard, the filtered task list
behind each figure, reminders and year-end reports (issue 6) share `TaskFilter` and
`bucket_expr`, so a figure and the list it links to always agree.

The four groups ("buckets"), for the tasks that do the work (sub-tasks of a fanned-out
item, not their parent, so 22 district offices count as 22), cancelled ones left out:

- done_on_time  hoàn thành đúng hạn: verified, reported by the due date;
- done_late     hoàn thành quá hạn: verified, reported after the due date;
- open_in_time  chưa hoàn thành trong hạn: not verified, and the unit is not late: the due
  date is ahead, or the report went in on time and awaits verification;
- open_overdue  chưa hoàn thành quá hạn: not verified and late: due date passed without a
  report, or the report itself came late.

"Completed" means verified: a report is the unit's claim, the coordinator's verification
makes it done. But a report sent on time and still unverified after the deadline is not
the unit's delay, so it stays "within the deadline" rather than "overdue".
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from models import Plan, PlanStatus, Task, TaskState, TaskUnit, Unit, User, db
from reports import tallies, task_rows
from reports.visibility import (
    SEE_ALL_ROLES,
    coordinated_with_subtasks,
    visible_task_branches,
    visible_tasks,
)
from workflow import clock
from workflow.inputs import MAX_YEAR, MIN_YEAR, contains_pattern, parse_int
from workflow.inputs import parse_quarter as _parse_quarter
from workflow.text import fold

S = TaskState

BUCKETS: tuple[str, ...] = ("done_on_time", "done_late", "open_in_time", "open_overdue")
BUCKET_LABELS = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "open_in_time": "Chưa hoàn thành trong hạn",
    "open_overdue": "Chưa hoàn thành quá hạn",
    "cancelled": "Đã hủy",
}
OPEN_NOT_REPORTED = (S.ASSIGNED, S.IN_PROGRESS)
OPEN_STATES = (S.ASSIGNED, S.IN_PROGRESS, S.REPORTED)
DUE_SOON_DAYS = 14
LIST_LIMIT = 20


# --- quarters -------------------------------------------------------------------------


def quarter_of(day: date) -> str:
    """The quarter holding `day`, "2024-Q2"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parse_quarter(value: str | None) -> tuple[int, int] | None:
    """(year, quarter) from "2024-Q2", or None when the text is not a quarter (or its year
    is out of range: "0-Q1" and "99999-Q1" have no dates)."""
    return _parse_quarter(value)


# The ways people write a period, folded (no diacritics, lower case): "2024-Q2", "Q2/2024",
# "Quý II/2024", "quy 2 2024"; a whole year "2024", "Năm 2024", "Cả năm 2024".
_YEAR_QUARTER = re.compile(r"([0-9]{4})\s*-?\s*q\s*([1-4])")
_QUARTER_YEAR = re.compile(r"(?:quy|q)\s*(iv|i{1,3}|[1-4])\s*[/.\- ]\s*([0-9]{4})")
_YEAR = re.compile(r"(?:ca nam|nam)?\s*([0-9]{4})")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def parse_period(value: str | None) -> str | None:
    """A quarter ("2024-Q2") or a whole year ("2024") from what people type or the app
    shows ("Quý II/2024", "Q2/2024", "2024-q2", "Cả năm 2024"); None when it is neither
    (or its year is out of range)."""
    text = fold((value or "").strip())
    if not text or len(text) > 40:
        return None
    if match := _YEAR_QUARTER.fullmatch(text):
        year, quarter = int(match.group(1)), int(match.group(2))
    elif match := _QUARTER_YEAR.fullmatch(text):
        number = match.group(1)
        year, quarter = int(match.group(2)), _ROMAN.get(number) or int(number)
    elif match := _YEAR.fullmatch(text):
        year = int(match.group(1))
        return str(year) if MIN_YEAR <= year <= MAX_YEAR else None
    else:
        return None
    return f"{year}-Q{quarter}" if MIN_YEAR <= year <= MAX_YEAR else None


def quarter_bounds(value: str) -> tuple[date, date]:
    """First and last day of a quarter "2024-Q2" (or of a whole year "2024"); ValueError
    if it is neither."""
    if value and value.isdigit() and parse_period(value) == value:
        return date(int(value), 1, 1), date(int(value), 12, 31)
    parsed = parse_quarter(value)
    if parsed is None:
        raise ValueError(value)
    year, quarter = parsed
    last_month = quarter * 3
    return (
        date(year, last_month - 2, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def shift_quarter(value: str, step: int) -> str:
    """The quarter `step` quarters after (or before) `value` (for a whole year, the year
    `step` years after it)."""
    if value and value.isdigit() and parse_period(value) == value:
        return str(min(MAX_YEAR, max(MIN_YEAR, int(value) + step)))
    year, quarter = parse_quarter(value) or (clock.today().year, 1)
    index = year * 4 + quarter - 1 + step
    return f"{index // 4}-Q{index % 4 + 1}"


# --- filters --------------------------------------------------------------------------


def bucket_expr(today: date) -> sa.Case:
    """The QĐ 42 group of a task as a SQL expression (see the module docstring)."""
    return sa.case(
        (sa.and_(Task.state == S.VERIFIED, Task.reported_late.is_(True)), "done_late"),
        (Task.state == S.VERIFIED, "done_on_time"),
        (Task.state == S.CANCELLED, "cancelled"),
        (sa.and_(Task.state == S.REPORTED, Task.reported_late.is_(True)), "open_overdue"),
        (sa.and_(Task.state.in_(OPEN_NOT_REPORTED), Task.due_on < today), "open_overdue"),
        else_="open_in_time",
    )


def bucket_of(state: str, reported_late: bool, due_on: date | None, today: date) -> str:
    """The QĐ 42 group of a task held in memory (a past state rebuilt from the trail);
    the same rules as `bucket_expr`, case for case."""
    state = S(state)
    if state == S.VERIFIED:
        return "done_late" if reported_late else "done_on_time"
    if state == S.CANCELLED:
        return "cancelled"
    if state == S.REPORTED and reported_late:
        return "open_overdue"
    if state in OPEN_NOT_REPORTED and due_on is not None and due_on < today:
        return "open_overdue"
    return "open_in_time"


def is_leaf() -> sa.ColumnElement[bool]:
    """Tasks that carry the work: not a parent of fanned-out sub-tasks."""
    sub = aliased(Task)
    return ~sa.exists().where(sub.parent_id == Task.id)


@dataclass(frozen=True)
class TaskFilter:
    """What a task list shows; also the query string of the links behind figures."""

    quarter: str | None = None  # due in this quarter, "2024-Q2", or this year, "2024"
    plan_id: int | None = None
    unit_id: int | None = None  # lead unit ("none" for tasks whose lead is not resolved)
    no_unit: bool = False
    state: str | None = None
    bucket: str | None = None
    overdue: bool = False  # DESIGN's overdue: due passed, not reported/verified/cancelled
    due_soon: bool = False  # open and due within DUE_SOON_DAYS
    q: str | None = None  # search words, folded, all must match
    leaves: bool = False  # only the tasks that carry the work (what the counts count)
    no_due: bool = False  # open tasks without a due date ("chưa có hạn")

    @classmethod
    def from_args(cls, args: Any) -> TaskFilter:
        """Read a filter from request args, ignoring what does not parse."""

        def as_int(name: str) -> int | None:
            # ASCII digits within INTEGER only: "²" or a 20-digit id would fail in SQL.
            return parse_int(args.get(name, ""))

        state = args.get("state") or None
        bucket = args.get("bucket") or None
        return cls(
            quarter=parse_period(args.get("quarter")),
            plan_id=as_int("plan"),
            unit_id=as_int("unit"),
            no_unit=args.get("unit") == "none",
            state=state if state in {s.value for s in S} else None,
            bucket=bucket if bucket in BUCKET_LABELS else None,
            overdue=args.get("overdue") == "1",
            due_soon=args.get("due_soon") == "1",
            q=(args.get("q") or "").strip() or None,
            leaves=args.get("leaves") == "1",
            no_due=args.get("no_due") == "1",
        )

    def as_args(self, **overrides: Any) -> dict[str, Any]:
        """The query-string form, for links and for the export buttons."""
        me = replace(self, **overrides) if overrides else self
        args: dict[str, Any] = {
            "quarter": me.quarter,
            "plan": me.plan_id,
            "unit": "none" if me.no_unit else me.unit_id,
            "state": me.state,
            "bucket": me.bucket,
            "overdue": "1" if me.overdue else None,
            "due_soon": "1" if me.due_soon else None,
            "q": me.q,
            "leaves": "1" if me.leaves else None,
            "no_due": "1" if me.no_due else None,
        }
        return {k: v for k, v in args.items() if v is not None}

    def clauses(self, today: date) -> list[sa.ColumnElement[bool]]:
        """The WHERE clauses over `Task` this filter stands for."""
        where: list[sa.ColumnElement[bool]] = []
        if self.quarter:
            start, end = quarter_bounds(self.quarter)
            where.append(Task.due_on.between(start, end))
        if self.plan_id is not None:
            where.append(Task.plan_id == self.plan_id)
        if self.no_unit:
            where.append(Task.lead_unit_id.is_(None))
        elif self.unit_id is not None:
            where.append(Task.lead_unit_id == self.unit_id)
        if self.state:
            where.append(Task.state == S(self.state))
        if self.bucket:
            where.append(bucket_expr(today) == self.bucket)
        if self.overdue:
            where += [Task.state.in_(OPEN_NOT_REPORTED), Task.due_on < today]
        if self.due_soon:
            where += [
                Task.state.in_(OPEN_NOT_REPORTED),
                Task.due_on.between(today, today + timedelta(days=DUE_SOON_DAYS)),
            ]
        if self.q:
            where += search_clauses(Task.search_text, self.q)
        if self.leaves:
            where.append(is_leaf())
        if self.no_due:
            where += [Task.state.in_(OPEN_STATES), Task.due_on.is_(None), live_plan()]
        return where


def live_plan() -> sa.ColumnElement[bool]:
    """Tasks of plans that stand: a withdrawn import is history, not live work."""
    withdrawn = sa.select(Plan.id).where(Plan.status == PlanStatus.WITHDRAWN)
    return Task.plan_id.not_in(withdrawn)


def search_clauses(column: Any, text: str) -> list[sa.ColumnElement[bool]]:
    """Every folded word of `text` must occur in the folded column (accents ignored)."""
    # "%" and "_" are searched literally, not as LIKE wildcards.
    return [column.like(contains_pattern(word), escape="\\") for word in fold(text).split()]


# --- the task list behind a figure ----------------------------------------------------


@dataclass
class Page:
    """One page of a list and where it stands in the whole."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_options() -> list[Any]:
    """Eager loads for a task list row (plan, lead, units): a fixed number of statements."""
    return [
        selectinload(Task.plan),
        selectinload(Task.lead_unit),
        selectinload(Task.parent),
        selectinload(Task.units).selectinload(TaskUnit.unit),
        selectinload(Task.units).selectinload(TaskUnit.group),
    ]


def task_query(task_filter: TaskFilter, user: User, today: date | None = None) -> sa.Select:
    """The visible tasks matching the filter, in plan order."""
    today = today or clock.today()
    return (
        sa.select(Task)
        .where(visible_tasks(user), *task_filter.clauses(today))
        .order_by(*task_rows.deadline_order())
    )


def paginate_rows(
    query: sa.Select,
    page: int,
    per_page: int,
    options: list[Any] | None = None,
    build: Callable[[list[Any]], list[Any]] | None = None,
) -> Page:
    """One page and the total in one statement (the count a window over the same rows),
    plus the eager loads in `options`; a page past the end costs a count and the last page.
    The items are each row's first entity, or what `build` makes of the rows (Core lists,
    reports/task_rows.py)."""
    page = max(1, page)
    rows = db.session.execute(
        query.add_columns(sa.func.count().over())
        .options(*(options or []))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if rows:
        items = build(rows) if build is not None else [row[0] for row in rows]
        return Page(items, int(rows[0][-1]), page, per_page)
    total = 0
    if page > 1:
        total = db.session.execute(
            sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
        ).scalar_one()
    if not total:
        return Page([], 0, 1, per_page)
    return paginate_rows(query, -(-total // per_page), per_page, options, build)


def paginate(query: sa.Select, page: int, per_page: int) -> Page:
    """One page of a task query with the list's eager loads."""
    return paginate_rows(query, page, per_page, list_options())


def list_tasks(task_filter: TaskFilter, user: User, page: int = 1, per_page: int = 50) -> Page:
    """One page of the visible tasks matching the filter (search, the list behind a
    figure), as Core rows (reports/task_rows.py): the search of a district office spent
    half its time building ORM objects for fifty rows."""
    today = clock.today()
    query = task_rows.row_select(visible_tasks(user), *task_filter.clauses(today)).order_by(
        *task_rows.deadline_order()
    )
    result = paginate_rows(query, page, per_page, build=task_rows.to_rows)
    task_rows.complete(result.items)
    return result


def all_tasks(task_filter: TaskFilter, user: User) -> list[Task]:
    """Every visible task matching the filter (exports), with the list's eager loads."""
    return list(
        db.session.execute(task_query(task_filter, user).options(*list_options())).scalars()
    )


# --- the dashboard --------------------------------------------------------------------


@dataclass
class Tally:
    """Counts for one unit, one plan or the whole: by QĐ 42 group and by state."""

    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    states: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in S})

    def add(self, state: str, bucket: str, n: int) -> None:
        self.states[state] += n
        if bucket in self.buckets:
            self.buckets[bucket] += n

    @property
    def counted(self) -> int:
        """Tasks that count (cancelled left out)."""
        return sum(self.buckets.values())

    @property
    def done(self) -> int:
        return self.buckets["done_on_time"] + self.buckets["done_late"]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.counted) if self.counted else 0


@dataclass
class Row:
    """A unit or plan on the dashboard with its tally."""

    id: int | None
    label: str
    tally: Tally


@dataclass
class ListedTask:
    """A line of the overdue or due-soon list (plain values, one statement for all)."""

    id: int
    number: str
    title: str
    due_on: date | None
    state: TaskState
    plan_number: str | None
    unit_name: str | None


@dataclass
class Dashboard:
    quarter: str
    today: date
    total: Tally
    units: list[Row]
    plans: list[Row]
    overdue: list[ListedTask]
    due_soon: list[ListedTask]
    overdue_count: int
    due_soon_count: int
    # Open tasks with no due date: never in a quarter's figures, so counted apart.
    no_deadline_count: int = 0


def _listed(where: list[sa.ColumnElement[bool]], user: User) -> list[ListedTask]:
    """The first LIST_LIMIT matching tasks in deadline order (one statement; how many
    match in all comes from the tallies). For a unit, the first ones are picked within
    each branch of its visibility and merged, so the statement reads the unit's matching
    tasks, not its whole visible set joined to the city's matching tasks (a department's
    overdue list: 30 -> 16 ms of SQL on the city)."""
    matching = [is_leaf(), live_plan(), *where]
    if user.role in SEE_ALL_ROLES:
        chosen = sa.and_(*matching)
    else:
        branches = sa.union(
            *(
                sa.select(Task.id, Task.due_on).where(branch, *matching)
                for branch in visible_task_branches(user.unit_id)
            )
        ).subquery("visible_matching")
        first = (
            sa.select(branches.c.id)
            .order_by(branches.c.due_on, branches.c.id)
            .limit(LIST_LIMIT)
            .scalar_subquery()
        )
        chosen = Task.id.in_(first)
    rows = db.session.execute(
        sa.select(
            Task.id,
            Task.number,
            Task.title,
            Task.due_on,
            Task.state,
            Plan.number,
            Unit.name,
        )
        .join(Plan, Task.plan_id == Plan.id)
        .outerjoin(Unit, Task.lead_unit_id == Unit.id)
        .where(chosen)
        .order_by(Task.due_on, Task.id)
        .limit(LIST_LIMIT)
    ).all()
    return [ListedTask(*row) for row in rows]


def _for_plan(plan_id: int | None, level: str | None = None) -> tallies.Filter:
    return lambda c: [
        *([c.plan_id == plan_id] if plan_id is not None else []),
        *_of_level(c.lead_unit_id, level),
    ]


def _of_level(unit_column: Any, level: str | None) -> list[sa.ColumnElement[bool]]:
    """Only the tasks led by units of a level ("district": district offices; None: all),
    as a subquery so the dashboard keeps its statement count."""
    # reports.cascade imports this module: import it here, not at the top.
    from reports.cascade import level_kinds

    kinds = level_kinds(level)
    if kinds is None:
        return []
    return [unit_column.in_(sa.select(Unit.id).where(Unit.kind.in_(kinds)))]


def work_span(user: User, plan_id: int | None = None) -> tuple[str, str] | None:
    """The first and last quarter in which the user's visible tasks fall due (one statement),
    so the dashboard can offer those quarters and point to them when the current one is empty."""
    by_plan = _for_plan(plan_id)
    fig = tallies.figures(user, clock.today(), lambda c: [c.due_on.is_not(None), *by_plan(c)])
    first, last = db.session.execute(
        sa.select(sa.func.min(fig.c.due_on), sa.func.max(fig.c.due_on))
    ).one()
    if first is None:
        return None
    return quarter_of(first), quarter_of(last)


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter from `first` to `last` inclusive ("2024-Q3" … "2025-Q2")."""
    quarters = [first]
    while quarters[-1] < last and len(quarters) < 200:
        quarters.append(shift_quarter(quarters[-1], 1))
    return quarters


def behind_first(row: Row) -> tuple[int, int, str]:
    """Who is behind first: the most overdue, then the lowest share done."""
    return (-row.tally.buckets["open_overdue"], row.tally.percent, row.label)


def _tallies_by(fig: sa.Subquery, column: Any) -> dict[Any, Tally]:
    """One GROUP BY over the figures: a Tally per value of `column` (unit or plan)."""
    out: dict[Any, Tally] = defaultdict(Tally)
    rows = db.session.execute(
        sa.select(column, fig.c.state, fig.c.bucket, sa.func.sum(fig.c.n)).group_by(
            column, fig.c.state, fig.c.bucket
        )
    ).all()
    for key, state, bucket, n in rows:
        out[key].add(S(state).value, bucket, int(n or 0))
    return out


def _tallies_by_unit(fig: sa.Subquery) -> tuple[dict[Any, Tally], dict[int, str]]:
    """A Tally per lead unit, and the units' names, from one statement. A department
    sees some 400 lead units: naming them by a list of ids cost more in preparing the
    400-parameter statement (4 ms) than the database spent answering it."""
    out: dict[Any, Tally] = defaultdict(Tally)
    names: dict[int, str] = {}
    rows = db.session.execute(
        sa.select(fig.c.unit_id, Unit.name, fig.c.state, fig.c.bucket, sa.func.sum(fig.c.n))
        .select_from(fig)
        .outerjoin(Unit, Unit.id == fig.c.unit_id)
        .group_by(fig.c.unit_id, Unit.name, fig.c.state, fig.c.bucket)
    ).all()
    for key, name, state, bucket, n in rows:
        out[key].add(S(state).value, bucket, int(n or 0))
        if key:
            names[key] = name or ""
    return out, names


def _open_counts(
    user: User, today: date, plan_id: int | None, level: str | None = None
) -> tuple[int, int, int]:
    """How many leaves are overdue, due within DUE_SOON_DAYS, open without a deadline
    (one statement over the open tallies; the lists behind them use the same rules)."""
    by_plan = _for_plan(plan_id, level)
    fig = tallies.figures(user, today, lambda c: [c.state.in_(OPEN_STATES), *by_plan(c)])
    not_reported = fig.c.state.in_([s.value for s in OPEN_NOT_REPORTED])

    def total(condition: sa.ColumnElement[bool]) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, fig.c.n), else_=0)), 0)

    row = db.session.execute(
        sa.select(
            total(sa.and_(not_reported, fig.c.due_on < today)),
            total(
                sa.and_(
                    not_reported,
                    fig.c.due_on.between(today, today + timedelta(days=DUE_SOON_DAYS)),
                )
            ),
            total(fig.c.due_on.is_(None)),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def dashboard(
    user: User,
    quarter: str | None = None,
    plan_id: int | None = None,
    level: str | None = None,
) -> Dashboard:
    """Figures for the quarter (the current one by default) from the kept tallies:
    seven statements in all, whatever the number of tasks. `level` ("city", "district",
    "school") keeps the tasks led by units of that level."""
    today = clock.today()
    quarter = parse_period(quarter) or quarter_of(today)
    start, end = quarter_bounds(quarter)
    by_plan = _for_plan(plan_id, level)
    fig = tallies.figures(user, today, lambda c: [c.due_on.between(start, end), *by_plan(c)])
    by_unit, unit_names = _tallies_by_unit(fig)
    by_plan_tally = _tallies_by(fig, fig.c.plan_id)
    total = Tally()
    for tally in by_plan_tally.values():
        for state, n in tally.states.items():
            total.states[state] += n
        for bucket, n in tally.buckets.items():
            total.buckets[bucket] += n
    plan_labels = {
        pid: number or title[:60]
        for pid, number, title in db.session.execute(
            sa.select(Plan.id, Plan.number, Plan.title).where(Plan.id.in_(list(by_plan_tally)))
        ).all()
    }
    # Who is behind first: the most overdue, then the lowest share done.
    units = sorted(
        (Row(k, unit_names.get(k, "") if k else "", t) for k, t in by_unit.items()),
        key=behind_first,
    )
    plans = sorted(
        (Row(k, plan_labels.get(k, ""), t) for k, t in by_plan_tally.items()),
        key=lambda r: r.label,
    )
    plan_where = [Task.plan_id == plan_id] if plan_id is not None else []
    plan_where += _of_level(Task.lead_unit_id, level)
    overdue = _listed(TaskFilter(overdue=True).clauses(today) + plan_where, user)
    due_soon = _listed(TaskFilter(due_soon=True).clauses(today) + plan_where, user)
    overdue_count, due_soon_count, no_deadline_count = _open_counts(user, today, plan_id, level)
    return Dashboard(
        quarter,
        today,
        total,
        units,
        plans,
        overdue,
        due_soon,
        overdue_count,
        due_soon_count,
        no_deadline_count,
    )


def unit_lead_and_coordinating(unit_id: int) -> tuple[sa.ColumnElement[bool], sa.ColumnElement]:
    """Clauses for a unit's lead tasks and its coordinating tasks (the workspace)."""
    return Task.lead_unit_id == unit_id, Task.id.in_(coordinated_with_subtasks(unit_id))
