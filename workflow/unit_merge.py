"""Merge units and retire them into a successor, in one audited step.

The 2025 reorganisation removed district-level government and merged provinces: a unit
stops and another carries its work. What is still moving goes to the successor — open
tasks it leads or coordinates, its users, its aliases, this year's and later indicator
assignments, its group memberships, its child units and the tracking of active plans —
while what is done stays with the old unit, under the name it bore (plans, reports and the
trail keep it; reports for a past day read the name history, reports.unit_names).

Every event of one step carries the same `group` key in its `after`, so the trail shows
the step whole: one `task.reassign` per moved lead task (the as-of views replay those)
and one `unit.merge` or `unit.retire` event listing everything moved.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from models import (
    IndicatorAssignment,
    Plan,
    PlanStatus,
    Role,
    Task,
    TaskUnit,
    Unit,
    UnitAlias,
    UnitGroup,
    UnitRole,
    User,
    db,
    unit_group_members,
)
from models.units import ALIAS_GLOBAL
from workflow import audit, clock, unit_admin, unit_history
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.permissions import OPEN_STATES
from workflow.text import fold
from workflow.transaction import unit_of_work


@dataclass
class Transfer:
    """What moved from one unit to its successor (ids, for the event and the caller)."""

    lead_tasks: list[int] = field(default_factory=list)
    coordinating_tasks: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    aliases: list[int] = field(default_factory=list)
    assignments: list[int] = field(default_factory=list)
    kept_assignments: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    children: list[int] = field(default_factory=list)
    plans: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        """The lists, for an audit event."""
        return {k: list(v) for k, v in self.__dict__.items()}


def _check_admin(actor: User | None) -> None:
    # The command line (actor None) is the operator's own; on the web only admins merge.
    if actor is not None and actor.role != Role.ADMIN:
        raise PermissionDenied("Chỉ quản trị viên mới được sáp nhập hoặc giải thể đơn vị.")


def _unit(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def _check_pair(source: Unit, successor: Unit) -> None:
    if source.id == successor.id:
        raise InvalidInput("Đơn vị kế thừa phải khác đơn vị bị giải thể.")
    if not source.active or source.retired_on is not None:
        raise InvalidInput(
            "Đơn vị «%(unit)s» đã ngừng hoạt động.",
            unit=source.name,
        )
    if not successor.active:
        raise InvalidInput(
            "Đơn vị kế thừa «%(unit)s» đã ngừng hoạt động.",
            unit=successor.name,
        )
    # The successor must not sit under the unit it replaces (it would be left in a
    # retired branch): its children move to the successor, so refuse a cycle.
    node: Unit | None = successor.parent
    seen: set[int] = set()
    while node is not None and node.id not in seen:
        if node.id == source.id:
            raise InvalidInput(
                "Đơn vị kế thừa không được là đơn vị cấp dưới của đơn vị bị giải thể."
            )
        seen.add(node.id)
        node = node.parent


def _move_tasks(
    source: Unit, successor: Unit, moved: Transfer, actor: User | None, reason: str, group: str
) -> None:
    """Open tasks through the ORM: the counters (workflow/counters.py) follow flushes."""
    open_states = [s.value for s in OPEN_STATES]
    led = db.session.execute(
        sa.select(Task).where(Task.lead_unit_id == source.id, Task.state.in_(open_states))
    ).scalars()
    for task in led:
        before = {"lead_unit_id": task.lead_unit_id}
        for row in task.units:
            if row.role == UnitRole.LEAD and row.unit_id == source.id:
                row.unit_id = successor.id
        task.lead_unit_id = successor.id
        task.updated_at = clock.now()
        moved.lead_tasks.append(task.id)
        audit.record(
            "task.reassign",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before=before,
            after={"lead_unit_id": successor.id, "lead_unit": successor.name, "group": group},
            reason=reason,
        )
    rows = db.session.execute(
        sa.select(TaskUnit)
        .join(Task, Task.id == TaskUnit.task_id)
        .where(
            TaskUnit.unit_id == source.id,
            TaskUnit.role == UnitRole.COORDINATING,
            Task.state.in_(open_states),
        )
    ).scalars()
    for row in rows:
        already = any(
            other.unit_id == successor.id and other.role == UnitRole.COORDINATING
            for other in row.task.units
        )
        if already:
            db.session.delete(row)
        else:
            row.unit_id = successor.id
        moved.coordinating_tasks.append(row.task_id)
    plans = db.session.execute(
        sa.select(Plan).where(Plan.tracking_unit_id == source.id, Plan.status == PlanStatus.ACTIVE)
    ).scalars()
    for plan in plans:
        plan.tracking_unit_id = successor.id
        moved.plans.append(plan.id)


def _move_groups(source: Unit, successor: Unit, moved: Transfer) -> None:
    groups = db.session.execute(
        sa.select(UnitGroup)
        .join(unit_group_members)
        .where(unit_group_members.c.unit_id == source.id)
    ).scalars()
    for grp in groups:
        members = [m for m in grp.members if m.id != source.id]
        if successor not in members:
            members.append(successor)
        grp.members = members
        moved.groups.append(grp.id)


def _move_rest(source: Unit, successor: Unit, moved: Transfer) -> None:
    """Users, aliases, assignments and child units: plain rows, moved in bulk."""
    moved.users = list(
        db.session.execute(sa.select(User.id).where(User.unit_id == source.id)).scalars()
    )
    if moved.users:
        db.session.execute(
            sa.update(User).where(User.id.in_(moved.users)).values(unit_id=successor.id),
            execution_options={"synchronize_session": "fetch"},
        )
    moved.aliases = list(
        db.session.execute(sa.select(UnitAlias.id).where(UnitAlias.unit_id == source.id)).scalars()
    )
    if moved.aliases:
        db.session.execute(
            sa.update(UnitAlias)
            .where(UnitAlias.id.in_(moved.aliases))
            .values(unit_id=successor.id),
            execution_options={"synchronize_session": "fetch"},
        )
    # The old name becomes a spelling of the successor: later documents still write it.
    folded = fold(source.name)
    taken = db.session.execute(
        sa.select(UnitAlias.id).where(
            UnitAlias.folded == folded, UnitAlias.scope == ALIAS_GLOBAL, UnitAlias.scope_key == ""
        )
    ).first()
    if folded and not taken and folded != fold(successor.name):
        alias = UnitAlias(text=source.name, folded=folded, unit_id=successor.id)
        db.session.add(alias)
        db.session.flush()
        moved.aliases.append(alias.id)
    # This year's and later assignments move; past years stay with the unit that had them
    # (their year-end reports are history). One the successor already holds stays put.
    year = clock.today().year
    current = (
        db.session.execute(
            sa.select(IndicatorAssignment).where(
                IndicatorAssignment.unit_id == source.id, IndicatorAssignment.year >= year
            )
        )
        .scalars()
        .all()
    )
    held = set(
        db.session.execute(
            sa.select(IndicatorAssignment.indicator_id, IndicatorAssignment.year).where(
                IndicatorAssignment.unit_id == successor.id, IndicatorAssignment.year >= year
            )
        ).all()
    )
    for assignment in current:
        if (assignment.indicator_id, assignment.year) in held:
            moved.kept_assignments.append(assignment.id)
        else:
            assignment.unit_id = successor.id
            moved.assignments.append(assignment.id)
    moved.children = list(
        db.session.execute(
            sa.select(Unit.id).where(Unit.parent_id == source.id, Unit.id != successor.id)
        ).scalars()
    )
    if moved.children:
        db.session.execute(
            sa.update(Unit).where(Unit.id.in_(moved.children)).values(parent_id=successor.id),
            execution_options={"synchronize_session": "fetch"},
        )


def transfer(
    source: Unit, successor: Unit, actor: User | None, reason: str, group: str
) -> Transfer:
    """Move `source`'s open work to `successor` and retire it, in the caller's transaction.

    Writes the `task.reassign` events; the caller writes the step's summary event."""
    _check_pair(source, successor)
    moved = Transfer()
    _move_tasks(source, successor, moved, actor, reason, group)
    _move_groups(source, successor, moved)
    _move_rest(source, successor, moved)
    source.active = False
    source.retired_on = clock.today()
    source.successor_id = successor.id
    db.session.flush()
    return moved


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Hãy nêu lý do (ví dụ: số quyết định sáp nhập).")
    return reason[:1000]


def merge_units(
    source_ids: list[int],
    successor_id: int,
    actor: User | None,
    *,
    reason: str,
    new_name: str | None = None,
) -> dict[str, Any]:
    """Merge the source units into the successor (optionally renamed): one audited step.

    Returns what moved, by source code."""
    _check_admin(actor)
    reason = _reason(reason)
    sources = list(dict.fromkeys(source_ids))
    if not sources:
        raise InvalidInput("Hãy chọn ít nhất một đơn vị để sáp nhập.")
    group = f"unit_merge:{uuid.uuid4().hex}"
    with unit_of_work():
        successor = _unit(successor_id)
        before_name = successor.name
        new_name = " ".join((new_name or "").split())[:300]
        if new_name and new_name != successor.name:
            # Names repeat across districts; only a sibling of the same name is refused.
            if unit_admin.sibling_named(new_name, successor.parent_id, successor.id):
                raise InvalidInput("Đã có đơn vị khác mang tên này trong cùng đơn vị cấp trên.")
            unit_history.rename(successor, new_name)
            successor.name = new_name
        result: dict[str, Any] = {}
        for source_id in sources:
            source = _unit(source_id)
            result[source.code] = {
                "unit_id": source.id,
                "name": source.name,
                **transfer(source, successor, actor, reason, group).as_dict(),
            }
        audit.record(
            "unit.merge",
            actor=actor,
            object_type="unit",
            object_id=successor.id,
            unit_id=successor.id,
            before={"name": before_name},
            after={
                "name": successor.name,
                "code": successor.code,
                "sources": result,
                "group": group,
            },
            reason=reason,
        )
    return result


def retire_unit(
    unit_id: int, actor: User | None, *, reason: str, successor_id: int | None = None
) -> dict[str, Any]:
    """Dissolve a unit; with a successor, its open work moves there (see `transfer`).

    Without one, only a unit with no open task, user or child may be dissolved."""
    _check_admin(actor)
    reason = _reason(reason)
    group = f"unit_retire:{uuid.uuid4().hex}"
    with unit_of_work():
        unit = _unit(unit_id)
        after = retire_in_transaction(unit, successor_id, actor, reason, group)
    return after


def retire_in_transaction(
    unit: Unit, successor_id: int | None, actor: User | None, reason: str, group: str
) -> dict[str, Any]:
    """Retire `unit` inside the caller's transaction and write its `unit.retire` event."""
    if successor_id is not None:
        successor = _unit(successor_id)
        moved = transfer(unit, successor, actor, reason, group).as_dict()
    else:
        if not unit.active:
            raise InvalidInput(
                "Đơn vị «%(unit)s» đã ngừng hoạt động.",
                unit=unit.name,
            )
        _refuse_open_work(unit)
        unit.active = False
        unit.retired_on = clock.today()
        moved = {}
    after = {
        "name": unit.name,
        "code": unit.code,
        "successor_id": successor_id,
        "moved": moved,
        "group": group,
    }
    audit.record(
        "unit.retire",
        actor=actor,
        object_type="unit",
        object_id=unit.id,
        unit_id=unit.id,
        before={"active": True},
        after=after,
        reason=reason,
    )
    return after


def _refuse_open_work(unit: Unit) -> None:
    open_states = [s.value for s in OPEN_STATES]
    checks = (
        (
            sa.select(Task.id).where(Task.lead_unit_id == unit.id, Task.state.in_(open_states)),
            "còn nhiệm vụ đang thực hiện",
        ),
        (
            sa.select(User.id).where(User.unit_id == unit.id, User.active.is_(True)),
            "còn người dùng",
        ),
        (
            sa.select(Unit.id).where(Unit.parent_id == unit.id, Unit.active.is_(True)),
            "còn đơn vị cấp dưới",
        ),
    )
    for query, what in checks:
        if db.session.execute(query.limit(1)).first() is not None:
            raise InvalidInput(
                "Đơn vị «%(unit)s» %(what)s: hãy chọn đơn vị kế thừa để chuyển giao.",
                unit=unit.name,
                what=what,
            )
