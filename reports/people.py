"""Who is on a task (assignees, followers) and what is assigned to a person, read only."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from models import Role, Task, TaskAssignee, TaskFollower, TaskState, User, db
from reports.queries import _list_options

OPEN_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED)


@dataclass(frozen=True)
class TaskPeople:
    """The task page's people box."""

    assignees: list[User]
    followers: int
    following: bool
    # (user id, name) of the lead unit's staff not yet assigned: the assign form's choices
    staff: list[tuple[int, str]]


def task_people(task: Task, user: User, *, with_staff: bool) -> TaskPeople:
    """Assignees, follower count and whether `user` follows (two statements; a third for the
    staff list when the user may assign)."""
    assignees = list(
        db.session.execute(
            sa.select(User)
            .join(TaskAssignee, TaskAssignee.user_id == User.id)
            .where(TaskAssignee.task_id == task.id)
            .order_by(User.full_name)
        ).scalars()
    )
    followers, following = db.session.execute(
        sa.select(
            sa.func.count(TaskFollower.id),
            sa.func.coalesce(
                sa.func.max(sa.case((TaskFollower.user_id == user.id, 1), else_=0)), 0
            ),
        ).where(TaskFollower.task_id == task.id)
    ).one()
    staff: list[tuple[int, str]] = []
    if with_staff and task.lead_unit_id is not None:
        taken = {u.id for u in assignees}
        staff = [
            (uid, name)
            for uid, name in db.session.execute(
                sa.select(User.id, User.full_name)
                .where(
                    User.unit_id == task.lead_unit_id,
                    User.role.in_([Role.MEMBER, Role.COORDINATOR]),
                    User.active.is_(True),
                )
                .order_by(User.full_name)
            ).all()
            if uid not in taken
        ]
    return TaskPeople(assignees, int(followers), bool(following), staff)


def assigned_to(user: User) -> list[Task]:
    """The open tasks assigned to this person, earliest deadline first ("Việc của tôi")."""
    return list(
        db.session.execute(
            sa.select(Task)
            .join(TaskAssignee, TaskAssignee.task_id == Task.id)
            .where(TaskAssignee.user_id == user.id, Task.state.in_(OPEN_STATES))
            .order_by(Task.due_on.is_(None), Task.due_on, Task.id)
            .options(*_list_options())
        ).scalars()
    )
