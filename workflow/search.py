"""Diacritics-insensitive search: a folded copy of each task's and plan's text.

"chuyen doi so" must find "chuyển đổi số", on SQLite and PostgreSQL alike, without an
extension (unaccent) the office server may not have. So the text is folded once, when the
row is written, into `search_text`; a search folds the words the same way and matches
them with LIKE. Mapper events keep the column right whichever service writes the row
(plans, imports, task edits), so no service can forget it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import Plan, Task
from workflow.text import fold

TASK_FIELDS = ("number", "section", "title", "content", "timeframe_text")
PLAN_FIELDS = ("number", "title", "issuer_name", "period")


def task_search_text(task: Task) -> str:
    """The folded text a task is found by."""
    return fold(" ".join(str(getattr(task, f) or "") for f in TASK_FIELDS))


def plan_search_text(plan: Plan) -> str:
    """The folded text a plan is found by."""
    return fold(" ".join(str(getattr(plan, f) or "") for f in PLAN_FIELDS))


@sa.event.listens_for(Task, "before_insert")
@sa.event.listens_for(Task, "before_update")
def _fold_task(_mapper: Any, _connection: Any, task: Task) -> None:
    task.search_text = task_search_text(task)


@sa.event.listens_for(Plan, "before_insert")
@sa.event.listens_for(Plan, "before_update")
def _fold_plan(_mapper: Any, _connection: Any, plan: Plan) -> None:
    plan.search_text = plan_search_text(plan)
