"""The coordinator's dashboard: a quarter at a glance, every figure a link to its tasks."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Blueprint, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from models import TaskState
from reports import progress
from reports.cascade import LEVEL_LABELS, LEVELS
from reports.queries import plan_choices
from web import params
from web.page_cache import cached_page
from workflow import clock

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

UNITS_PER_PAGE = 50
# ?sort= of the unit table: who is behind first (the default), by name, by share done,
# by number of tasks.
UNIT_ORDERS: dict[str, Callable[[progress.Row], Any]] = {
    "behind": progress.behind_first,
    "name": lambda r: (r.label, r.id or 0),
    "done": lambda r: (-r.tally.percent, r.label),
    "total": lambda r: (-r.tally.counted, r.label),
}


def _task_list_url(base: str) -> Callable[..., str]:
    """Links to the task list behind each figure: a few hundred per page, so the query
    string is written directly rather than through url_for each time."""

    def link(**args: Any) -> str:
        # Values are ids, checked quarters and fixed keys: nothing to escape but "none".
        return base + "?" + "&".join(f"{k}={v}" for k, v in args.items() if v is not None)

    return link


@bp.route("/")
@login_required
def index() -> str:
    """Show the quarter's figures for the tasks the user may see (current quarter default)."""

    def build() -> dict[str, Any]:
        plan_id = params.int_arg("plan")
        # ?level= keeps the units of one level of the cascade (Sở, Phòng GD&ĐT, trường).
        level = request.args.get("level") if request.args.get("level") in LEVELS else None
        board = progress.dashboard(current_user, params.quarter_arg(), plan_id, level)
        plans = plan_choices(current_user)
        this_quarter = progress.quarter_of(clock.today())
        span = progress.work_span(current_user, plan_id)
        # Offer every quarter that has work, and the quarters around today.
        first = min(span[0], progress.shift_quarter(this_quarter, -2)) if span else this_quarter
        last = max(span[1], progress.shift_quarter(this_quarter, 2)) if span else this_quarter
        quarters = progress.quarter_range(first, last)
        # An empty quarter is a dead end: point to the nearest quarter that has work.
        nearest = None
        if span and board.total.counted == 0:
            nearest = span[1] if board.quarter > span[1] else span[0]
        # The unit table a page at a time (a city has 2,282 units), in the order asked for.
        sort = request.args.get("sort", "behind")
        if sort not in UNIT_ORDERS:
            sort = "behind"
        # The board comes sorted behind first; a department has some 400 units to reorder.
        ordered = board.units if sort == "behind" else sorted(board.units, key=UNIT_ORDERS[sort])
        pages = max(1, -(-len(ordered) // UNITS_PER_PAGE))
        number = min(params.page_arg("upage"), pages)
        shown = ordered[(number - 1) * UNITS_PER_PAGE : number * UNITS_PER_PAGE]
        units_page = progress.Page(shown, len(ordered), number, UNITS_PER_PAGE)
        link = _task_list_url(url_for("tasks.index"))
        return dict(
            task_list_url=link,
            # The links behind the quarter's figures, and the group names translated once
            # (the unit table repeats them in every row).
            list_url=partial(link, quarter=board.quarter, plan=plan_id, leaves=1),
            bucket_names={b: gettext(progress.BUCKET_LABELS[b]) for b in progress.BUCKETS},
            board=board,
            units_page=units_page,
            # The bars' common scale: the unit with the most tasks (of all pages).
            widest=max((row.tally.counted for row in board.units), default=0) or 1,
            sort=sort,
            plan_id=plan_id,
            level=level,
            levels=[(lvl, LEVEL_LABELS[lvl]) for lvl in LEVELS],
            plans=plans,
            quarters=quarters,
            nearest=nearest,
            prev_quarter=progress.shift_quarter(board.quarter, -1),
            next_quarter=progress.shift_quarter(board.quarter, 1),
            buckets=progress.BUCKETS,
            bucket_labels=progress.BUCKET_LABELS,
            states=list(TaskState),
        )

    return cached_page("dashboard/index.html", build)
