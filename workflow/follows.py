"""Following a task: anyone who may see it can ask to be kept informed; audited."""

from __future__ import annotations

import sqlalchemy as sa

from models import TaskFollower, User, db
from workflow import audit, clock, permissions
from workflow.errors import InvalidInput, PermissionDenied
from workflow.tasks import load_task
from workflow.transaction import unit_of_work


def is_following(task_id: int, user: User) -> bool:
    """Whether the user follows the task."""
    return (
        db.session.execute(
            sa.select(TaskFollower.id).where(
                TaskFollower.task_id == task_id, TaskFollower.user_id == user.id
            )
        ).first()
        is not None
    )


def _row(task_id: int, user: User) -> TaskFollower | None:
    return db.session.execute(
        sa.select(TaskFollower).where(
            TaskFollower.task_id == task_id, TaskFollower.user_id == user.id
        )
    ).scalar_one_or_none()


def follow(task_id: int, actor: User) -> None:
    """Start following a task the actor may see."""
    with unit_of_work():
        task = load_task(task_id)
        if not permissions.can_view(task, actor):
            raise PermissionDenied("Bạn không có quyền xem nhiệm vụ này.")
        if _row(task.id, actor) is not None:
            raise InvalidInput("Bạn đang theo dõi nhiệm vụ này.")
        db.session.add(TaskFollower(task_id=task.id, user_id=actor.id, created_at=clock.now()))
        audit.record(
            "task.follow",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
        )


def unfollow(task_id: int, actor: User) -> None:
    """Stop following a task."""
    with unit_of_work():
        task = load_task(task_id)
        row = _row(task.id, actor)
        if row is None:
            raise InvalidInput("Bạn không theo dõi nhiệm vụ này.")
        db.session.delete(row)
        audit.record(
            "task.unfollow",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
        )
