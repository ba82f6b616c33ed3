"""Deadlines as iCalendar feeds, for the calendar people already use: a unit's, and a
person's (the tasks assigned to them plus their unit's, each task once)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING

from models import Task, TaskState, Unit, User, db
from notifications.render import base_url
from reports.calendar import assigned_tasks
from reports.queries import coordinating_tasks, lead_tasks
from workflow import audit, clock

# icalendar (~1 MB) is imported by the functions that write a feed, not here: every web
# worker imports this module, and only calendar subscriptions read it (issue 12).
if TYPE_CHECKING:
    from icalendar import Calendar, Event

STATE_LABELS = {
    TaskState.ASSIGNED: "Đã giao",
    TaskState.IN_PROGRESS: "Đang thực hiện",
    TaskState.REPORTED: "Đã báo cáo",
    TaskState.VERIFIED: "Đã xác nhận",
    TaskState.CANCELLED: "Đã hủy",
}


# How each feed marks the part a task plays for its reader.
ROLE_PREFIXES = {"lead": "Chủ trì", "coordinating": "Phối hợp", "assigned": "Tôi thực hiện"}


def _event(task: Task, role: str, stamp: object) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", f"task-{task.id}-{role}@planwork")
    event.add("dtstamp", stamp)
    # All-day on the due date: DTEND is exclusive, so the next day. The last day a date
    # can hold has no next day (M4: a deadline of 31/12/9999 broke the whole feed); an
    # all-day event without DTEND lasts that one day anyway (RFC 5545, 3.6.1).
    event.add("dtstart", task.due_on)
    if task.due_on < date.max:
        event.add("dtend", task.due_on + timedelta(days=1))
    prefix = ROLE_PREFIXES[role]
    event.add("summary", f"[{prefix}] {task.number}. {task.title[:120]}")
    url = f"{base_url()}/tasks/{task.id}"
    event.add(
        "description",
        f"Kế hoạch {task.plan.label}\nNhiệm vụ {task.number}: {task.title}\n"
        f"Tình trạng: {STATE_LABELS.get(task.state, task.state)}\n{url}",
    )
    event.add("url", url)
    event.add("categories", [prefix])
    event.add("status", "CANCELLED" if task.state == TaskState.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def _calendar(name: str) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//PlanWork//Hạn nhiệm vụ//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    return cal


def unit_calendar(unit: Unit) -> bytes:
    """The feed: every dated task the unit leads or coordinates."""
    cal = _calendar(f"PlanWork – {unit.name}")
    stamp = clock.now().replace(tzinfo=UTC)
    for role, tasks in (
        ("lead", lead_tasks(unit.id)),
        ("coordinating", coordinating_tasks(unit.id)),
    ):
        for task in tasks:
            if task.due_on is not None:
                cal.add_component(_event(task, role, stamp))
    return cal.to_ical()


def personal_calendar(user: User) -> bytes:
    """A person's feed: the tasks assigned to them ("Tôi thực hiện"), then the rest of what
    their unit leads or coordinates. A task appears once, under the first of those roles,
    so a subscriber who is assigned a task of their unit does not see it twice."""
    cal = _calendar(f"PlanWork – {user.full_name}")
    stamp = clock.now().replace(tzinfo=UTC)
    seen: set[int] = set()
    for role, tasks in (
        ("assigned", assigned_tasks(user.id)),
        ("lead", lead_tasks(user.unit_id)),
        ("coordinating", coordinating_tasks(user.unit_id)),
    ):
        for task in tasks:
            if task.due_on is not None and task.id not in seen:
                seen.add(task.id)
                cal.add_component(_event(task, role, stamp))
    return cal.to_ical()


def ensure_calendar_token(unit: Unit) -> str:
    """The unit's secret feed token, created (and audited) on first use; commits."""
    if unit.calendar_token:
        return unit.calendar_token
    unit.calendar_token = secrets.token_urlsafe(24)
    audit.record(
        "unit.calendar_token",
        actor=None,
        object_type="unit",
        object_id=unit.id,
        unit_id=unit.id,
        after={"calendar_token": "(mới)"},
        reason="Tạo địa chỉ lịch iCalendar",
    )
    db.session.commit()
    return unit.calendar_token


def feed_url(unit: Unit) -> str:
    """The secret URL of the unit's feed."""
    return f"{base_url()}/calendar/{ensure_calendar_token(unit)}.ics"
