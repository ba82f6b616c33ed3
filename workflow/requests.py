"""Deadline extensions ("xin gia hạn") and explanations ("giải trình"), audited.

Deadlines move only through here or `update_task`: the lead unit asks with a reason and a
new date, a coordinator of the tracking unit grants or refuses; a coordinator asks an
overdue unit to explain and the answer is kept with the task. Each step writes its audit
event on the task in the same transaction, so the task's history tells the whole story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import ExplanationRequest, ExtensionRequest, RequestStatus, Task, User, db
from workflow import audit, clock, permissions
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.inputs import check_due_date
from workflow.signals import request_answered, request_created, request_decided
from workflow.tasks import load_task
from workflow.transaction import unit_of_work

MAX_TEXT = 5000


def _text(value: str | None, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message)
    if len(value) > MAX_TEXT:
        raise InvalidInput(
            "Nội dung dài quá %(max_text)s ký tự.",
            max_text=MAX_TEXT,
        )
    return value


def _open(task: Task) -> None:
    if task.state not in permissions.OPEN_STATES:
        raise InvalidInput("Nhiệm vụ đã kết thúc; không còn gì để gia hạn hay giải trình.")


def is_overdue(task: Task, today: date | None = None) -> bool:
    """Due date passed and the task not closed (reported late counts: the report came late)."""
    today = today or clock.today()
    return (
        task.state in permissions.OPEN_STATES
        and task.due_on is not None
        and (task.due_on < today or task.reported_late)
    )


def can_request_extension(task: Task, user: User) -> bool:
    """Members of the lead unit, while the task is open and has a deadline."""
    return (
        permissions.is_lead_member(task, user)
        and task.state in permissions.OPEN_STATES
        and not task.subtasks
    )


def can_ask_explanation(task: Task, user: User) -> bool:
    """Tracking coordinators, of an overdue task with a lead unit to answer."""
    return (
        permissions.is_tracking_coordinator(task, user)
        and task.lead_unit_id is not None
        and is_overdue(task)
    )


def request_extension(task_id: int, actor: User, *, new_due_on: date, reason: str) -> int:
    """The lead unit asks to move the deadline; returns the request's id."""
    reason = _text(reason, "Hãy nêu lý do xin gia hạn.")
    if not isinstance(new_due_on, date):
        raise InvalidInput("Hạn mới không hợp lệ.")
    check_due_date(new_due_on, "Hạn đề nghị")
    with unit_of_work():
        task = load_task(task_id)
        if not permissions.is_lead_member(task, actor):
            raise PermissionDenied("Chỉ đơn vị chủ trì mới được xin gia hạn.")
        _open(task)
        if task.subtasks:
            raise InvalidInput("Hãy xin gia hạn trên nhiệm vụ con của đơn vị mình.")
        if task.due_on is not None and new_due_on <= task.due_on:
            raise InvalidInput("Hạn mới phải sau hạn hiện tại.")
        if new_due_on < clock.today():
            raise InvalidInput("Hạn mới không thể ở trong quá khứ.")
        pending = db.session.execute(
            sa.select(ExtensionRequest.id).where(
                ExtensionRequest.task_id == task.id,
                ExtensionRequest.status == RequestStatus.PENDING,
            )
        ).first()
        if pending is not None:
            raise InvalidInput("Nhiệm vụ đang có một đề nghị gia hạn chờ xử lý.")
        item = ExtensionRequest(
            task_id=task.id,
            requested_by_id=actor.id,
            reason=reason,
            old_due_on=task.due_on,
            new_due_on=new_due_on,
            created_at=clock.now(),
        )
        db.session.add(item)
        db.session.flush()
        audit.record(
            "task.extension_request",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            after={"request_id": item.id, "old_due_on": task.due_on, "new_due_on": new_due_on},
            reason=reason,
        )
        request_created.send(task, kind="extension", request=item, actor=actor)
        item_id = item.id
    return item_id


def decide_extension(request_id: int, actor: User, *, grant: bool, reason: str | None) -> None:
    """A tracking coordinator grants (the deadline moves) or refuses (with a reason)."""
    reason = (reason or "").strip() or None
    if not grant and reason is None:
        raise InvalidInput("Hãy nêu lý do từ chối.")
    with unit_of_work():
        item = db.session.get(ExtensionRequest, request_id)
        if item is None:
            raise NotFound("Không tìm thấy đề nghị gia hạn.")
        task = load_task(item.task_id)
        if not permissions.can_edit(task, actor):
            raise PermissionDenied(
                "Chỉ điều phối viên của cơ quan thường trực mới được quyết định gia hạn."
            )
        if item.status != RequestStatus.PENDING:
            raise InvalidInput("Đề nghị này đã được xử lý.")
        if item.requested_by_id == actor.id:
            raise PermissionDenied("Không ai được tự duyệt đề nghị do chính mình gửi.")
        now = clock.now()
        item.status = RequestStatus.GRANTED if grant else RequestStatus.REFUSED
        item.decided_by_id = actor.id
        item.decided_at = now
        item.decision_reason = reason
        before = {"due_on": task.due_on}
        if grant:
            _open(task)
            # A request sent before the horizon existed may ask for 31/12/9999 (M4).
            check_due_date(item.new_due_on, "Hạn đề nghị")
            task.due_on = item.new_due_on
            task.updated_at = now
        audit.record(
            "task.extension_grant" if grant else "task.extension_refuse",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after={"request_id": item.id, "due_on": task.due_on},
            reason=reason,
        )
        db.session.flush()
        request_decided.send(task, request=item, actor=actor, granted=grant, reason=reason)


def request_explanation(task_id: int, actor: User, *, question: str) -> int:
    """A tracking coordinator asks the overdue lead unit to explain; returns the id."""
    question = _text(question, "Hãy nêu nội dung cần giải trình.")
    with unit_of_work():
        task = load_task(task_id)
        if not permissions.is_tracking_coordinator(task, actor):
            raise PermissionDenied(
                "Chỉ điều phối viên của cơ quan thường trực mới được yêu cầu giải trình."
            )
        if not is_overdue(task):
            raise InvalidInput("Chỉ yêu cầu giải trình khi nhiệm vụ đã quá hạn.")
        item = ExplanationRequest(
            task_id=task.id, requested_by_id=actor.id, question=question, created_at=clock.now()
        )
        db.session.add(item)
        db.session.flush()
        audit.record(
            "task.explanation_request",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            after={"request_id": item.id, "question": question},
        )
        request_created.send(task, kind="explanation", request=item, actor=actor)
        item_id = item.id
    return item_id


def answer_explanation(request_id: int, actor: User, *, explanation: str) -> None:
    """The lead unit explains; the answer is kept with the task and cannot be rewritten."""
    explanation = _text(explanation, "Hãy nhập nội dung giải trình.")
    with unit_of_work():
        item = db.session.get(ExplanationRequest, request_id)
        if item is None:
            raise NotFound("Không tìm thấy yêu cầu giải trình.")
        task = load_task(item.task_id)
        if not permissions.is_lead_member(task, actor):
            raise PermissionDenied("Chỉ đơn vị chủ trì mới được giải trình.")
        if item.explanation is not None:
            raise InvalidInput("Yêu cầu này đã được giải trình.")
        item.explanation = explanation
        item.answered_by_id = actor.id
        item.answered_at = clock.now()
        audit.record(
            "task.explanation_answer",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            after={"request_id": item.id, "explanation": explanation},
        )
        db.session.flush()
        request_answered.send(task, request=item, actor=actor)


@dataclass
class TaskRequests:
    extensions: list[ExtensionRequest]
    explanations: list[ExplanationRequest]

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        return next((r for r in self.extensions if r.status == RequestStatus.PENDING), None)


def task_requests(task_id: int) -> TaskRequests:
    """A task's extension and explanation requests, oldest first (two statements + loads)."""
    extensions = db.session.execute(
        sa.select(ExtensionRequest)
        .where(ExtensionRequest.task_id == task_id)
        .order_by(ExtensionRequest.id)
        .options(
            selectinload(ExtensionRequest.requested_by), selectinload(ExtensionRequest.decided_by)
        )
    ).scalars()
    explanations = db.session.execute(
        sa.select(ExplanationRequest)
        .where(ExplanationRequest.task_id == task_id)
        .order_by(ExplanationRequest.id)
        .options(
            selectinload(ExplanationRequest.requested_by),
            selectinload(ExplanationRequest.answered_by),
        )
    ).scalars()
    return TaskRequests(list(extensions), list(explanations))
