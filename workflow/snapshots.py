"""The before/after pictures of objects that audit events carry."""

from __future__ import annotations

from typing import Any

from models import Plan, Task, Unit, User

TASK_FIELDS = (
    "number",
    "section",
    "title",
    "content",
    "timeframe_text",
    "periods",
    "due_on",
    "recurrence",
    "ongoing",
    "state",
    "lead_unit_id",
    "parent_id",
    "version",
)


def task_snapshot(task: Task, fields: tuple[str, ...] = TASK_FIELDS) -> dict[str, Any]:
    """The task's audited fields, as values (enums and dates made JSON by the recorder)."""
    return {name: getattr(task, name) for name in fields}


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """The plan's audited fields."""
    return {
        "number": plan.number,
        "issued_on": plan.issued_on,
        "issuer_name": plan.issuer_name,
        "issuer_id": plan.issuer_id,
        "tracking_unit_id": plan.tracking_unit_id,
        "title": plan.title,
        "period": plan.period,
        "status": plan.status,
        "based_on": [b.reference for b in plan.bases],
    }


def user_snapshot(user: User) -> dict[str, Any]:
    """The user's audited fields (never the password hash)."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "unit_id": user.unit_id,
        "role": user.role,
        "active": user.active,
        "digest_opt_out": user.digest_opt_out,
    }


def unit_snapshot(unit: Unit) -> dict[str, Any]:
    """The unit's audited fields."""
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "email": unit.email,
        "active": unit.active,
    }
