"""A plan by hand: create a plan typed on a form with its items, and edit a plan's header.

Every service takes ids and plain values, checks who may act (the import permission: admins,
and coordinators of the plan's tracking or issuing unit), refuses with a Vietnamese message
and writes nothing, or makes the change with its audit event in one transaction. The plan's
items are changed in workflow/plan_items.py and workflow/plan_item_edit.py, and a plan is
withdrawn in workflow/plan_withdrawal.py; the typed fields are checked in
workflow/plan_fields.py.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import Plan, PlanStatus, Task, TaskState, User, db
from workflow import audit
from workflow.errors import InvalidInput
from workflow.import_commit import find_existing_plan
from workflow.import_permissions import check_can_import
from workflow.plan_access import check_can_edit, check_version, load_plan
from workflow.plan_fields import (
    HeaderFields,
    ItemFields,
    UnitNames,
    clean_reason,
    header_values,
    item_input,
)
from workflow.plans import DuplicatePlan, PlanInput, create_plan
from workflow.snapshots import plan_snapshot
from workflow.transaction import unit_of_work


def create_plan_by_hand(header: HeaderFields, items: list[ItemFields], actor: User) -> int:
    """Create a plan typed by hand with its items, through the same service an import
    commit uses (fan-out to groups and multi-unit leads, "task.create" events); returns the
    plan's id. A plan already in PlanWork (same number, or same issuer, date and title) is
    refused as a duplicate."""
    check_can_import(actor)
    names = UnitNames()
    values = header_values(header, names)
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
        plan = load_plan(plan_id)
        check_version(plan, expected_version)
        check_can_edit(plan, actor)
        values = header_values(header, UnitNames())
        started = (
            db.session.execute(
                sa.select(Task.id)
                .where(Task.plan_id == plan.id, Task.state != TaskState.ASSIGNED)
                .limit(1)
            ).first()
            is not None
        )
        reason = clean_reason(
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
                raise InvalidInput(
                    "Kế hoạch số %(number)s đã có trong hệ thống.",
                    number=values["number"],
                )
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
