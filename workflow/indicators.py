"""Indicators: load the framework from its data file, assign to units, enter yearly values.

Every write goes through a unit of work with its audit event, like task changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    ChangeDirection,
    Indicator,
    IndicatorAssignment,
    IndicatorKind,
    IndicatorValue,
    Plan,
    Report,
    Role,
    Task,
    Unit,
    User,
    db,
)
from workflow import audit, clock, permissions
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.transaction import unit_of_work

RATING_LABELS = {5: "Xuất sắc", 4: "Rất tốt", 3: "Tốt", 2: "Khá", 1: "Yếu"}
CHANGE_LABELS = {
    ChangeDirection.INCREASE: "Tăng",
    ChangeDirection.SAME: "Không đổi",
    ChangeDirection.DECREASE: "Giảm",
}


def can_assign(user: User) -> bool:
    """Admins, and coordinators of a plan's tracking unit, set which indicators a unit
    answers for and its targets.

    The framework has no owner per indicator: it is owned by the standing agency (cơ quan
    thường trực) that tracks the plans the indicators measure. A coordinator of any other
    unit may not set another unit's targets, nor their own (review 2026-12, L-indicators).
    """
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.COORDINATOR or user.unit_id is None:
        return False
    tracks = db.session.execute(
        sa.select(Plan.id).where(Plan.tracking_unit_id == user.unit_id).limit(1)
    ).first()
    return tracks is not None


def can_enter(user: User, unit_id: int) -> bool:
    """A unit's own members and coordinators enter its values (admins may correct them)."""
    if user.role == Role.ADMIN:
        return True
    return user.role in (Role.MEMBER, Role.COORDINATOR) and user.unit_id == unit_id


def assign(
    indicator_id: int,
    unit_id: int,
    year: int,
    actor: User,
    *,
    target_text: str | None = None,
    target_value: float | None = None,
) -> int:
    """Give an indicator to a unit for a year (or change its target); audited."""
    if not can_assign(actor):
        raise PermissionDenied(
            "Chỉ quản trị viên và điều phối viên của cơ quan thường trực kế hoạch mới được "
            "giao chỉ số và đặt chỉ tiêu."
        )
    if target_value is not None and not math.isfinite(target_value):
        raise InvalidInput("Chỉ tiêu phải là một số hữu hạn.")
    # indicator_assignments.target_text is VARCHAR(300): PostgreSQL refuses a longer one.
    if target_text is not None and len(target_text) > 300:
        raise InvalidInput("Chỉ tiêu dài quá 300 ký tự.")
    with unit_of_work():
        indicator = db.session.get(Indicator, indicator_id)
        unit = db.session.get(Unit, unit_id)
        if indicator is None or unit is None:
            raise NotFound("Không tìm thấy chỉ số hoặc đơn vị.")
        row = db.session.execute(
            sa.select(IndicatorAssignment).where(
                IndicatorAssignment.indicator_id == indicator_id,
                IndicatorAssignment.unit_id == unit_id,
                IndicatorAssignment.year == year,
            )
        ).scalar_one_or_none()
        before = None
        if row is None:
            row = IndicatorAssignment(
                indicator_id=indicator_id, unit_id=unit_id, year=year, assigned_by_id=actor.id
            )
            db.session.add(row)
        else:
            before = {"target_text": row.target_text, "target_value": row.target_value}
        row.target_text = target_text if target_text is not None else indicator.target_text
        row.target_value = target_value if target_value is not None else indicator.target_value
        db.session.flush()
        audit.record(
            "indicator.assign",
            actor=actor,
            object_type="indicator_assignment",
            object_id=row.id,
            unit_id=unit_id,
            before=before,
            after={
                "indicator": indicator.code,
                "unit_id": unit_id,
                "year": year,
                "target_text": row.target_text,
                "target_value": row.target_value,
            },
        )
        row_id = row.id
    return row_id


@dataclass
class ValueInput:
    """What a person typed for one indicator; which fields count depends on its kind."""

    number: float | None = None
    change: str | None = None
    rating: int | None = None
    note: str | None = None


def _clean(indicator: Indicator, value: ValueInput) -> dict[str, Any]:
    note = (value.note or "").strip() or None
    fields: dict[str, Any] = {"number": None, "change": None, "rating": None, "note": note}
    kind, code = indicator.kind, indicator.code
    # NaN slips past every comparison below, and PostgreSQL's JSON refuses it in the
    # audit event: a number must be finite whatever the indicator's kind.
    if value.number is not None and not math.isfinite(value.number):
        raise InvalidInput("Chỉ số %(code)s: số liệu phải là một số hữu hạn.", code=code)
    if kind in (IndicatorKind.PERCENTAGE, IndicatorKind.COUNT):
        if value.number is None:
            raise InvalidInput("Chỉ số %(code)s: hãy nhập số liệu.", code=code)
        if value.number < 0 or (kind == IndicatorKind.PERCENTAGE and value.number > 100):
            raise InvalidInput("Chỉ số %(code)s: tỷ lệ phải từ 0 đến 100.", code=code)
        fields["number"] = float(value.number)
    elif kind == IndicatorKind.CHANGE:
        try:
            fields["change"] = ChangeDirection(value.change or "")
        except ValueError as e:
            raise InvalidInput("Chỉ số %(code)s: chọn Tăng, Không đổi hoặc Giảm.", code=code) from e
        fields["number"] = value.number
    elif kind == IndicatorKind.RATING:
        if value.rating not in RATING_LABELS:
            raise InvalidInput("Chỉ số %(code)s: mức đánh giá từ 1 đến 5.", code=code)
        fields["rating"] = int(value.rating)
    elif not note:
        raise InvalidInput("Chỉ số %(code)s: hãy ghi kết quả.", code=code)
    return fields


def save_value(
    indicator_id: int,
    unit_id: int,
    year: int,
    actor: User,
    value: ValueInput,
    *,
    task_id: int | None = None,
    report_id: int | None = None,
    on_behalf_of: User | None = None,
) -> IndicatorValue:
    """Record (or correct) a value inside the caller's transaction, with its audit event.

    Never commits: `enter_value` wraps it in its own unit of work, and a task's report
    (`workflow.task_reports.submit_report`) calls it inside the report's, so the report and its
    values are written together or not at all. A value that does not fit the indicator's
    kind raises InvalidInput.
    """
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound("Không tìm thấy chỉ số.")
    fields = _clean(indicator, value)
    row = db.session.execute(
        sa.select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator_id,
            IndicatorValue.unit_id == unit_id,
            IndicatorValue.year == year,
        )
    ).scalar_one_or_none()
    before = None
    if row is None:
        row = IndicatorValue(indicator_id=indicator_id, unit_id=unit_id, year=year)
        db.session.add(row)
    else:
        before = {k: getattr(row, k) for k in ("number", "change", "rating", "note")}
    for key, val in fields.items():
        setattr(row, key, val)
    row.entered_by_id = actor.id
    row.entered_at = clock.now()
    row.task_id = task_id if task_id is not None else row.task_id
    row.report_id = report_id if report_id is not None else row.report_id
    db.session.flush()
    audit.record(
        "indicator.value",
        actor=actor,
        object_type="indicator_value",
        object_id=row.id,
        unit_id=unit_id,
        before=before,
        after={
            "indicator": indicator.code,
            "year": year,
            **fields,
            "task_id": row.task_id,
            "report_id": row.report_id,
        },
        on_behalf_of=on_behalf_of,
    )
    return row


def enter_value(
    indicator_id: int,
    unit_id: int,
    year: int,
    actor: User,
    value: ValueInput,
    *,
    task_id: int | None = None,
    report_id: int | None = None,
) -> int:
    """Record (or correct) a unit's value of an indicator for a year on its own; audited."""
    if not can_enter(actor, unit_id):
        raise PermissionDenied("Chỉ đơn vị được giao mới nhập số liệu chỉ số của mình.")
    with unit_of_work():
        _check_assigned(indicator_id, unit_id, year)
        if task_id is not None or report_id is not None:
            _check_link(actor, unit_id, task_id, report_id)
        row = save_value(
            indicator_id, unit_id, year, actor, value, task_id=task_id, report_id=report_id
        )
        row_id = row.id
    return row_id


def _check_assigned(indicator_id: int, unit_id: int, year: int) -> None:
    assigned = db.session.execute(
        sa.select(IndicatorAssignment.id).where(
            IndicatorAssignment.indicator_id == indicator_id,
            IndicatorAssignment.unit_id == unit_id,
            IndicatorAssignment.year == year,
        )
    ).first()
    if assigned is None:
        raise InvalidInput(
            "Chỉ số này chưa được giao cho đơn vị trong năm %(year)s; chưa lưu số liệu.", year=year
        )


def _check_link(actor: User, unit_id: int, task_id: int | None, report_id: int | None) -> None:
    """A value may name only a task of its unit that the actor may report on (admins, who
    correct values, any task of that unit), and only a report of that task and unit.

    One refusal for a task that does not exist and one the actor may not see, so the form
    cannot be used to probe task ids (review 2026-12, L-indicators).
    """
    refused = PermissionDenied(
        "Chỉ được gắn số liệu chỉ số với nhiệm vụ mà đơn vị bạn chủ trì và bạn được báo cáo."
    )
    task = db.session.get(Task, task_id) if task_id is not None else None
    if task is None or task.lead_unit_id != unit_id:
        raise refused
    if actor.role != Role.ADMIN and permissions.refusal(task, actor, "report", set()):
        raise refused
    if report_id is not None:
        report = db.session.get(Report, report_id)
        if report is None or report.task_id != task.id or report.unit_id != unit_id:
            raise refused


def task_year(task: Task) -> int:
    """The year a task's indicator values belong to: its due date's, else its plan's."""
    if task.due_on is not None:
        return task.due_on.year
    return task.plan.year or clock.today().year


def assigned_indicators(unit_id: int | None, year: int) -> list[IndicatorAssignment]:
    """The unit's indicators for the year, in the framework's order (two statements)."""
    if unit_id is None:
        return []
    return list(
        db.session.execute(
            sa.select(IndicatorAssignment)
            .join(Indicator, IndicatorAssignment.indicator_id == Indicator.id)
            .where(IndicatorAssignment.unit_id == unit_id, IndicatorAssignment.year == year)
            .options(selectinload(IndicatorAssignment.indicator))
            .order_by(Indicator.position)
        ).scalars()
    )


def save_report_values(
    task: Task,
    report: Report,
    actor: User,
    values: Mapping[int, ValueInput],
    *,
    on_behalf_of: User | None = None,
) -> list[IndicatorValue]:
    """The values sent with a task's report, inside the report's transaction (no commit).

    Only the indicators assigned to the reporting unit for the task's year are accepted;
    each value is linked to the task and the report and audited like any other entry.
    """
    if not values:
        return []
    year = task_year(task)
    assigned = {a.indicator_id for a in assigned_indicators(report.unit_id, year)}
    stray = set(values) - assigned
    if stray:
        raise InvalidInput(
            "Chỉ số gửi kèm không được giao cho đơn vị trong năm %(year)s; báo cáo chưa được gửi.",
            year=year,
        )
    return [
        save_value(
            indicator_id,
            report.unit_id,
            year,
            actor,
            value,
            task_id=task.id,
            report_id=report.id,
            on_behalf_of=on_behalf_of,
        )  # fmt: skip
        for indicator_id, value in sorted(values.items())
    ]
