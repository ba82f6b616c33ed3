"""A fanned-out task's state follows its sub-tasks (e.g. verified when all are)."""

from __future__ import annotations

from models import Task, TaskState

S = TaskState


def rolled_up_state(subtask_states: list[TaskState]) -> TaskState:
    """The parent's state given its sub-tasks' states; cancelled ones do not count."""
    live = [s for s in subtask_states if s != S.CANCELLED]
    if not live:
        return S.CANCELLED
    if all(s == S.VERIFIED for s in live):
        return S.VERIFIED
    if all(s in (S.REPORTED, S.VERIFIED) for s in live):
        return S.REPORTED
    if any(s != S.ASSIGNED for s in live):
        return S.IN_PROGRESS
    return S.ASSIGNED


def progress(subtask_states: list[TaskState]) -> tuple[int, int]:
    """(verified, counted) over the live sub-tasks, shown as "15/22"."""
    live = [s for s in subtask_states if s != S.CANCELLED]
    return sum(1 for s in live if s == S.VERIFIED), len(live)


def parent_needs_update(parent: Task) -> TaskState | None:
    """The parent's new state if its sub-tasks moved it, else None."""
    new_state = rolled_up_state([sub.state for sub in parent.subtasks])
    return new_state if new_state != parent.state else None
