"""Mail bodies from templates/mail/*: Vietnamese, plain text and HTML, with links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class TaskInfo:
    """What a mail says about a task; plain values so rendering never touches the database."""

    id: int
    number: str
    title: str
    due_on: date | None
    plan_id: int
    plan_number: str
    plan_title: str
    lead_name: str | None = None
    # Set in the escalation roll-up: how many days past due the task is on the mail's day.
    days_overdue: int | None = None

    @cached_property
    def url(self) -> str:  # a task listed in several digests is linked once
        return f"{base_url()}/tasks/{self.id}"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def base_url() -> str:
    """Where links in mails point (BASE_URL), without a trailing slash."""
    return str(current_app.config.get("BASE_URL", "http://127.0.0.1:5000")).rstrip("/")


@lru_cache(maxsize=4096)  # a day's mails share a few hundred dates at most
def vn_date(day: date | None) -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y") if day else "không có hạn"


def short(text: str, limit: int = 90) -> str:
    """A title cut to fit a subject line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render(template: str, subject: str, **context: Any) -> Rendered:
    """Render mail/<template>.txt and .html with the shared context."""
    env = current_app.jinja_env
    context = {
        "base_url": base_url(),
        "my_tasks_url": f"{base_url()}/my-tasks",
        "vn_date": vn_date,
        "subject": subject,
        **context,
    }
    text = env.get_template(f"mail/{template}.txt").render(**context)
    html = env.get_template(f"mail/{template}.html").render(**context)
    return Rendered(subject, text, html)


def before_due(task: TaskInfo, unit_name: str, days: int, role: str) -> Rendered:
    """Reminder `days` before the deadline, to a lead (`role`="lead") or coordinating unit."""
    who = "" if role == "lead" else " (phối hợp)"
    subject = (
        f"[PlanWork] Còn {days} ngày{who}: nhiệm vụ {task.number} – {task.plan_number} "
        f"– hạn {vn_date(task.due_on)}"
    )
    return render("before_due", subject, task=task, unit_name=unit_name, days=days, role=role)


def overdue(task: TaskInfo, unit_name: str, days: int) -> Rendered:
    """Notice to the lead unit that the task is `days` days past its deadline."""
    subject = (
        f"[PlanWork] Quá hạn {days} ngày: nhiệm vụ {task.number} – {task.plan_number} "
        f"– hạn {vn_date(task.due_on)}"
    )
    return render("overdue", subject, task=task, unit_name=unit_name, days=days)


@dataclass(frozen=True)
class PlanGroup:
    plan_number: str
    plan_title: str
    tasks: list[TaskInfo]


def digest(
    unit_name: str, quarter: str, lead: list[PlanGroup], coordinating: list[PlanGroup]
) -> Rendered:
    """The quarter digest: lead and coordinating duties apart, each grouped by plan."""
    count = sum(len(g.tasks) for g in lead) + sum(len(g.tasks) for g in coordinating)
    subject = f"[PlanWork] {quarter}: {count} nhiệm vụ đến hạn của {unit_name}"
    return render(
        "digest",
        subject,
        unit_name=unit_name,
        quarter=quarter,
        lead=lead,
        coordinating=coordinating,
    )


def escalation(tracking_name: str, day: date, groups: list[PlanGroup]) -> Rendered:
    """The day's escalation roll-up to a tracking unit's coordinator: every overdue task
    whose notice went to its lead unit that day, grouped by plan, with lead unit, due date,
    days overdue and a link each."""
    count = sum(len(g.tasks) for g in groups)
    subject = (
        f"[PlanWork] Tổng hợp ngày {vn_date(day)}: {count} nhiệm vụ quá hạn cần đôn đốc "
        f"– {tracking_name}"
    )
    return render(
        "escalation",
        subject,
        unit_name=tracking_name,
        day=day,
        count=count,
        groups=groups,
    )


EVENT_SUBJECTS = {
    "report": "[PlanWork] {unit} đã gửi báo cáo nhiệm vụ {number} – {plan}",
    "verify": "[PlanWork] Báo cáo nhiệm vụ {number} – {plan} đã được xác nhận",
    "return": "[PlanWork] Báo cáo nhiệm vụ {number} – {plan} bị trả lại",
}


def event(
    task: TaskInfo, event_name: str, actor_name: str, actor_unit: str, reason: str | None
) -> Rendered:
    """A workflow event told to the other side (report → coordinators; verify/return → lead)."""
    subject = EVENT_SUBJECTS[event_name].format(
        unit=actor_unit, number=task.number, plan=task.plan_number
    )
    return render(
        "event",
        subject,
        task=task,
        event=event_name,
        actor_name=actor_name,
        actor_unit=actor_unit,
        reason=reason,
    )
