"""Update the plan that already carries a draft's number from the new version of its document.

Items the plan lacks are added, changed fields of items matched by number are updated
(audited "task.update", reason "Cập nhật từ văn bản"); nothing is deleted and no lead is
reassigned silently. The mappings are saved as aliases in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Plan, PlanStatus, Task, TaskState, UnitRole, db
from models import User as UserModel
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.import_commit import draft_to_input, save_mappings
from workflow.import_permissions import can_update
from workflow.import_resolution import Resolver, Target, parse_mappings
from workflow.plans import (
    ItemInput,
    add_items,
    apply_item_update,
    unit_keys,
)
from workflow.snapshots import plan_snapshot
from workflow.transaction import unit_of_work

UPDATE_REASON = "Cập nhật từ văn bản"


@dataclass
class UpdateSummary:
    """What an update from a new version of the document did."""

    plan_id: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the plan, not in the document
    lead_differs: list[str] = field(default_factory=list)  # not applied: reassign by hand
    aliases: int = 0

    @property
    def message(self) -> str:
        parts = [
            f"Đã cập nhật kế hoạch: thêm {len(self.added)} nhiệm vụ, "
            f"sửa {len(self.updated)}, giữ nguyên {len(self.unchanged)}."
        ]
        if self.missing:
            parts.append(
                "Có trong hệ thống nhưng không có trong văn bản (không xóa): "
                + ", ".join(self.missing)
                + "."
            )
        if self.lead_differs:
            parts.append(
                "Đơn vị chủ trì trong văn bản khác trong hệ thống, hãy giao lại trên trang "
                "nhiệm vụ nếu cần: " + ", ".join(self.lead_differs) + "."
            )
        return " ".join(parts)


def _item_values(item: ItemInput) -> dict[str, Any]:
    return {
        "section": item.section,
        "title": item.title.strip(),
        "content": item.content,
        "timeframe_text": item.timeframe_text,
        "periods": list(item.periods),
        "period_start": min(item.periods) if item.periods else None,
        "due_on": item.due_on,
        "recurrence": item.recurrence,
        "ongoing": item.ongoing,
    }


def _apply_item(task: Task, item: ItemInput, actor: UserModel, now: datetime) -> bool:
    """Update the task (and its sub-tasks) from the item; returns whether anything changed."""
    values = _item_values(item)
    changed = {k: v for k, v in values.items() if getattr(task, k) != v}
    old_coord = [tu for tu in task.units if tu.role == UnitRole.COORDINATING]
    coord_changed = unit_keys(old_coord) != unit_keys(item.coordinating)
    if not changed and not coord_changed:
        return False
    before: dict[str, Any] = {k: getattr(task, k) for k in changed}
    after: dict[str, Any] = dict(changed)
    apply_item_update(
        task,
        changed,
        before,
        after,
        old_coord=old_coord if coord_changed else None,
        coordinating=item.coordinating,
        actor=actor,
        reason=UPDATE_REASON,
        now=now,
        skip_cancelled=False,
    )
    return True


def _lead_ids(task: Task) -> list[tuple[Any, ...]]:
    return unit_keys(tu for tu in task.units if tu.role == UnitRole.LEAD)


def update_from_import(
    plan_id: int,
    draft: Mapping[str, Any],
    actor: UserModel,
    mappings: Mapping[str, str | Target] | None = None,
) -> UpdateSummary:
    """Bring an existing plan in line with a new version of its document: add the items it
    lacks, update the changed fields of items matched by number (audited "task.update",
    reason "Cập nhật từ văn bản"); never deletes, never reassigns a lead silently."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch cần cập nhật.")
    if plan.status == PlanStatus.WITHDRAWN:
        raise InvalidInput("Kế hoạch đã bị thu hồi; hãy nhập văn bản như một kế hoạch mới.")
    if not can_update(plan, actor):
        raise PermissionDenied(
            "Chỉ quản trị viên hoặc điều phối viên của cơ quan thường trực mới được cập nhật "
            "kế hoạch này."
        )
    resolver = Resolver(draft)
    chosen = parse_mappings(mappings if mappings is not None else draft.get("mappings"), resolver)
    plan_input = draft_to_input(draft, resolver, plan.tracking_unit_id, chosen)
    if plan_input.number and plan.number and plan_input.number != plan.number:
        raise InvalidInput(
            "Văn bản mang số %(document_number)s, không phải kế hoạch %(plan_number)s.",
            document_number=plan_input.number,
            plan_number=plan.number,
        )
    if not plan_input.items:
        raise InvalidInput("Văn bản chưa có nhiệm vụ nào được chọn.")
    numbers = Counter(item.number for item in plan_input.items)
    duplicates = sorted(n for n, c in numbers.items() if c > 1)
    if duplicates:
        raise InvalidInput(
            "Số thứ tự nhiệm vụ bị trùng: %(numbers)s", numbers=", ".join(duplicates)
        )
    for item in plan_input.items:
        if not item.title:
            raise InvalidInput(
                "Nhiệm vụ %(number)s chưa có nội dung.",
                number=item.number,
            )
    summary = UpdateSummary(plan_id=plan.id)
    now = clock.now()
    with unit_of_work():
        summary.aliases = save_mappings(chosen, actor, plan.number, draft)
        tasks = (
            db.session.execute(
                sa.select(Task)
                .where(Task.plan_id == plan.id)
                .options(selectinload(Task.units), selectinload(Task.subtasks))
            )
            .scalars()
            .all()
        )
        # A number freed by a cancelled item belongs to the item that stands (listed last).
        ordered = sorted(tasks, key=lambda t: t.state != TaskState.CANCELLED)
        top = {t.number: t for t in ordered if t.parent_id is None}
        new_items: list[ItemInput] = []
        for item in plan_input.items:
            task = top.get(item.number)
            if task is None:
                new_items.append(item)
                summary.added.append(item.number)
                continue
            if _lead_ids(task) != unit_keys(item.leads):
                summary.lead_differs.append(item.number)
            if _apply_item(task, item, actor, now):
                summary.updated.append(item.number)
            else:
                summary.unchanged.append(item.number)
        seen = {item.number for item in plan_input.items}
        summary.missing = [n for n in top if n not in seen]
        meta_before = plan_snapshot(plan)
        if plan_input.title and plan_input.title != plan.title:
            plan.title = plan_input.title
        if plan_input.issued_on and plan_input.issued_on != plan.issued_on:
            plan.issued_on = plan_input.issued_on
        if plan_input.source_hash:
            plan.source_hash = plan_input.source_hash  # the newest version is recognised too
        meta_after = plan_snapshot(plan)
        if meta_after != meta_before:
            changed = [k for k in meta_after if meta_after[k] != meta_before[k]]
            audit.record(
                "plan.update",
                actor=actor,
                object_type="plan",
                object_id=plan.id,
                plan_id=plan.id,
                before={k: meta_before[k] for k in changed},
                after={k: meta_after[k] for k in changed},
                reason=UPDATE_REASON,
            )
        if new_items:
            last = max((t.position for t in tasks), default=-1)
            add_items(plan, new_items, actor, first_position=last + 1)
    return summary
