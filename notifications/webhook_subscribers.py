"""Webhooks listen to workflow's domain events and queue one delivery per matching hook.

Receivers run inside the emitting unit of work (like notifications.subscribers), so a
delivery row commits with the change that caused it, or not at all. The event's id is the
sequence number of the audit event the change wrote: stable, unique, and what an
inspector's copy of the trail calls it. UNIQUE(webhook, event) keeps it to one row per
hook whatever runs twice.

Which hooks: department-wide ones (no unit) get every event; a unit's hook gets the
events of tasks its unit leads or coordinates and of the plans it tracks or issued.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import AuditEvent, Task, Unit, UnitRole, User, db
from models.webhooks import Webhook
from notifications.subscribers import connect_all
from workflow.signals import (
    contribution_added,
    request_answered,
    request_created,
    request_decided,
    task_changed,
    task_transitioned,
)
from workflow.webhooks import iso, queue_deliveries

TRANSITION_TYPES = {
    "start": "task.started",
    "report": "task.reported",
    "verify": "task.verified",
    "return": "task.returned",
    "reopen": "task.reopened",
    "cancel": "task.cancelled",
}
CHANGE_TYPES = {
    "created": "task.created",
    "reassign": "task.reassigned",
    "due": "task.due_changed",
    "edit": "task.edited",
}
_CACHE_KEY = "planwork.webhooks"


def _active_hooks() -> list[tuple[int, int | None, tuple[str, ...]]]:
    """(id, unit, event types) of the active hooks, read once per transaction: a plan
    import sends hundreds of signals and must not pay a query for each."""
    session = db.session()  # the scoped session's current Session
    transaction = session.get_transaction()
    cached = session.info.get(_CACHE_KEY)
    if cached is not None and cached[0] is transaction:
        return cached[1]
    rows = session.execute(
        sa.select(Webhook.id, Webhook.unit_id, Webhook.event_types).where(Webhook.active)
    ).all()
    hooks = [(row.id, row.unit_id, tuple(row.event_types or ())) for row in rows]
    session.info[_CACHE_KEY] = (transaction, hooks)
    return hooks


def _concerned_units(task: Task) -> set[int]:
    units = {task.lead_unit_id} if task.lead_unit_id else set()
    units.update(s.lead_unit_id for s in task.subtasks if s.lead_unit_id)
    for row in task.units:
        if row.role != UnitRole.COORDINATING:
            continue
        if row.unit_id:
            units.add(row.unit_id)
        elif row.group is not None:
            units.update(member.id for member in row.group.members)
    plan = task.plan
    if plan is not None:
        units.add(plan.tracking_unit_id)
        if plan.issuer_id:
            units.add(plan.issuer_id)
    return units


def _unit(unit_id: int | None) -> dict[str, Any] | None:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return {"id": unit.id, "code": unit.code, "name": unit.name} if unit else None


def _payload(
    event: AuditEvent, event_type: str, task: Task, actor: User | None, reason: str | None
) -> dict[str, Any]:
    plan = task.plan
    return {
        "id": event.seq,
        "type": event_type,
        "occurred_at": iso(event.occurred_at),
        "task": {
            "id": task.id,
            "plan_id": task.plan_id,
            "plan_number": plan.number if plan is not None else None,
            "item": task.number,
            "title": task.title,
            "state": task.state.value,
            "due": task.due_on.isoformat() if task.due_on else None,
            "version": task.version,
            "lead_unit": _unit(task.lead_unit_id),
        },
        "actor": (
            {"id": actor.id, "name": actor.full_name, "unit": _unit(actor.unit_id)}
            if actor is not None
            else None
        ),
        "reason": reason,
    }


def _latest_event(task: Task) -> AuditEvent | None:
    """The audit event the change just wrote about this task (the one being announced)."""
    db.session.flush()
    return db.session.execute(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "task", AuditEvent.object_id == task.id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def queue_for(task: Task, event_type: str, actor: User | None, reason: str | None) -> None:
    """Queue the event for every active hook it concerns (in the current transaction)."""
    hooks = [h for h in _active_hooks() if not h[2] or event_type in h[2]]
    if not hooks:
        return
    if any(unit_id is not None for _id, unit_id, _types in hooks):
        units = _concerned_units(task)
        hooks = [h for h in hooks if h[1] is None or h[1] in units]
        if not hooks:
            return
    event = _latest_event(task)
    if event is None:
        return
    payload = _payload(event, event_type, task, actor, reason)
    queue_deliveries(
        [
            {
                "webhook_id": hook_id,
                "event_id": event.seq,
                "event_type": event_type,
                "payload": payload,
            }
            for hook_id, _unit_id, _types in hooks
        ]
    )


def _on_transition(task: Task, **kw: Any) -> None:
    event_type = TRANSITION_TYPES.get(kw["event"])
    if event_type:
        queue_for(task, event_type, kw.get("actor"), kw.get("reason"))


def _on_change(task: Task, **kw: Any) -> None:
    event_type = CHANGE_TYPES.get(kw["change"])
    if event_type:
        queue_for(task, event_type, kw.get("actor"), kw.get("reason"))


def _on_request(task: Task, **kw: Any) -> None:
    kind = "extension" if kw["kind"] == "extension" else "explanation"
    request = kw["request"]
    reason = getattr(request, "reason", None) or getattr(request, "question", None)
    queue_for(task, f"task.{kind}_requested", kw.get("actor"), reason)


def _on_decision(task: Task, **kw: Any) -> None:
    event_type = "task.extension_granted" if kw["granted"] else "task.extension_refused"
    queue_for(task, event_type, kw.get("actor"), kw.get("reason"))


def _on_answer(task: Task, **kw: Any) -> None:
    queue_for(task, "task.explanation_answered", kw.get("actor"), None)


def _on_contribution(task: Task, **kw: Any) -> None:
    queue_for(task, "task.contribution_added", kw.get("actor"), None)


RECEIVERS = (
    (task_transitioned, _on_transition),
    (task_changed, _on_change),
    (request_created, _on_request),
    (request_decided, _on_decision),
    (request_answered, _on_answer),
    (contribution_added, _on_contribution),
)


def connect() -> None:
    """Subscribe the webhook receivers."""
    connect_all(RECEIVERS)
