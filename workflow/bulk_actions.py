"""Actions on many tasks at once, chosen with checkboxes on a list: start, remind, reassign.

Outcome per task, not all-or-nothing. Users of Jira's and Redmine's bulk edit expect the
tasks that may change to change and the others to be listed with the reason; refusing
the whole selection because one row is in the wrong state would make a bulk action
useless on a real list. So each task goes through the same service as its own button
(`workflow.tasks.start_task`, `workflow.task_edits.reassign_lead`), with the same
permission, state and audit rules, inside a savepoint of ONE transaction per request
(`workflow.transaction.one_transaction`): a refused task changes nothing and leaves no
event, every success writes its own audit event (and its mail through the signal), and
all of them commit together. An unexpected error undoes the whole request.

What is refused before anything runs, changing nothing: an empty selection, ids that are
not numbers, more than MAX_TASKS tasks, and any id of a task that does not exist or that
the user may not see (a list never offers those, so such a request is forged or stale).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import sqlalchemy as sa

from models import AuditEvent, Role, Task, TaskAssignee, TaskState, Unit, User, db
from workflow import audit, clock, permissions
from workflow import task_edits as edit_service
from workflow import tasks as task_service
from workflow.errors import InvalidInput, PermissionDenied, WorkflowError, translate
from workflow.inputs import parse_int
from workflow.signals import task_reminded
from workflow.transaction import one_transaction, unit_of_work

# At most this many tasks per request: four pages of a list. Each task runs its one-task
# service (a reassignment is some 45-60 statements with its tallies, notices and mails), and
# the request holds the audit chain's head until it commits; measured on the demo under load,
# 67 reassignments took 65 s of a shared CPU, 67 reminders 8 s (issue 14 report).
MAX_TASKS = 200
# How many refused tasks the summary names one by one; the rest are counted.
LISTED_REFUSALS = 20
ACTIONS = ("start", "remind", "reassign")
REMIND_STATES = frozenset({TaskState.ASSIGNED, TaskState.IN_PROGRESS})


@dataclass
class Outcome:
    """What a bulk action did: the tasks changed and, for the others, why not."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (task label, reason)
    unit_name: str | None = None  # reassign: the new lead unit

    def summary(self) -> list[str]:
        """The Vietnamese (or English) sentences the page shows, success first."""
        lines: list[str] = []
        n = len(self.done)
        if n or not self.refused:
            if self.action == "start":
                lines.append(translate("Đã bắt đầu %(n)s nhiệm vụ.", n=n))
            elif self.action == "remind":
                lines.append(translate("Đã gửi nhắc việc cho %(n)s nhiệm vụ.", n=n))
            else:
                lines.append(
                    translate("Đã giao lại %(n)s nhiệm vụ cho %(unit)s.", n=n, unit=self.unit_name)
                )
        if self.refused:
            listed = "; ".join(f"{label}: {why}" for label, why in self.refused[:LISTED_REFUSALS])
            more = len(self.refused) - LISTED_REFUSALS
            if more > 0:
                listed += " " + translate("… và %(n)s nhiệm vụ khác.", n=more)
            m = len(self.refused)
            # One literal per action, so that the catalogue extraction finds each sentence.
            if self.action == "start":
                line = translate("%(n)s nhiệm vụ không thể bắt đầu: %(list)s", n=m, list=listed)
            elif self.action == "remind":
                line = translate("%(n)s nhiệm vụ không thể nhắc việc: %(list)s", n=m, list=listed)
            else:
                line = translate("%(n)s nhiệm vụ không thể giao lại: %(list)s", n=m, list=listed)
            lines.append(line)
        return lines


def parse_selection(raw: Iterable[str]) -> list[int]:
    """The task ids of the checked rows, each once, in order; InvalidInput when there are
    none, when one is not an id, or when there are more than MAX_TASKS."""
    ids: list[int] = []
    for value in raw:
        number = parse_int(str(value).strip())
        if number is None or number <= 0:
            raise InvalidInput("Lựa chọn không hợp lệ; không có gì thay đổi.")
        if number not in ids:
            ids.append(number)
    if not ids:
        raise InvalidInput("Hãy chọn ít nhất một nhiệm vụ.")
    if len(ids) > MAX_TASKS:
        raise InvalidInput(
            "Mỗi lần chỉ thao tác được tối đa %(max)s nhiệm vụ (bạn đã chọn %(n)s). "
            "Hãy lọc danh sách hẹp hơn rồi thử lại.",
            max=MAX_TASKS,
            n=len(ids),
        )
    return ids


def visible_selection(ids: list[int], actor: User) -> list[Task]:
    """The selected tasks, loaded for permission checks, in the order chosen; InvalidInput
    (nothing changed) if any does not exist or is not the actor's to see."""
    tasks = {
        t.id: t
        for t in db.session.execute(
            sa.select(Task).where(Task.id.in_(ids)).options(*task_service.task_loader_options())
        ).scalars()
    }
    unseen = [i for i in ids if i not in tasks or not permissions.can_view(tasks[i], actor)]
    if unseen:
        raise InvalidInput(
            "%(n)s nhiệm vụ đã chọn không tồn tại hoặc bạn không được xem; không có gì thay "
            "đổi. Hãy tải lại trang rồi chọn lại.",
            n=len(unseen),
        )
    return [tasks[i] for i in ids]


def _label(task: Task) -> str:
    plan = task.plan.number if task.plan is not None and task.plan.number else ""
    return f"{plan} · {task.number}" if plan else str(task.number)


def _each(tasks: list[Task], outcome: Outcome, act: Callable[[Task], None]) -> Outcome:
    """Run `act` on every task in one transaction, each in its own savepoint."""
    labels = {t.id: _label(t) for t in tasks}
    with one_transaction():
        for task_id in [t.id for t in tasks]:
            task = db.session.get(Task, task_id)
            assert task is not None
            try:
                act(task)
            except WorkflowError as refused:
                outcome.refused.append((labels[task_id], refused.message))
            else:
                outcome.done.append(task_id)
    return outcome


def start(raw_ids: Iterable[str], actor: User) -> Outcome:
    """The lead unit begins every selected task it may begin."""
    tasks = visible_selection(parse_selection(raw_ids), actor)
    return _each(
        tasks,
        Outcome("start"),
        lambda t: task_service.start_task(t.id, actor, expected_version=None),
    )


def reassign(raw_ids: Iterable[str], actor: User, unit_id: str | None, reason: str) -> Outcome:
    """The tracking unit's coordinator hands every selected task to another lead unit."""
    if actor.role != Role.COORDINATOR:
        raise PermissionDenied("Chỉ điều phối viên mới được giao lại nhiệm vụ.")
    tasks = visible_selection(parse_selection(raw_ids), actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Hãy nêu lý do giao lại.")
    number = parse_int(unit_id or "")
    unit = db.session.get(Unit, number) if number else None
    if unit is None or not unit.active:
        raise InvalidInput("Hãy chọn đơn vị nhận nhiệm vụ (đơn vị đang hoạt động).")
    outcome = Outcome("reassign", unit_name=unit.name)
    return _each(
        tasks,
        outcome,
        lambda t: edit_service.reassign_lead(
            t.id, actor, expected_version=None, unit_id=unit.id, reason=reason
        ),
    )


def may_remind(task: Task, user: User) -> bool:
    """The tracking unit's coordinators, and the lead unit's coordinator (for its staff)."""
    if user.role != Role.COORDINATOR:
        return False
    return permissions.is_tracking_coordinator(task, user) or user.unit_id == task.lead_unit_id


def _reminded_today(task_ids: list[int]) -> set[int]:
    """The tasks already reminded by hand today (local day): one reminder a day is enough."""
    start_of_day = datetime.combine(clock.today(), time(0), tzinfo=clock.LOCAL_TZ)
    # Audit instants are naive UTC.
    since = start_of_day.astimezone(UTC).replace(tzinfo=None)
    rows = db.session.execute(
        sa.select(AuditEvent.object_id).where(
            AuditEvent.action == "task.remind",
            AuditEvent.object_type == "task",
            AuditEvent.object_id.in_(task_ids),
            AuditEvent.occurred_at >= since,
        )
    ).scalars()
    return set(rows)


def _assignees(task_ids: list[int]) -> dict[int, tuple[int, ...]]:
    rows = db.session.execute(
        sa.select(TaskAssignee.task_id, TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(task_ids))
        .order_by(TaskAssignee.task_id, TaskAssignee.user_id)
    ).all()
    out: dict[int, list[int]] = {}
    for task_id, user_id in rows:
        out.setdefault(task_id, []).append(user_id)
    return {k: tuple(v) for k, v in out.items()}


def remind(raw_ids: Iterable[str], actor: User, note: str | None = None) -> Outcome:
    """Queue a reminder mail about every selected open task to its assignees, or to its
    lead unit when nobody is named; each reminder audited ("task.remind")."""
    tasks = visible_selection(parse_selection(raw_ids), actor)
    note = (note or "").strip()[:500] or None
    ids = [t.id for t in tasks]
    reminded, people = _reminded_today(ids), _assignees(ids)

    def one(task: Task) -> None:
        with unit_of_work():
            if not may_remind(task, actor):
                raise PermissionDenied(
                    "Chỉ điều phối viên của cơ quan thường trực hoặc của đơn vị chủ trì mới "
                    "được nhắc việc."
                )
            if task.state not in REMIND_STATES:
                raise InvalidInput("Chỉ nhắc được nhiệm vụ chưa báo cáo, chưa hoàn thành.")
            if task.lead_unit_id is None and not task.subtasks:
                raise InvalidInput("Nhiệm vụ chưa có đơn vị chủ trì để nhắc.")
            if task.id in reminded:
                raise InvalidInput("Nhiệm vụ đã được nhắc hôm nay.")
            assignee_ids = people.get(task.id, ())
            event = audit.record(
                "task.remind",
                actor=actor,
                object_type="task",
                object_id=task.id,
                plan_id=task.plan_id,
                after={
                    "to": "assignees" if assignee_ids else "lead_unit",
                    "assignee_ids": list(assignee_ids),
                    "lead_unit_id": task.lead_unit_id,
                },
                reason=note,
            )
            db.session.flush()
            task_reminded.send(
                task, actor=actor, key=f"remind{event.id}", assignee_ids=assignee_ids, note=note
            )

    return _each(tasks, Outcome("remind"), one)
