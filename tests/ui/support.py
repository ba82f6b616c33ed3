"""Helpers for the UI tests: a small plan with known dates, moved through the workflow."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

import sqlalchemy as sa

from models import Task, Unit, db
from workflow import clock, task_reports
from workflow import tasks as svc
from workflow.plans import ItemInput, PlanInput, UnitRef, create_plan

# Noon in Vietnam on 15/06/2024 (05:00 UTC): inside Quý II/2024.
FROZEN = datetime(2024, 6, 15, 5, 0)


def unit_ids() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())


def make_plan(users, number: str, items: list[tuple[str, str, date | None, str]]) -> dict:  # noqa: ANN001
    """A plan tracked by GDTX; items (number, title, due, lead unit code). Returns
    {item number: task id} and the plan id under "plan"."""
    ids = unit_ids()
    plan_id = create_plan(
        PlanInput(
            number=number,
            title=f"Kế hoạch thử {number}",
            issuer_name="Sở Giáo dục và Đào tạo",
            tracking_unit_id=ids["GDTX"],
            items=[
                ItemInput(
                    number=n,
                    title=title,
                    due_on=due,
                    periods=[f"{due.year}-Q{(due.month - 1) // 3 + 1}"] if due else [],
                    leads=[UnitRef(code, unit_id=ids[code])],
                )
                for n, title, due, code in items
            ],
        ),
        users("sgddt.admin"),
    )
    tasks = db.session.execute(sa.select(Task.number, Task.id).where(Task.plan_id == plan_id)).all()
    return {"plan": plan_id, **dict(tasks)}


def walk(users, task_id: int, lead: str, *steps: str, on: datetime | None = None) -> None:  # noqa: ANN001
    """Move a task through steps ("start", "report", "verify", "cancel") at instant `on`."""
    if on is not None:
        clock.freeze(on)
    member, coordinator = users(lead), users("gdtx.coordinator")
    for step in steps:
        if step == "start":
            svc.start_task(task_id, member, expected_version=None)
        elif step == "report":
            task_reports.submit_report(
                task_id, member, expected_version=None, text="Đã thực hiện xong."
            )
        elif step == "verify":
            svc.verify_task(task_id, coordinator, expected_version=None)
        elif step == "cancel":
            svc.cancel_task(task_id, coordinator, expected_version=None, reason="Không còn cần")
    db.session.expire_all()


def href(page: str, element_id: str) -> str:
    """The link of the element with this id."""
    match = re.search(rf'href="([^"]+)" id="{re.escape(element_id)}"', page)
    assert match, f"no link #{element_id}"
    return html.unescape(match.group(1))


def task_ids_on(page: str) -> set[int]:
    """Ids of the task rows listed on a page."""
    return {int(i) for i in re.findall(r'class="task-row" data-task="(\d+)"', page)}
