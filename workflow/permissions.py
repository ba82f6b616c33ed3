"""Who may do what to a task: role, unit and state rules in one place."""

from __future__ import annotations

from models import Role, Task, TaskState, TaskUnit, UnitRole, User
from workflow.cascade_tree import is_above
from workflow.errors import PermissionDenied, translate
from workflow.state_machine import EVENT_LABELS, triggers_from

LEAD_EVENTS = frozenset({"start", "report"})
TRACKING_EVENTS = frozenset({"verify", "return", "reopen", "cancel"})
OPEN_STATES = frozenset({TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED})
ACTING_ROLES = frozenset({Role.MEMBER, Role.COORDINATOR})


def is_lead_member(task: Task, user: User) -> bool:
    """A member or coordinator of the task's (single) lead unit."""
    return (
        user.role in ACTING_ROLES
        and task.lead_unit_id is not None
        and user.unit_id == task.lead_unit_id
    )


def is_tracking_coordinator(task: Task, user: User) -> bool:
    """A coordinator of the plan's tracking unit (cơ quan thường trực)."""
    return user.role == Role.COORDINATOR and user.unit_id == task.plan.tracking_unit_id


def _coordinating_rows(task: Task) -> list[TaskUnit]:
    rows = [tu for tu in task.units if tu.role == UnitRole.COORDINATING]
    if task.parent is not None:
        rows += [tu for tu in task.parent.units if tu.role == UnitRole.COORDINATING]
    return rows


def coordinates(task: Task, unit_id: int) -> bool:
    """Whether the unit is named (directly or through a group) as coordinating."""
    for tu in _coordinating_rows(task):
        if tu.unit_id == unit_id:
            return True
        if tu.group is not None and any(m.id == unit_id for m in tu.group.members):
            return True
    return False


def can_view(task: Task, user: User) -> bool:
    """Members see what their unit leads or supports, and the plans of the units below
    theirs (a district office its schools'); tracking, inspectors, admins see all."""
    if user.role in (Role.INSPECTOR, Role.ADMIN):
        return True
    if user.unit_id == task.plan.tracking_unit_id:
        return True
    if user.unit_id == task.lead_unit_id:
        return True
    if any(sub.lead_unit_id == user.unit_id for sub in task.subtasks):
        return True
    if coordinates(task, user.unit_id):
        return True
    # The cascade: a district office sees its schools' plans (reports/visibility.py).
    return is_above(user.unit_id, task.plan.tracking_unit_id)


def _refused_by_rights(task: Task, user: User, event: str) -> str | None:
    """Which rule of the task's rights refuses the event ("fanned_out", "lead",
    "tracking"), or None. A code, not a message: lists ask this for every row and
    every event and show only the buttons left, so no message is built for them."""
    if task.subtasks and event != "cancel":
        return "fanned_out"
    if event in LEAD_EVENTS and not is_lead_member(task, user):
        return "lead"
    if event in TRACKING_EVENTS and not is_tracking_coordinator(task, user):
        return "tracking"
    return None


def refusal(task: Task, user: User, event: str, last_report_author_ids: set[int]) -> str | None:
    """Why `user` may not fire `event` on `task` now, or None when they may."""
    label = EVENT_LABELS.get(event, event)
    code = _refused_by_rights(task, user, event)
    if code == "fanned_out":
        return translate(
            "Nhiệm vụ này được giao cho nhiều đơn vị; hãy thao tác trên nhiệm vụ con "
            "của từng đơn vị."
        )
    if code == "lead":
        return translate("Chỉ thành viên của đơn vị chủ trì mới được «%(event)s».", event=label)
    if code == "tracking":
        return translate(
            "Chỉ điều phối viên của cơ quan thường trực kế hoạch mới được «%(event)s».",
            event=label,
        )
    return self_verification_refusal(user, event, last_report_author_ids)


def _verifies_own(user: User, event: str, last_report_author_ids: set[int]) -> bool:
    return event == "verify" and user.id in last_report_author_ids


def self_verification_refusal(
    user: User, event: str, last_report_author_ids: set[int]
) -> str | None:
    """Why `user` may not verify a report they wrote or that was written for them.

    A separation-of-duties rule about the person, not about their rights: a substitute
    must meet it in their own name too, whoever's rights they borrow (review 2026-12, M6).
    """
    if _verifies_own(user, event, last_report_author_ids):
        return translate("Không ai được tự xác nhận báo cáo do chính mình gửi.")
    return None


def check(task: Task, user: User, event: str, last_report_author_ids: set[int]) -> None:
    """Raise PermissionDenied with the reason when `user` may not fire `event`."""
    reason = refusal(task, user, event, last_report_author_ids)
    if reason is not None:
        raise PermissionDenied(reason)


def allowed_events(task: Task, user: User, last_report_author_ids: set[int]) -> list[str]:
    """The events this user can fire on this task now (what the task page offers)."""
    return [
        event
        for event in triggers_from(task.state)
        if _refused_by_rights(task, user, event) is None
        and not _verifies_own(user, event, last_report_author_ids)
    ]


def can_contribute(task: Task, user: User) -> bool:
    """Coordinating units add contributions at any open state."""
    return (
        user.role in ACTING_ROLES and task.state in OPEN_STATES and coordinates(task, user.unit_id)
    )


def can_edit(task: Task, user: User) -> bool:
    """Coordinators of the tracking unit edit fields, reassign and move deadlines."""
    return is_tracking_coordinator(task, user)
