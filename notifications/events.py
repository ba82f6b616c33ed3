"""Workflow events told to those they concern: in the app at once, by mail at once or in
the next daily digest, as each person chose; written inside the caller's transaction.

Each event has an identity (`Event.key`: the task's version, a request's id …); the
in-app row and the outbox row of each recipient are keyed by it, so an event announced
twice in one transaction is told once, and an event rolled back is told never.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite

from models import MailKind, Notification, Plan, Task, Unit, User, db
from notifications import render
from notifications.audience import Audience, Recipient, resolve
from notifications.outbox import PlannedMail, dedupe_key, insert_ignoring_duplicates
from notifications.policy import Policy, current_policy
from notifications.unsubscribe import unsubscribe_url
from workflow import clock
from workflow.notification_prefs import DIGEST, DIGEST_KIND, NOW

# Set while seeding data that nobody should be told about (the demo's starting plans).
_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Within this block workflow events tell nobody (no in-app row, no mail): for loading
    seed data, whose "events" never happened to anyone."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@dataclass(frozen=True)
class Event:
    """One thing that happened to a task, as the people it concerns should hear of it."""

    kind: str  # the preference kind (workflow.notification_prefs.KINDS)
    code: str  # what the outbox row's `event` column says ("report", "due", …; ≤ 20)
    task: Task
    actor: User | None
    key: str  # this event's identity among the task's events
    # One sentence, without the "[PlanWork]" prefix: a Vietnamese msgid and its parameters,
    # said in each recipient's language (render.Msg); plain text is shown as is.
    title: render.Msg | str
    audience: Audience
    detail: render.Msg | str | None = None  # a reason, a question, an answer: under the title


def digest_send_time(now: datetime, policy: Policy) -> datetime:
    """When a digest line written at `now` (naive UTC) goes out, in naive UTC: today at the
    digest hour if that is still ahead on a working day, else the next working day's."""
    local = now.replace(tzinfo=UTC).astimezone(clock.LOCAL_TZ)
    at = time(policy.event_digest_hour, policy.event_digest_minute)
    day = local.date()
    if not policy.calendar.is_working_day(day) or local.time() >= at:
        day = policy.calendar.next_working_day(day + timedelta(days=1))
    send = datetime.combine(day, at, tzinfo=clock.LOCAL_TZ)
    return send.astimezone(UTC).replace(tzinfo=None)


def task_info(task: Task) -> render.TaskInfo:
    """The plain values a mail says about `task` (its plan and lead from the session)."""
    plan = db.session.get(Plan, task.plan_id)
    lead = db.session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
    assert plan is not None
    return render.TaskInfo(
        id=task.id,
        number=task.number,
        title=task.title,
        due_on=task.due_on,
        plan_id=plan.id,
        plan_number=plan.label,
        plan_title=plan.title,
        lead_name=lead.name if lead else None,
    )


def default_locale() -> str:
    """The language of those who never chose one (and of units' shared mailboxes)."""
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi")


def locales_of(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Each user's chosen language, in one statement whatever their number."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(User.id, User.locale).where(User.id.in_(ids)))
    return {uid: locale for uid, locale in rows if locale}


def locales_of_addresses(addresses: Iterable[str]) -> dict[str, str]:
    """The chosen language of the people behind these mail addresses (one statement);
    addresses of nobody who chose (units' mailboxes) are left out."""
    wanted = {a.lower() for a in addresses if a}
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(User.email, User.locale).where(
            sa.func.lower(User.email).in_(wanted), User.locale.is_not(None)
        )
    )
    return {email.lower(): locale for email, locale in rows if email and locale}


def _json(value: render.Msg | str | None) -> dict | None:
    return value.to_json() if isinstance(value, render.Msg) else None


def _insert_notifications(rows: list[dict]) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Notification.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
    db.session.execute(stmt, rows)


def notify(event: Event) -> list[Recipient]:
    """Tell `event` to those it concerns (never the actor), as each chose; never commits.

    Returns the recipients told. Call it inside the change's unit of work, after the change
    is flushed: the notifications exist exactly when the change does."""
    if _muted.get():
        return []
    policy = current_policy()
    if "all" not in policy.events and event.code not in policy.events:
        return []
    recipients = resolve(event.audience, event.kind, event.actor)
    if not recipients:
        return []
    task = event.task
    info = task_info(task)
    now = clock.now()
    actor_name, actor_unit = "", ""
    if event.actor is not None:
        actor_name = event.actor.full_name
        unit = db.session.get(Unit, event.actor.unit_id) if event.actor.unit_id else None
        actor_unit = unit.name if unit else ""
    fallback = default_locale()
    locales = locales_of(r.user_id for r in recipients)
    # The in-app row keeps the msgid and parameters (said in the reader's language when
    # the list is read) and, for older readers of the table, the text in the default one.
    with force_locale(fallback):
        title_text = render.short(render.say(event.title), 300)
        detail_text = render.say(event.detail) if event.detail is not None else None
    title_msg, detail_msg = _json(event.title), _json(event.detail)
    notices = [
        {
            "dedupe_key": f"{event.kind}|t{task.id}|{event.key}|u{r.user_id}"[:255],
            "user_id": r.user_id,
            "kind": event.kind,
            "task_id": task.id,
            "actor_id": event.actor.id if event.actor is not None else None,
            "title": title_text,
            "detail": detail_text,
            "title_msg": title_msg,
            "detail_msg": detail_msg,
            "created_at": now,
            "read_at": None,
        }
        for r in recipients
        if r.user_id is not None
    ]
    _insert_notifications(notices)
    mails = []
    digest_at = None
    for r in recipients:
        if r.address is None:
            continue
        key = dedupe_key(
            f"event:{event.code}",
            r.address,
            task_id=task.id,
            due_on=task.due_on,
            offset=event.key,
        )[:255]
        locale = locales.get(r.user_id, fallback) if r.user_id is not None else fallback
        if r.mode == NOW:
            url = unsubscribe_url(r.subscriber, event.kind)
            with force_locale(locale):
                rendered = render.notice(info, event, r.name, actor_name, actor_unit, url)
            mail_kind, send_at = MailKind.EVENT, None
        elif r.mode == DIGEST:
            url = unsubscribe_url(r.subscriber, DIGEST_KIND)
            with force_locale(locale):
                rendered = render.digest_line(info, event, actor_name, actor_unit)
            digest_at = digest_at or digest_send_time(now, policy)
            mail_kind, send_at = MailKind.EVENT_DIGEST, digest_at
        else:
            continue
        mails.append(
            PlannedMail(
                dedupe_key=key,
                kind=mail_kind,
                event=event.code,
                recipient=r.address,
                planned_for=clock.today() if send_at is None else _local_day(send_at),
                subject=rendered.subject[:300],
                body_text=rendered.text,
                body_html=rendered.html,
                task_id=task.id,
                unit_id=task.lead_unit_id,
                due_on=task.due_on,
                unsubscribe_url=url,
                send_at=send_at,
            )
        )
    insert_ignoring_duplicates(mails)
    return recipients


def _local_day(utc_naive: datetime) -> date:
    return utc_naive.replace(tzinfo=UTC).astimezone(clock.LOCAL_TZ).date()
