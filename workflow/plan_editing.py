"""Plans and tasks by hand: create a plan, add, edit, move and remove its items, edit its
header, withdraw a mistaken import as a whole.

Every service takes ids and plain values, checks who may act (the import permission: admins,
and coordinators of the plan's tracking or issuing unit), refuses with a Vietnamese message
and writes nothing, or makes the change with its audit event in one transaction. Nothing is
ever deleted: removing an item cancels its task (and its open sub-tasks), and withdrawing a
plan cancels every open task of it, each with its own "task.cancel" event so that each
task's history shows why it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from importer.timeframes import parse_timeframe
from models import (
    Plan,
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
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, PermissionDenied, StaleObject
from workflow.import_commit import find_existing_plan
from workflow.import_permissions import check_can_import
from workflow.inputs import check_due_date
from workflow.plans import (
    DuplicatePlan,
    ItemInput,
    PlanInput,
    UnitRef,
    _lead_units,
    _new_task,
    add_items,
    create_plan,
    propagate_to_subtasks,
    replace_coordinating,
    unit_keys,
    unit_rows,
)
from workflow.snapshots import plan_snapshot, task_snapshot
from workflow.state_machine import fire
from workflow.tasks import _roll_up
from workflow.text import fold
from workflow.transaction import unit_of_work

NUMBER_MAX = 40
TITLE_MAX = 5000
_RECURRENCE = {"yearly": Recurrence.YEARLY, "quarterly": Recurrence.QUARTERLY}
# States a cancellation leaves alone: done is done, and cancelled stays cancelled.
_FINAL = (TaskState.VERIFIED, TaskState.CANCELLED)


# --- input ------------------------------------------------------------------------------


@dataclass
class HeaderFields:
    """A plan's header as a person types it."""

    title: str
    tracking_unit_id: int | None
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None
    year: int | None = None
    period: str | None = None


@dataclass
class ItemFields:
    """One plan item as a person types it: units one per line (by name, alias or code)."""

    number: str
    title: str
    leads: list[str] = field(default_factory=list)
    coordinating: list[str] = field(default_factory=list)
    timeframe_text: str | None = None
    due_on: date | None = None
    content: str | None = None


def _lines(value: str | list[str] | None) -> list[str]:
    if isinstance(value, list):
        items = value
    else:
        items = (value or "").replace("\r", "").split("\n")
    return [line.strip() for line in items if line and line.strip()]


class UnitNames:
    """Unit and group names typed by hand → directory entries, exactly (code, name or alias,
    folded): a typed name never lands on a unit by a fuzzy guess."""

    def __init__(self) -> None:
        from workflow.import_resolution import Resolver

        self.resolver = Resolver()

    def ref(self, text: str) -> UnitRef:
        text = text.strip()
        if text in self.resolver.unit_by_code:
            unit_id = self.resolver.unit_by_code[text]
            return UnitRef(mention=self._name(unit_id=unit_id), unit_id=unit_id)
        if text in self.resolver.group_by_code:
            group_id = self.resolver.group_by_code[text]
            return UnitRef(mention=self._name(group_id=group_id), group_id=group_id)
        target = self.resolver.by_fold.get(fold(text))
        if target is None:
            raise InvalidInput(
                f"Không tìm thấy đơn vị «{text[:100]}» trong danh mục; hãy ghi đúng tên, "
                "tên viết tắt hoặc mã đơn vị."
            )
        return UnitRef(mention=text[:300], unit_id=target.unit_id, group_id=target.group_id)

    def _name(self, unit_id: int | None = None, group_id: int | None = None) -> str:
        from workflow.import_resolution import Target

        return self.resolver.name_of(Target(unit_id=unit_id, group_id=group_id))

    def refs(self, lines: list[str], kept: dict[str, UnitRef] | None = None) -> list[UnitRef]:
        """The refs of typed lines; `kept` holds mentions an import left unresolved on the
        item, which may stay as they are (still flagged) while other fields are edited."""
        kept = kept or {}
        return [kept.get(fold(line)) or self.ref(line) for line in lines]

    def unit_id(self, text: str | None) -> int | None:
        """The unit a name names, or None when it names none (the issuer is kept as text)."""
        if not (text or "").strip():
            return None
        try:
            return self.ref(text or "").unit_id
        except InvalidInput:
            return None


def _clean_reason(reason: str | None, required: bool, message: str) -> str | None:
    reason = (reason or "").strip() or None
    if required and not reason:
        raise InvalidInput(message)
    if reason and len(reason) > 5000:
        raise InvalidInput("Lý do dài quá 5000 ký tự.")
    return reason


def item_input(
    fields: ItemFields,
    names: UnitNames,
    year: int | None,
    kept: dict[str, UnitRef] | None = None,
) -> ItemInput:
    """The typed item checked and made an `ItemInput`: timeframe parsed into periods and a
    due date (a typed date wins), units resolved exactly."""
    number = (fields.number or "").strip()
    title = (fields.title or "").strip()
    if not number:
        raise InvalidInput("Mỗi nhiệm vụ cần có số thứ tự.")
    if len(number) > NUMBER_MAX:
        raise InvalidInput(f"Số thứ tự «{number[:NUMBER_MAX]}…» quá dài (tối đa 40 ký tự).")
    if not title:
        raise InvalidInput(f"Nhiệm vụ {number} chưa có nội dung.")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Nội dung nhiệm vụ {number} dài quá {TITLE_MAX} ký tự.")
    leads = names.refs(_lines(fields.leads), kept)
    if not leads:
        raise InvalidInput(f"Nhiệm vụ {number} cần có đơn vị chủ trì.")
    coordinating = names.refs(_lines(fields.coordinating), kept)
    text = (fields.timeframe_text or "").strip()[:300] or None
    parsed = parse_timeframe(text, year) if text else None
    due = fields.due_on or (parsed.due if parsed else None)
    if due is not None:
        check_due_date(due, f"Hạn của nhiệm vụ {number}")
    periods = list(parsed.periods) if parsed else []
    if not periods and due is not None:
        periods = [f"{due.year}-{due.month:02d}"]  # the month holding the date (DESIGN.md)
    return ItemInput(
        number=number,
        title=title,
        content=(fields.content or "").strip() or None,
        timeframe_text=text,
        periods=periods,
        due_on=due,
        recurrence=_RECURRENCE.get(parsed.recurrence or "") if parsed else None,
        ongoing=bool(parsed and parsed.ongoing),
        leads=leads,
        coordinating=coordinating,
    )


# --- who may edit -----------------------------------------------------------------------


def can_edit_plan(plan: Plan, user: Any) -> bool:
    """Who may change a plan and its items: admins, and coordinators of its tracking or
    issuing unit (the people who may import and update it); never once it is withdrawn."""
    from workflow.import_permissions import can_update

    return plan.status != PlanStatus.WITHDRAWN and can_update(plan, user)


def _check_can_edit(plan: Plan, actor: User) -> None:
    if plan.status == PlanStatus.WITHDRAWN:
        raise InvalidInput("Kế hoạch đã bị thu hồi; không sửa được.")
    if not can_edit_plan(plan, actor):
        raise PermissionDenied(
            "Chỉ quản trị viên hoặc điều phối viên của cơ quan thường trực (hoặc cơ quan ban "
            "hành) mới được sửa kế hoạch này."
        )


def _load_plan(plan_id: int) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch.")
    return plan


def _plan_tasks(plan_id: int) -> list[Task]:
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id)
            .order_by(Task.position, Task.id)
            .options(selectinload(Task.units), selectinload(Task.subtasks))
        ).scalars()
    )


def _load_item(task_id: int) -> Task:
    task = db.session.execute(
        sa.select(Task)
        .where(Task.id == task_id)
        .options(
            selectinload(Task.plan),
            selectinload(Task.units).selectinload(TaskUnit.unit),
            selectinload(Task.units).selectinload(TaskUnit.group).selectinload(UnitGroup.members),
            selectinload(Task.subtasks).selectinload(Task.units),
        )
    ).scalar_one_or_none()
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.")
    if task.parent_id is not None:
        raise InvalidInput(
            "Đây là nhiệm vụ con của một đơn vị; hãy sửa nhiệm vụ gốc trong kế hoạch."
        )
    return task


def _check_version(obj: Plan | Task, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleObject("Dữ liệu vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại.")


def work_started(task: Task) -> bool:
    """Whether the task (or one of its sub-tasks) has moved beyond its assignment."""
    return task.state != TaskState.ASSIGNED or any(
        s.state != TaskState.ASSIGNED for s in task.subtasks
    )


def _check_number_free(plan_id: int, number: str, except_task_id: int | None = None) -> None:
    """Item numbers are unique among the plan's items that stand (a cancelled one frees it)."""
    query = sa.select(Task.id).where(
        Task.plan_id == plan_id,
        Task.parent_id.is_(None),
        Task.number == number,
        Task.state != TaskState.CANCELLED,
    )
    if except_task_id is not None:
        query = query.where(Task.id != except_task_id)
    if db.session.execute(query.limit(1)).first() is not None:
        raise InvalidInput(f"Kế hoạch đã có nhiệm vụ số {number}.")


def _renumber(plan_id: int) -> None:
    """Positions 0, 1, 2 … in the order items are shown: each item, then its sub-tasks.
    Only the rows whose position changes are written (each write bumps a task's version)."""
    tasks = _plan_tasks(plan_id)
    top = [t for t in tasks if t.parent_id is None]
    position = 0
    for task in top:
        for row in [task, *sorted(task.subtasks, key=lambda s: (s.position, s.id))]:
            if row.position != position:
                row.position = position
            position += 1


# --- a plan by hand ---------------------------------------------------------------------


def _header_values(header: HeaderFields, names: UnitNames) -> dict[str, Any]:
    title = (header.title or "").strip()
    if not title:
        raise InvalidInput("Kế hoạch cần có tiêu đề.")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Tiêu đề dài quá {TITLE_MAX} ký tự.")
    number = (header.number or "").strip() or None
    if number and len(number) > 80:
        raise InvalidInput("Số kế hoạch quá dài (tối đa 80 ký tự).")
    tracking = db.session.get(Unit, header.tracking_unit_id) if header.tracking_unit_id else None
    if tracking is None or not tracking.active:
        raise InvalidInput("Hãy chọn cơ quan thường trực (đơn vị theo dõi) có trong danh mục.")
    issuer_name = (header.issuer or "").strip()[:300] or tracking.name
    if header.year is not None and not 1900 <= header.year <= 2200:
        raise InvalidInput("Năm của kế hoạch không hợp lệ.")
    if header.issued_on is not None and not 1900 <= header.issued_on.year <= 2200:
        raise InvalidInput("Ngày ban hành không hợp lệ.")
    year = header.year or (header.issued_on.year if header.issued_on else None)
    period = (header.period or "").strip()[:40] or (str(year) if year else None)
    return {
        "number": number,
        "title": title,
        "issued_on": header.issued_on,
        "issuer_name": issuer_name,
        "issuer_id": names.unit_id(issuer_name),
        "tracking_unit_id": tracking.id,
        "year": year,
        "period": period,
    }


def create_plan_by_hand(header: HeaderFields, items: list[ItemFields], actor: User) -> int:
    """Create a plan typed by hand with its items, through the same service an import
    commit uses (fan-out to groups and multi-unit leads, "task.create" events); returns the
    plan's id. A plan already in PlanWork (same number, or same issuer, date and title) is
    refused as a duplicate."""
    check_can_import(actor)
    names = UnitNames()
    values = _header_values(header, names)
    item_inputs = [item_input(item, names, values["year"]) for item in items]
    existing = find_existing_plan(
        {
            "plan": {
                "number": values["number"],
                "title": values["title"],
                "issuer": values["issuer_name"],
                "issued_on": values["issued_on"].isoformat() if values["issued_on"] else None,
            }
        }
    )
    if existing is not None:
        raise DuplicatePlan(values["number"] or "", existing.id)
    return create_plan(PlanInput(**values, items=item_inputs), actor)


def update_plan_header(
    plan_id: int,
    actor: User,
    header: HeaderFields,
    *,
    expected_version: int | None,
    reason: str | None = None,
) -> int:
    """Change the plan's number, date, issuer, tracking unit, title or period ("plan.update",
    with a reason once work on any of its tasks has started); returns the new version."""
    with unit_of_work():
        plan = _load_plan(plan_id)
        _check_version(plan, expected_version)
        _check_can_edit(plan, actor)
        values = _header_values(header, UnitNames())
        started = (
            db.session.execute(
                sa.select(Task.id)
                .where(Task.plan_id == plan.id, Task.state != TaskState.ASSIGNED)
                .limit(1)
            ).first()
            is not None
        )
        reason = _clean_reason(
            reason, started, "Kế hoạch đã có nhiệm vụ đang thực hiện; hãy nêu lý do sửa."
        )
        if values["number"] and values["number"] != plan.number:
            other = db.session.execute(
                sa.select(Plan.id).where(
                    Plan.number == values["number"],
                    Plan.status != PlanStatus.WITHDRAWN,
                    Plan.id != plan.id,
                )
            ).first()
            if other is not None:
                raise InvalidInput(f"Kế hoạch số {values['number']} đã có trong hệ thống.")
        before = plan_snapshot(plan)
        for key, value in values.items():
            if getattr(plan, key) != value:
                setattr(plan, key, value)
        after = plan_snapshot(plan)
        changed = [k for k in after if after[k] != before[k]]
        if not changed:
            raise InvalidInput("Không có gì thay đổi.")
        audit.record(
            "plan.update",
            actor=actor,
            object_type="plan",
            object_id=plan.id,
            plan_id=plan.id,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reason=reason,
        )
        db.session.flush()
        version = plan.version
    return version


# --- items ------------------------------------------------------------------------------


def add_item(plan_id: int, actor: User, fields: ItemFields, *, reason: str | None = None) -> int:
    """Add an item at the end of the plan (with fan-out and its "task.create" events);
    returns the new task's id."""
    with unit_of_work():
        plan = _load_plan(plan_id)
        _check_can_edit(plan, actor)
        item = item_input(fields, UnitNames(), plan.year)
        _check_number_free(plan.id, item.number)
        last = db.session.execute(
            sa.select(sa.func.max(Task.position)).where(Task.plan_id == plan.id)
        ).scalar_one()
        add_items(
            plan,
            [item],
            actor,
            first_position=(last if last is not None else -1) + 1,
            reason=_clean_reason(reason, False, ""),
        )
        task_id = db.session.execute(
            sa.select(Task.id)
            .where(Task.plan_id == plan.id, Task.parent_id.is_(None), Task.number == item.number)
            .order_by(Task.id.desc())
            .limit(1)
        ).scalar_one()
    return task_id


def _cancel(task: Task, actor: User, reason: str | None, extra: dict[str, Any]) -> None:
    """Cancel one task through the state machine, with its own audit event."""
    _cancel_all([task], actor, reason, extra)


def _cancel_all(tasks: list[Task], actor: User, reason: str | None, extra: dict[str, Any]) -> None:
    """Cancel the tasks through the state machine, each with its own audit event. The rows
    are changed and flushed first, in one go, then the events appended: a withdrawal of a
    plan with a thousand tasks does not pay a flush per task on top of the trail's own
    statements per event."""
    now = clock.now()
    before: list[TaskState] = []
    for task in tasks:
        before.append(task.state)
        fire(task, "cancel")
        task.updated_at = now
    db.session.flush()
    for task, state in zip(tasks, before, strict=True):
        audit.record(
            "task.cancel",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            unit_id=task.lead_unit_id,
            before={"state": state},
            after={"state": task.state, **extra},
            reason=reason,
        )


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
        if sub.state not in _FINAL:
            _cancel(sub, actor, reason, {"lead_removed": True})
    if removed and not any(unit_id not in current for unit_id in unit_ids):
        # Only leads taken away: the item may now be done (all the rest verified).
        _roll_up(removed[0], actor)
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
        # Placed after the existing sub-tasks; _renumber closes the gaps.
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
        task = _load_item(task_id)
        plan = task.plan
        _check_can_edit(plan, actor)
        _check_version(task, expected_version)
        if task.state == TaskState.CANCELLED:
            raise InvalidInput("Nhiệm vụ đã bị hủy; không sửa được.")
        reason = _clean_reason(
            reason, work_started(task), "Nhiệm vụ đã bắt đầu thực hiện; hãy nêu lý do sửa."
        )
        unresolved = {
            fold(tu.mention): UnitRef(mention=tu.mention, needs_review=True)
            for tu in task.units
            if tu.unit_id is None and tu.group_id is None
        }
        new = item_input(fields, UnitNames(), plan.year, unresolved)
        if new.number != task.number:
            _check_number_free(plan.id, new.number, except_task_id=task.id)
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
        if coord_changed:
            before["coordinating"] = [tu.display_name for tu in old_coord]
            after["coordinating"] = [r.mention for r in new.coordinating]
            replace_coordinating(task, new.coordinating)
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
        propagate_to_subtasks(task, changed, actor, reason, now, skip_cancelled=True)
        db.session.flush()
        _renumber(plan.id)
        db.session.flush()
        version = task.version
    return version


def move_item(task_id: int, actor: User, direction: str, *, expected_version: int | None) -> None:
    """Move an item one place up or down among the plan's items ("task.move")."""
    if direction not in ("up", "down"):
        raise InvalidInput("Hướng di chuyển không hợp lệ.")
    with unit_of_work():
        task = _load_item(task_id)
        plan = task.plan
        _check_can_edit(plan, actor)
        _check_version(task, expected_version)
        top = [t for t in _plan_tasks(plan.id) if t.parent_id is None]
        index = top.index(task)
        target = index - 1 if direction == "up" else index + 1
        if not 0 <= target < len(top):
            raise InvalidInput("Nhiệm vụ đã ở đầu (hoặc cuối) kế hoạch.")
        neighbour = top[target]
        top[index], top[target] = top[target], top[index]
        position = 0
        for item in top:
            for row in [item, *sorted(item.subtasks, key=lambda s: (s.position, s.id))]:
                if row.position != position:
                    row.position = position
                position += 1
        audit.record(
            "task.move",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=plan.id,
            before={"order": index + 1},
            after={
                "order": target + 1,
                ("after" if direction == "down" else "before"): neighbour.number,
            },
        )


def remove_item(task_id: int, actor: User, *, expected_version: int | None, reason: str) -> None:
    """Take an item out of the plan: its task and open sub-tasks are cancelled with the
    reason (the trail keeps everything; nothing is deleted). A verified item stays."""
    with unit_of_work():
        task = _load_item(task_id)
        _check_can_edit(task.plan, actor)
        _check_version(task, expected_version)
        reason = _clean_reason(reason, True, "Hãy nêu lý do bỏ nhiệm vụ khỏi kế hoạch.")
        if task.state == TaskState.CANCELLED:
            raise InvalidInput("Nhiệm vụ đã bị hủy.")
        if task.state == TaskState.VERIFIED:
            raise InvalidInput("Nhiệm vụ đã được xác nhận hoàn thành; không thể bỏ.")
        open_subtasks = [sub for sub in task.subtasks if sub.state not in _FINAL]
        _cancel_all([*open_subtasks, task], actor, reason, {"removed_from_plan": True})


def withdraw_plan(plan_id: int, actor: User, *, expected_version: int | None, reason: str) -> int:
    """Withdraw a mistaken import as a whole: the plan becomes "withdrawn" (đã thu hồi) and
    every open task of it is cancelled, each with its own event, in one transaction; verified
    tasks stay as they are. Returns how many tasks were cancelled."""
    with unit_of_work():
        plan = _load_plan(plan_id)
        _check_version(plan, expected_version)
        if plan.status == PlanStatus.WITHDRAWN:
            raise InvalidInput("Kế hoạch đã bị thu hồi.")
        _check_can_edit(plan, actor)
        reason = _clean_reason(reason, True, "Hãy nêu lý do thu hồi kế hoạch.")
        # Sub-tasks before their parents, so each parent is cancelled after its units' work.
        tasks = sorted(_plan_tasks(plan.id), key=lambda t: (t.parent_id is None, t.position))
        open_tasks = [task for task in tasks if task.state not in _FINAL]
        _cancel_all(open_tasks, actor, reason, {"plan_withdrawn": True})
        cancelled = len(open_tasks)
        before = {"status": plan.status}
        plan.status = PlanStatus.WITHDRAWN
        audit.record(
            "plan.withdraw",
            actor=actor,
            object_type="plan",
            object_id=plan.id,
            plan_id=plan.id,
            before=before,
            after={"status": PlanStatus.WITHDRAWN, "cancelled_tasks": cancelled},
            reason=reason,
        )
    return cancelled
