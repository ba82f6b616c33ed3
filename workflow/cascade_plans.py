"""A lower unit makes its own plan from a higher one ("Lập kế hoạch thực hiện"), and the
unit tree the cascade's permissions follow.

`create_implementing_plan` copies the higher plan's items assigned to the unit (as lead,
through a sub-task, or named coordinating, directly or through a group) into a new plan of
that unit, the unit leading each copy, and links the plans and each copy to its original,
all in one transaction with the same "plan.create"/"task.create" events as a plan typed by
hand (workflow/plans.py `add_items`). The new plan has no number yet: the office gives it
one when it issues the document (workflow/plan_editing.py `update_plan_header`).
"""

from __future__ import annotations

import sqlalchemy as sa

from models import (
    ItemLink,
    ItemLinkStatus,
    LinkMethod,
    Plan,
    PlanBasis,
    PlanLink,
    Task,
    TaskUnit,
    Unit,
    User,
    db,
    unit_group_members,
)
from workflow import audit
from workflow.cascade import _add_plan_link, _existing_link
from workflow.errors import InvalidInput
from workflow.import_permissions import check_can_import
from workflow.plan_access import load_plan
from workflow.plans import ItemInput, UnitRef, add_items
from workflow.snapshots import plan_snapshot
from workflow.transaction import unit_of_work


def assigned_items(plan_id: int, unit_id: int) -> list[Task]:
    """The plan's top-level items assigned to the unit: it leads the item or one of its
    sub-tasks, or is named on it (lead or coordinating), directly or through a group."""
    groups = sa.select(unit_group_members.c.group_id).where(unit_group_members.c.unit_id == unit_id)
    named = sa.select(TaskUnit.task_id).where(
        sa.or_(TaskUnit.unit_id == unit_id, TaskUnit.group_id.in_(groups))
    )
    sub_led = sa.select(Task.parent_id).where(
        Task.plan_id == plan_id, Task.lead_unit_id == unit_id, Task.parent_id.is_not(None)
    )
    return list(
        db.session.execute(
            sa.select(Task)
            .where(
                Task.plan_id == plan_id,
                Task.parent_id.is_(None),
                sa.or_(Task.lead_unit_id == unit_id, Task.id.in_(named), Task.id.in_(sub_led)),
            )
            .order_by(Task.position, Task.id)
        ).scalars()
    )


def create_implementing_plan(higher_plan_id: int, actor: User) -> int:
    """The actor's unit's plan carrying out the higher plan: a copy of each item assigned
    to the unit, led by the unit, linked (plan and items, confirmed); returns its id."""
    check_can_import(actor)
    with unit_of_work():
        higher = load_plan(higher_plan_id)
        unit = db.session.get(Unit, actor.unit_id)
        if unit is None:
            raise InvalidInput("Tài khoản chưa thuộc đơn vị nào.")
        originals = assigned_items(higher.id, unit.id)
        if not originals:
            raise InvalidInput(
                "Kế hoạch %(plan)s không giao nhiệm vụ nào cho %(unit)s.",
                plan=higher.number or higher.title[:60],
                unit=unit.name,
            )
        existing = db.session.execute(
            sa.select(Plan.id)
            .join(PlanLink, PlanLink.lower_plan_id == Plan.id)
            .where(PlanLink.higher_plan_id == higher.id, Plan.tracking_unit_id == unit.id)
            .limit(1)
        ).scalar_one_or_none()
        if existing is not None:
            raise InvalidInput("Đơn vị đã có kế hoạch thực hiện kế hoạch này.")
        label = higher.number or higher.title[:60]
        plan = Plan(
            number=None,
            issued_on=None,
            issuer_id=unit.id,
            issuer_name=unit.name,
            tracking_unit_id=unit.id,
            title=f"Thực hiện Kế hoạch {label}: {higher.title}"[:2000],
            period=higher.period,
            year=higher.year,
        )
        plan.bases.append(
            PlanBasis(reference=(higher.number or label)[:80], based_on_plan_id=higher.id)
        )
        db.session.add(plan)
        db.session.flush()
        audit.record(
            "plan.create",
            actor=actor,
            object_type="plan",
            object_id=plan.id,
            plan_id=plan.id,
            after={**plan_snapshot(plan), "items": len(originals), "implements": label},
        )
        add_items(
            plan,
            [
                ItemInput(
                    number=item.number,
                    title=item.title,
                    section=item.section,
                    content=item.content,
                    timeframe_text=item.timeframe_text,
                    periods=list(item.periods or []),
                    due_on=item.due_on,
                    recurrence=item.recurrence,
                    ongoing=item.ongoing,
                    leads=[UnitRef(mention=unit.name, unit_id=unit.id)],
                )
                for item in originals
            ],
            actor,
        )
        if _existing_link(plan.id, higher.id) is None:
            _add_plan_link(plan, higher, LinkMethod.HAND, actor, higher.number)
        copies = {
            number: task_id
            for task_id, number in db.session.execute(
                sa.select(Task.id, Task.number).where(
                    Task.plan_id == plan.id, Task.parent_id.is_(None)
                )
            ).all()
        }
        for item in originals:
            db.session.add(
                ItemLink(
                    lower_task_id=copies[item.number],
                    higher_task_id=item.id,
                    lower_plan_id=plan.id,
                    higher_plan_id=higher.id,
                    status=ItemLinkStatus.CONFIRMED,
                    score=100,
                    basis="copy",
                    decided_by_id=actor.id,
                )
            )
        plan_id = plan.id
    return plan_id
