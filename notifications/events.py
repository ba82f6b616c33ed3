"""Mails for workflow events, written to the outbox inside the caller's transaction."""

from __future__ import annotations

import sqlalchemy as sa

from models import MailKind, Plan, Task, Unit, User, db
from notifications import render
from notifications.outbox import PlannedMail, dedupe_key, insert_ignoring_duplicates
from notifications.policy import current_policy
from notifications.recipients import WORKING_ROLES, normalise
from workflow import clock

# Who hears of what: a report goes to the tracking unit's coordinators, a decision to the lead.
TO_COORDINATORS = ("report",)
TO_LEAD = ("verify", "return")


def _addresses(unit_id: int | None, roles: tuple) -> list[str]:
    if unit_id is None:
        return []
    rows = db.session.execute(
        sa.select(User.email)
        .where(User.unit_id == unit_id, User.active.is_(True), User.role.in_(roles))
        .order_by(User.role, User.username)
    ).scalars()
    return [a for a in (normalise(e) for e in rows) if a]


def enqueue_event_mail(task: Task, event: str, actor: User, reason: str | None = None) -> int:
    """Queue the mails `event` on `task` by `actor` calls for; never commits.

    Call it inside the transition's unit_of_work, after the state change is flushed, so the
    mail exists exactly when the transition does. Returns the number of mails queued.
    """
    policy = current_policy()
    if event not in policy.events or event not in TO_COORDINATORS + TO_LEAD:
        return 0
    db.session.flush()  # task.version must be the post-transition one: it keys the mail
    plan = db.session.get(Plan, task.plan_id)
    if plan is None:
        return 0
    lead_unit = db.session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
    if event in TO_COORDINATORS:
        recipients = _addresses(plan.tracking_unit_id, ("coordinator",))
        unit_id = plan.tracking_unit_id
    else:
        if lead_unit is None:
            return 0
        recipients = _addresses(lead_unit.id, WORKING_ROLES)
        contact = normalise(lead_unit.email)
        if contact:
            recipients.insert(0, contact)
        unit_id = lead_unit.id
    actor_address = normalise(actor.email)
    recipients = [r for r in dict.fromkeys(recipients) if r != actor_address]
    if not recipients:
        return 0
    info = render.TaskInfo(
        id=task.id,
        number=task.number,
        title=task.title,
        due_on=task.due_on,
        plan_id=plan.id,
        plan_number=plan.label,
        plan_title=plan.title,
        lead_name=lead_unit.name if lead_unit else None,
    )
    actor_unit = db.session.get(Unit, actor.unit_id)
    rendered = render.event(
        info, event, actor.full_name, actor_unit.name if actor_unit else "", reason
    )
    today = clock.today()
    mails = [
        PlannedMail(
            # The task's version is new at every transition: a second report after a return
            # is a new mail, a retried call of the same transition is not.
            dedupe_key=dedupe_key(
                f"event:{event}",
                recipient,
                task_id=task.id,
                due_on=task.due_on,
                offset=f"v{task.version}",
            ),
            kind=MailKind.EVENT,
            event=event,
            recipient=recipient,
            planned_for=today,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            task_id=task.id,
            unit_id=unit_id,
            due_on=task.due_on,
        )
        for recipient in recipients
    ]
    insert_ignoring_duplicates(mails)
    return len(mails)
