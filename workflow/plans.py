"""Create plans and their tasks (with fan-out of multi-unit leads) in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    Plan,
    PlanBasis,
    PlanStatus,
    Recurrence,
    Task,
    TaskState,
    TaskUnit,
    Unit,
    UnitGroup,
    UnitRole,
    User,
    db,
)
from workflow import audit
from workflow.errors import InvalidInput
from workflow.signals import task_changed
from workflow.snapshots import plan_snapshot, task_snapshot
from workflow.text import fold
from workflow.transaction import unit_of_work


@dataclass
class UnitRef:
    """A unit as a plan names it: the mention as written and what it resolved to."""

    mention: str
    unit_id: int | None = None
    group_id: int | None = None
    needs_review: bool = False


@dataclass
class ItemInput:
    """One plan item ready to become a task."""

    number: str
    title: str
    section: str | None = None
    content: str | None = None
    timeframe_text: str | None = None
    periods: list[str] = field(default_factory=list)
    due_on: date | None = None
    recurrence: Recurrence | None = None
    ongoing: bool = False
    leads: list[UnitRef] = field(default_factory=list)
    coordinating: list[UnitRef] = field(default_factory=list)


@dataclass
class PlanInput:
    """A reviewed plan: metadata and items."""

    number: str | None
    title: str
    issuer_name: str
    tracking_unit_id: int
    issuer_id: int | None = None
    issued_on: date | None = None
    period: str | None = None
    year: int | None = None
    based_on: list[str] = field(default_factory=list)
    items: list[ItemInput] = field(default_factory=list)
    source_filename: str | None = None
    source_hash: str | None = None


class DuplicatePlan(InvalidInput):
    """A plan with this number exists; the caller may offer an update instead."""

    def __init__(self, number: str, plan_id: int) -> None:
        if number:
            super().__init__("Kế hoạch số %(number)s đã có trong hệ thống.", number=number)
        else:
            super().__init__(
                "Kế hoạch này (cùng cơ quan ban hành, ngày và tiêu đề, hoặc cùng văn bản) "
                "đã có trong hệ thống."
            )
        self.plan_id = plan_id


def find_plan_by_number(number: str | None) -> Plan | None:
    """The standing plan with this number, if any (a withdrawn one no longer holds it)."""
    if not number:
        return None
    return db.session.execute(
        sa.select(Plan).where(Plan.number == number, Plan.status != PlanStatus.WITHDRAWN)
    ).scalar_one_or_none()


def _lead_units(refs: list[UnitRef], groups: dict[int, UnitGroup]) -> list[int]:
    """Every unit that leads: groups expand to their members, order kept, no repeats."""
    unit_ids: list[int] = []
    for ref in refs:
        if ref.unit_id is not None:
            candidates = [ref.unit_id]
        elif ref.group_id is not None:
            candidates = [m.id for m in groups[ref.group_id].members if m.active]
        else:
            candidates = []
        for unit_id in candidates:
            if unit_id not in unit_ids:
                unit_ids.append(unit_id)
    return unit_ids


def _period_start(periods: list[str]) -> str | None:
    return min(periods) if periods else None


def _validate(plan_input: PlanInput) -> None:
    if not plan_input.title.strip():
        raise InvalidInput("Kế hoạch cần có tiêu đề.")
    if not plan_input.items:
        raise InvalidInput("Kế hoạch chưa có nhiệm vụ nào.")
    numbers = [item.number for item in plan_input.items]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise InvalidInput(
            "Số thứ tự nhiệm vụ bị trùng: %(numbers)s", numbers=", ".join(duplicates)
        )
    for item in plan_input.items:
        if not item.title.strip():
            raise InvalidInput(
                "Nhiệm vụ %(number)s chưa có nội dung.",
                number=item.number,
            )


def _new_task(plan: Plan, item: ItemInput, position: int, **overrides: object) -> Task:
    values: dict[str, object] = {
        "plan": plan,
        "position": position,
        "number": item.number,
        "section": item.section,
        "title": item.title.strip(),
        "content": item.content,
        "timeframe_text": item.timeframe_text,
        "periods": list(item.periods),
        "period_start": _period_start(item.periods),
        "due_on": item.due_on,
        "recurrence": item.recurrence,
        "ongoing": item.ongoing,
        "state": TaskState.ASSIGNED,
    }
    values.update(overrides)
    return Task(**values)


def unit_rows(refs: list[UnitRef], role: UnitRole) -> list[TaskUnit]:
    """The task's unit rows for these mentions; unresolved ones are flagged for review."""
    return [
        TaskUnit(
            unit_id=ref.unit_id,
            group_id=ref.group_id,
            role=role,
            mention=ref.mention,
            needs_review=ref.needs_review or (ref.unit_id is None and ref.group_id is None),
            position=i,
        )
        for i, ref in enumerate(refs)
    ]


def unit_keys(refs: Iterable[UnitRef] | Iterable[TaskUnit]) -> list[tuple[Any, ...]]:
    """Comparable keys of units as named (refs) or stored (rows): the id they resolved
    to, or the folded mention when they did not resolve."""
    return [
        (r.unit_id, r.group_id, None if (r.unit_id or r.group_id) else fold(r.mention))
        for r in refs
    ]


def replace_coordinating(task: Task, refs: list[UnitRef]) -> None:
    """Swap the task's coordinating rows for `refs` (the caller audits the change)."""
    for row in [tu for tu in task.units if tu.role == UnitRole.COORDINATING]:
        task.units.remove(row)
    task.units.extend(unit_rows(refs, UnitRole.COORDINATING))


def apply_item_update(
    task: Task,
    changed: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    old_coord: list[TaskUnit] | None,
    coordinating: list[UnitRef],
    actor: User,
    reason: str | None,
    now: datetime,
    skip_cancelled: bool,
) -> None:
    """Apply an item's changed fields (and its coordinating units when `old_coord` is
    given) with one `task.update` event, then carry the fields to its sub-tasks. Shared
    by the update from a re-imported document and the edit by hand."""
    if old_coord is not None:
        before["coordinating"] = [tu.display_name for tu in old_coord]
        after["coordinating"] = [r.mention for r in coordinating]
        replace_coordinating(task, coordinating)
    for key, value in changed.items():
        setattr(task, key, value)
    task.updated_at = now
    audit.record(
        "task.update",
        actor=actor,
        object_type="task",
        object_id=task.id,
        plan_id=task.plan_id,
        before=before,
        after=after,
        reason=reason,
    )
    propagate_to_subtasks(task, changed, actor, reason, now, skip_cancelled=skip_cancelled)


def propagate_to_subtasks(
    task: Task,
    changed: dict[str, Any],
    actor: User,
    reason: str | None,
    now: datetime,
    *,
    skip_cancelled: bool,
) -> None:
    """Copy the parent's changed fields to its sub-tasks, each with its own audit event."""
    for sub in task.subtasks:
        if skip_cancelled and sub.state == TaskState.CANCELLED:
            continue
        sub_changed = {k: v for k, v in changed.items() if getattr(sub, k) != v}
        if not sub_changed:
            continue
        sub_before = {k: getattr(sub, k) for k in sub_changed}
        for key, value in sub_changed.items():
            setattr(sub, key, value)
        sub.updated_at = now
        audit.record(
            "task.update",
            actor=actor,
            object_type="task",
            object_id=sub.id,
            plan_id=sub.plan_id,
            unit_id=sub.lead_unit_id,
            before=sub_before,
            after=sub_changed,
            reason=reason,
        )


def add_items(
    plan: Plan,
    items: list[ItemInput],
    actor: User,
    first_position: int = 0,
    reason: str | None = None,
) -> int:
    """Create the tasks of `items` under `plan` with fan-out and audit events (with the
    `reason`, when one is given); returns the count."""
    group_ids = {ref.group_id for item in items for ref in item.leads if ref.group_id}
    groups = {
        g.id: g
        for g in db.session.execute(
            sa.select(UnitGroup)
            .where(UnitGroup.id.in_(group_ids))
            .options(selectinload(UnitGroup.members))
        ).scalars()
    }
    unit_names = dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())
    created = 0
    position = first_position
    for item in items:
        leads = _lead_units(item.leads, groups)
        single_lead = leads[0] if len(leads) == 1 else None
        task = _new_task(plan, item, position, lead_unit_id=single_lead)
        task.units = unit_rows(item.leads, UnitRole.LEAD) + unit_rows(
            item.coordinating, UnitRole.COORDINATING
        )
        db.session.add(task)
        position += 1
        created += 1
        subtasks: list[Task] = []
        if len(leads) > 1:
            for unit_id in leads:
                sub = _new_task(
                    plan,
                    item,
                    position,
                    parent=task,
                    lead_unit_id=unit_id,
                )
                sub.units = [
                    TaskUnit(unit_id=unit_id, role=UnitRole.LEAD, mention=unit_names[unit_id])
                ]
                db.session.add(sub)
                subtasks.append(sub)
                position += 1
                created += 1
        db.session.flush()
        audit.record(
            "task.create",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=plan.id,
            after={
                **task_snapshot(task),
                "lead": [ref.mention for ref in item.leads],
                "coordinating": [ref.mention for ref in item.coordinating],
                "subtasks": len(subtasks),
            },
            reason=reason,
        )
        for sub in subtasks:
            audit.record(
                "task.create",
                actor=actor,
                object_type="task",
                object_id=sub.id,
                plan_id=plan.id,
                unit_id=sub.lead_unit_id,
                after={**task_snapshot(sub), "lead": [unit_names[sub.lead_unit_id]]},
                reason=reason,
            )
        # The units that carry the work are told they have it: the sub-tasks of a
        # fanned-out item, else the item itself.
        for assigned in subtasks or [task]:
            task_changed.send(assigned, change="created", actor=actor, reason=reason, before={})
    return created


def create_plan(plan_input: PlanInput, actor: User) -> int:
    """Create the plan and all its tasks, or nothing; returns the plan's id."""
    _validate(plan_input)
    existing = find_plan_by_number(plan_input.number)
    if existing is not None:
        raise DuplicatePlan(plan_input.number or "", existing.id)
    with unit_of_work():
        plan = Plan(
            number=plan_input.number,
            issued_on=plan_input.issued_on,
            issuer_id=plan_input.issuer_id,
            issuer_name=plan_input.issuer_name,
            tracking_unit_id=plan_input.tracking_unit_id,
            title=plan_input.title.strip(),
            period=plan_input.period,
            year=plan_input.year,
            source_filename=plan_input.source_filename,
            source_hash=plan_input.source_hash,
        )
        for reference in plan_input.based_on:
            known = find_plan_by_number(reference)
            plan.bases.append(
                PlanBasis(reference=reference, based_on_plan_id=known.id if known else None)
            )
        db.session.add(plan)
        db.session.flush()
        audit.record(
            "plan.create",
            actor=actor,
            object_type="plan",
            object_id=plan.id,
            plan_id=plan.id,
            after={**plan_snapshot(plan), "items": len(plan_input.items)},
        )
        add_items(plan, plan_input.items, actor)
        plan_id = plan.id
    return plan_id
