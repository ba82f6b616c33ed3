"""Days the scheduler missed beyond its catch-up window: told to the administrators.

Reminders of such days are not sent late; instead one mail through the outbox says which
days were skipped and how many reminder lines they held, so the gap is never silent.
"""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa

from models import MailKind, Role, User, db
from notifications import render
from notifications.outbox import PlannedMail, dedupe_key, insert_ignoring_duplicates
from notifications.planner import plan_for_day
from notifications.policy import Policy
from notifications.recipients import normalise

log = logging.getLogger(__name__)


def _admins() -> list[str]:
    emails = db.session.execute(
        sa.select(User.email)
        .where(User.active.is_(True), User.role == Role.ADMIN)
        .order_by(User.username)
    ).scalars()
    return [a for a in dict.fromkeys(normalise(e) for e in emails) if a]


def report_gap(skipped: list[date], today: date, policy: Policy) -> int:
    """Queue one mail per administrator about the `skipped` days; returns mails queued."""
    if not skipped:
        return 0
    dry = plan_for_day(skipped[-1], policy, dry_run=True, missed=skipped)
    tasks = {m.task_id for m in dry.mails if m.task_id}
    people = {m.recipient for m in dry.mails}
    rendered = render.render(
        "gap",
        f"[PlanWork] Bộ nhắc việc đã ngừng {len(skipped)} ngày "
        f"({render.vn_date(skipped[0])} – {render.vn_date(skipped[-1])})",
        first=skipped[0],
        last=skipped[-1],
        days=len(skipped),
        today=today,
        catch_up_days=policy.catch_up_days,
        lines=len(dry.mails),
        tasks=len(tasks),
        people=len(people),
    )
    period = f"{skipped[0].isoformat()}..{skipped[-1].isoformat()}"
    mails = [
        PlannedMail(
            dedupe_key=dedupe_key("event:gap", admin, offset=period),
            kind=MailKind.EVENT,
            event="gap",
            recipient=admin,
            planned_for=today,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
        )
        for admin in _admins()
    ]
    if not mails:
        log.warning("no administrator to tell about the reminder gap %s", period)
        return 0
    insert_ignoring_duplicates(mails)
    db.session.commit()
    return len(mails)
