"""What a task's units write on it: the lead unit's report (which moves the task to
"reported") and a coordinating unit's contribution (which moves nothing).

Both take ids and plain values, check who may write, store the text with its attachments
and write the audit event in one transaction. A report, like a transition, sends
`task_transitioned` after the flush inside the unit of work and rolls the parent up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models import Contribution, Report, User, db
from workflow import audit, clock, indicators, permissions
from workflow.attachments import UploadedFile, store_attachments
from workflow.errors import InvalidInput
from workflow.indicators import ValueInput
from workflow.signals import contribution_added, task_transitioned
from workflow.snapshots import task_snapshot
from workflow.state_machine import fire
from workflow.substitutions import acting_for
from workflow.tasks import TransitionResult, check_version, load_task, roll_up
from workflow.transaction import unit_of_work

REPORT_MAX_CHARS = 50_000


def submit_report(
    task_id: int,
    actor: User,
    *,
    expected_version: int | None,
    text: str,
    figures: dict[str, Any] | None = None,
    files: list[UploadedFile] | None = None,
    indicator_values: Mapping[int, ValueInput] | None = None,
) -> TransitionResult:
    """The lead unit reports: text required, figures, attachments and the values of the
    unit's indicators for the task's year optional. The values are saved in the report's
    transaction: a value that does not fit refuses the whole report."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Báo cáo cần có nội dung.")
    if len(text) > REPORT_MAX_CHARS:
        raise InvalidInput(
            "Báo cáo dài quá %(report_max_chars)s ký tự.",
            report_max_chars=REPORT_MAX_CHARS,
        )
    with unit_of_work():
        task = load_task(task_id)
        check_version(task, expected_version)
        principal = acting_for(task, actor, "report", set())
        before = task_snapshot(task, ("state", "reported_late"))
        fire(task, "report")
        now = clock.now()
        late = task.due_on is not None and clock.today() > task.due_on
        task.reported_at = now
        task.reported_late = late
        task.updated_at = now
        report = Report(
            task_id=task.id,
            unit_id=(principal or actor).unit_id,
            author_id=actor.id,
            on_behalf_of_id=principal.id if principal else None,
            text=text,
            figures=figures,
            submitted_at=now,
            late=late,
        )
        db.session.add(report)
        db.session.flush()
        # Values before attachments: a refused value leaves no file behind either.
        indicators.save_report_values(
            task, report, actor, indicator_values or {}, on_behalf_of=principal
        )
        stored = store_attachments(files or [], task=task, uploader=actor, report=report)
        audit.record(
            "task.report",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after={
                "state": task.state,
                "reported_late": late,
                "report_id": report.id,
                "report_text": text,
                "figures": figures,
                "attachments": [a.filename for a in stored],
            },
            on_behalf_of=principal,
        )
        db.session.flush()
        task_transitioned.send(task, event="report", actor=actor, reason=None)
        roll_up(task, actor)
        db.session.flush()
        result = TransitionResult(task.id, task.state, task.version)
    return result


def add_contribution(
    task_id: int, actor: User, *, text: str, files: list[UploadedFile] | None = None
) -> int:
    """A coordinating unit adds its input; the task's state does not move."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Đóng góp cần có nội dung.")
    with unit_of_work():
        task = load_task(task_id)
        if not permissions.can_contribute(task, actor):
            raise permissions.PermissionDenied(
                "Chỉ đơn vị phối hợp mới được thêm đóng góp khi nhiệm vụ còn đang mở."
            )
        contribution = Contribution(
            task_id=task.id, unit_id=actor.unit_id, author_id=actor.id, text=text
        )
        db.session.add(contribution)
        db.session.flush()
        stored = store_attachments(
            files or [], task=task, uploader=actor, contribution=contribution
        )
        audit.record(
            "task.contribute",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            after={
                "contribution_id": contribution.id,
                "text": text,
                "attachments": [a.filename for a in stored],
            },
        )
        contribution_added.send(task, contribution=contribution, actor=actor)
        contribution_id = contribution.id
    return contribution_id
