"""Template filters: dates as Vietnamese write them, quarters as "Quý II/2024"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import SimpleNamespace
from typing import TypeVar

from flask import Flask, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import generate_csrf

from models import TaskState
from reports.action_labels import ACTION_LABELS
from web.performance import id_url
from workflow.clock import to_local, today
from workflow.state_machine import EVENT_LABELS, STATE_LABELS

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}
K = TypeVar("K")


def vn_date(value: date | datetime | str | None) -> str:
    """22/04/2024; datetimes are shown in Vietnam time with hours. Audit events keep dates
    as ISO text ("2024-04-22"), so those are read back too."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        local = to_local(value)
        return local.strftime("%d/%m/%Y %H:%M") if local else ""
    return value.strftime("%d/%m/%Y")


def period_label(period: str | None) -> str:
    """ "2024-Q2" → "Quý II/2024"; "2024-09" → "Tháng 9/2024"; "2024" → "Năm 2024"."""
    if not period:
        return gettext("Không thời hạn")
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return gettext("Quý %(q)s/%(year)s", q=ROMAN.get(quarter, quarter), year=year)
    if "-" in period:
        year, month = period.split("-")
        return gettext("Tháng %(month)s/%(year)s", month=int(month), year=year)
    return gettext("Năm %(year)s", year=period)


def periods_label(periods: list[str] | None) -> str:
    """A task's periods as people read them: "Quý III/2024 – Quý II/2025"."""
    if not periods:
        return ""
    first, last = min(periods), max(periods)
    if first == last:
        return period_label(first)
    return f"{period_label(first)} – {period_label(last)}"


def url_with(**changes: object) -> str:
    """The current page's URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint or "units.mine", **(request.view_args or {}), **args)


def days_left(due: date | None, state: TaskState) -> str:
    """ "còn 5 ngày" / "quá hạn 3 ngày" for open tasks."""
    if due is None or state in (TaskState.VERIFIED, TaskState.CANCELLED, TaskState.REPORTED):
        return ""
    delta = (due - today()).days
    if delta < 0:
        return gettext("quá hạn %(n)s ngày", n=-delta)
    if delta == 0:
        return gettext("hạn hôm nay")
    return gettext("còn %(n)s ngày", n=delta)


def translated(labels: Mapping[K, str]) -> dict[K, str]:
    """A table of labels in the request's language. A list of a hundred rows looks each
    row's state and buttons up in it, where a `_()` per row and button cost a template
    call and a catalogue lookup each (issue 12: the workspace's template time)."""
    return {key: gettext(label) for key, label in labels.items()}


def row_action_context() -> SimpleNamespace:
    """What the in-place buttons of every row of a list share: the links' builders, the
    CSRF token, the page to come back to and the buttons' labels (templates/_task_table)."""
    return SimpleNamespace(
        task_url=id_url("tasks.show", "task_id"),
        transition_url=id_url("tasks.transition", "task_id"),
        csrf=generate_csrf(),
        next=request.full_path,
        labels=translated(EVENT_LABELS),
    )


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.add_template_filter(vn_date)
    app.add_template_filter(period_label)
    app.add_template_filter(periods_label)
    app.jinja_env.globals.update(
        STATE_LABELS=STATE_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        days_left=days_left,
        url_with=url_with,
        id_url=id_url,
        today=today,
        translated=translated,
        row_action_context=row_action_context,
    )
