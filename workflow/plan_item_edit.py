"""Editing one plan item by hand: its number, title, content, timeframe, due date, lead and
coordinating units, with a "task.update" event; the field changes reach its open sub-tasks,
and a change of lead units fans the item out (or cancels the sub-task of a unit no longer
named) with the events of each.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Task, TaskState, TaskUnit, Unit, UnitGroup, UnitRole, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput
from workflow.plan_access import check_can_edit, check_version, load_item
from workflow.plan_fields import ItemFields, UnitNames, clean_reason, item_input
from workflow.plan_items import check_number_free, renumber, work_started
from workflow.plan_withdrawal import FINAL_STATES, cancel_tasks
from workflow.plans import (
    ItemInput,
    UnitRef,
    _lead_units,
    _new_task,
    apply_item_update,
    unit_keys,
    unit_rows,
)
from workflow.signals import task_changed
from workflow.snapshots import task_snapshot
from workflow.tasks import roll_up
from workflow.text import fold
from workflow.transaction import unit_of_work


def _set_leads(task: Task, leads: list[UnitRef], actor: User, reason: str | None, now: Any) -> None:
    """Give the item new lead units: a single lead is swapped in place; several leads (or a
    group) fan out, a sub-task per unit, and a unit no longer named has its sub-task
    cancelled (never deleted)."""
    groups = {
        g.id: g
        for g in db.session.execute(
            sa.select(UnitGroup)
            .where(UnitGroup.id.in_([r.group_id for r in leads if r.group_id]))
            .options(selectinload(UnitGroup.members))
        ).scalars()
    }
    unit_ids = _lead_units(leads, groups)
    if not unit_ids:
        raise InvalidInput("Nhóm đơn vị chủ trì không có đơn vị nào đang hoạt động.")
    for row in [tu for tu in task.units if tu.role == UnitRole.LEAD]:
        task.units.remove(row)
    task.units.extend(unit_rows(leads, UnitRole.LEAD))
    if not task.subtasks and len(unit_ids) == 1:
        task.lead_unit_id = unit_ids[0]
        return
    if not task.subtasks and task.state != TaskState.ASSIGNED:
        raise InvalidInput(
            "Nhiệm vụ đã bắt đầu thực hiện; không thể chia cho nhiều đơn vị chủ trì. Hãy hủy "
            "và thêm nhiệm vụ mới."
        )
    task.lead_unit_id = None
    current = {s.lead_unit_id: s for s in task.subtasks if s.state != TaskState.CANCELLED}
    removed = [sub for unit_id, sub in current.items() if unit_id not in unit_ids]
    for sub in removed:
        if sub.state not in FINAL_STATES:
            cancel_tasks([sub], actor, reason, {"lead_removed": True})
    if removed and not any(unit_id not in current for unit_id in unit_ids):
        # Only leads taken away: the item may now be done (all the rest verified).
        roll_up(removed[0], actor)
    names = dict(
        db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()
    )
    item = ItemInput(
        number=task.number,
        title=task.title,
        section=task.section,
        content=task.content,
        timeframe_text=task.timeframe_text,
        periods=list(task.periods or []),
        due_on=task.due_on,
        recurrence=task.recurrence,
        ongoing=task.ongoing,
    )
    for offset, unit_id in enumerate(unit_ids):
        if unit_id in current:
            continue
        # Placed after the existing sub-tasks; renumber closes the gaps.
        sub = _new_task(
            task.plan,
            item,
            task.position + 1000 + offset,
            parent=task,
            lead_unit_id=unit_id,
        )
        sub.units = [TaskUnit(unit_id=unit_id, role=UnitRole.LEAD, mention=names[unit_id])]
        db.session.add(sub)
        db.session.flush()
        audit.record(
            "task.create",
            actor=actor,
            object_type="task",
            object_id=sub.id,
            plan_id=task.plan_id,
            unit_id=unit_id,
            after={**task_snapshot(sub), "lead": [names[unit_id]]},
            reason=reason,
        )
        task_changed.send(sub, change="created", actor=actor, reason=reason, before={})


def _announce(
    task: Task, actor: User, reason: str | None, before: dict[str, Any], changed: dict[str, Any]
) -> None:
    """Tell the units concerned what the edit changed (workflow.signals.task_changed)."""
    if task.lead_unit_id is not None and before.get("lead_unit_id", task.lead_unit_id) != (
        task.lead_unit_id
    ):
        task_changed.send(task, change="reassign", actor=actor, reason=reason, before=before)
    if "due_on" in changed:
        task_changed.send(task, change="due", actor=actor, reason=reason, before=before)
    if set(changed) & {"title", "content", "timeframe_text", "number"}:
        task_changed.send(task, change="edit", actor=actor, reason=reason, before=before)


def edit_item(
    task_id: int,
    actor: User,
    fields: ItemFields,
    *,
    expected_version: int | None,
    reason: str | None = None,
) -> int:
    """Change an item's number, title, content, timeframe, due date, lead or coordinating
    units ("task.update"; a reason is required once work has started); the field changes
    reach its open sub-tasks too. Returns the task's new version."""
    with unit_of_work():
        task = load_item(task_id)
        plan = task.plan
        check_can_edit(plan, actor)
        check_version(task, expected_version)
        if task.state == TaskState.CANCELLED:
            raise InvalidInput("Nhiệm vụ đã bị hủy; không sửa được.")
        reason = clean_reason(
            reason, work_started(task), "Nhiệm vụ đã bắt đầu thực hiện; hãy nêu lý do sửa."
        )
        unresolved = {
            fold(tu.mention): UnitRef(mention=tu.mention, needs_review=True)
            for tu in task.units
            if tu.unit_id is None and tu.group_id is None
        }
        new = item_input(fields, UnitNames(), plan.year, unresolved)
        if new.number != task.number:
            check_number_free(plan.id, new.number, except_task_id=task.id)
        values: dict[str, Any] = {
            "number": new.number,
            "title": new.title,
            "content": new.content if fields.content is not None else task.content,
            "timeframe_text": new.timeframe_text,
            "due_on": new.due_on,
        }
        # The periods follow a changed timeframe or date; else the ones the item has stay
        # (an imported item's periods may come from a table the text does not repeat).
        if (new.timeframe_text, new.due_on) != (task.timeframe_text, task.due_on):
            values.update(
                periods=new.periods,
                period_start=min(new.periods) if new.periods else None,
                recurrence=new.recurrence,
                ongoing=new.ongoing,
            )
        changed = {k: v for k, v in values.items() if getattr(task, k) != v}
        old_leads = [tu for tu in task.units if tu.role == UnitRole.LEAD]
        old_coord = [tu for tu in task.units if tu.role == UnitRole.COORDINATING]
        leads_changed = unit_keys(old_leads) != unit_keys(new.leads)
        coord_changed = unit_keys(old_coord) != unit_keys(new.coordinating)
        if not changed and not leads_changed and not coord_changed:
            raise InvalidInput("Không có gì thay đổi.")
        before: dict[str, Any] = {k: getattr(task, k) for k in changed}
        after: dict[str, Any] = dict(changed)
        now = clock.now()
        if leads_changed:
            before["lead"] = [tu.display_name for tu in old_leads]
            after["lead"] = [r.mention for r in new.leads]
            before["lead_unit_id"] = task.lead_unit_id
            _set_leads(task, new.leads, actor, reason, now)
            after["lead_unit_id"] = task.lead_unit_id
        apply_item_update(
            task,
            changed,
            before,
            after,
            old_coord=old_coord if coord_changed else None,
            coordinating=new.coordinating,
            actor=actor,
            reason=reason,
            now=now,
            skip_cancelled=True,
        )
        db.session.flush()
        _announce(task, actor, reason, before, changed)
        renumber(plan.id)
        db.session.flush()
        version = task.version
    return version
