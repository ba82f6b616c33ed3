"""Taking work out of a plan by cancelling it, never by deleting: withdraw a mistaken plan as
a whole, and the cancellation it shares with removing an item and dropping a lead unit.

Each cancelled task gets its own "task.cancel" event, so that each task's history shows why
it stopped; done (verified) and already cancelled tasks are left alone.
"""

from __future__ import annotations

from typing import Any

from models import PlanStatus, Task, TaskState, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput
from workflow.plan_access import check_can_edit, check_version, load_plan, plan_tasks
from workflow.plan_fields import clean_reason
from workflow.signals import task_transitioned
from workflow.state_machine import fire
from workflow.transaction import unit_of_work

# States a cancellation leaves alone: done is done, and cancelled stays cancelled.
FINAL_STATES = (TaskState.VERIFIED, TaskState.CANCELLED)


def cancel_tasks(tasks: list[Task], actor: User, reason: str | None, extra: dict[str, Any]) -> None:
    """Cancel the tasks through the state machine, each with its own audit event. The rows
    are changed and flushed first, in one go, then the events appended: a withdrawal of a
    plan with a thousand tasks does not pay a flush per task on top of the trail's own
    statements per event."""
    now = clock.now()
    before: list[TaskState] = []
    for task in tasks:
        before.append(task.state)
        fire(task, "cancel")
        task.updated_at = now
    db.session.flush()
    for task, state in zip(tasks, before, strict=True):
        audit.record(
            "task.cancel",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            unit_id=task.lead_unit_id,
            before={"state": state},
            after={"state": task.state, **extra},
            reason=reason,
        )
        task_transitioned.send(task, event="cancel", actor=actor, reason=reason)


def withdraw_plan(plan_id: int, actor: User, *, expected_version: int | None, reason: str) -> int:
    """Withdraw a mistaken import as a whole: the plan becomes "withdrawn" (đã thu hồi) and
    every open task of it is cancelled, each with its own event, in one transaction; verified
    tasks stay as they are. Returns how many tasks were cancelled."""
    with unit_of_work():
        plan = load_plan(plan_id)
        check_version(plan, expected_version)
        if plan.status == PlanStatus.WITHDRAWN:
            raise InvalidInput("Kế hoạch đã bị thu hồi.")
        check_can_edit(plan, actor)
        reason = clean_reason(reason, True, "Hãy nêu lý do thu hồi kế hoạch.")
        # Sub-tasks before their parents, so each parent is cancelled after its units' work.
        tasks = sorted(plan_tasks(plan.id), key=lambda t: (t.parent_id is None, t.position))
        open_tasks = [task for task in tasks if task.state not in FINAL_STATES]
        cancel_tasks(open_tasks, actor, reason, {"plan_withdrawn": True})
        cancelled = len(open_tasks)
        before = {"status": plan.status}
        plan.status = PlanStatus.WITHDRAWN
        audit.record(
            "plan.withdraw",
            actor=actor,
            object_type="plan",
            object_id=plan.id,
            plan_id=plan.id,
            before=before,
            after={"status": PlanStatus.WITHDRAWN, "cancelled_tasks": cancelled},
            reason=reason,
        )
    return cancelled
