"""Mail bodies from templates/mail/*: plain text and HTML, with links, in the language of
the current (possibly forced) locale: Vietnamese unless the recipient chose English."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from flask import current_app
from flask_babel import get_locale, gettext


def N_(msgid: str) -> str:  # noqa: N802 - Babel's marker for a msgid translated later
    """Mark `msgid` for the catalogue without translating it now."""
    return msgid


@dataclass(frozen=True)
class Msg:
    """A sentence kept as its Vietnamese msgid and named parameters, said in whatever
    language is current when it is turned into text: an event is told once, but each
    person reads it (mail, in-app list) in their own language.

    Parameter values: text (data, never translated), another Msg, a date, None or a list
    of those (joined by ", ")."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The sentence in the current locale."""
        if not self.params:
            return gettext(self.msgid)
        return gettext(self.msgid, **{k: _said(v) for k, v in self.params.items()})

    def __str__(self) -> str:
        return self.text()

    def to_json(self) -> dict:
        """A JSON-ready form, stored on the in-app notification row."""
        return {"m": self.msgid, "p": {k: _to_json(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Msg:
        return cls(data["m"], {k: _from_json(v) for k, v in (data.get("p") or {}).items()})


def _said(value: Any) -> str:
    if isinstance(value, Msg):
        return value.text()
    if isinstance(value, date):
        return vn_date(value)
    if value is None:
        return gettext("không có hạn")
    if isinstance(value, list | tuple):
        return ", ".join(_said(v) for v in value)
    return str(value)


def _to_json(value: Any) -> Any:
    if isinstance(value, Msg):
        return value.to_json()
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return date.fromisoformat(value["d"]) if "d" in value else Msg.from_json(value)
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def say(value: Any) -> str:
    """A title or detail as text in the current locale (a Msg, or plain text as is)."""
    return "" if value is None else _said(value)


def stored_text(data: Mapping[str, Any] | None, fallback: str | None) -> str | None:
    """A notification's title or detail in the reader's language from its stored msgid and
    parameters; rows written before they were kept show their stored text."""
    if not data:
        return fallback
    try:
        return Msg.from_json(data).text()
    except (KeyError, TypeError, ValueError):  # a damaged row still shows something
        return fallback


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


def vn_date(day: date | None) -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates."""
    return _dmy(day) if day else gettext("không có hạn")


@lru_cache(maxsize=4096)  # a day's mails share a few hundred dates at most
def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


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
        "lang": getattr(get_locale(), "language", "vi"),  # the language the text is in
        **context,
    }
    text = env.get_template(f"mail/{template}.txt").render(**context)
    html = env.get_template(f"mail/{template}.html").render(**context)
    return Rendered(subject, text, html)


WEEKDAYS = (
    N_("Thứ Hai"),
    N_("Thứ Ba"),
    N_("Thứ Tư"),
    N_("Thứ Năm"),
    N_("Thứ Sáu"),
    N_("Thứ Bảy"),
    N_("Chủ nhật"),
)


def number_key(number: str | None) -> tuple:
    """Item numbers sort as numbers: "1.2" < "1.10" < "2" (text after digits sorts last)."""
    parts = re.findall(r"\d+|\D+", number or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


class Section(enum.StrEnum):
    """The parts of a daily reminder, most urgent first."""

    OVERDUE = "overdue"  # the person's unit leads it and the deadline has passed
    DUE = "due"  # the deadline is today or ahead (lead or coordinating)
    ESCALATION = "escalation"  # another unit's overdue task the person must chase
    QUARTER = "quarter"  # the quarter's overview, on its first working day


SECTION_TITLES = {
    # msgids: the reminder template translates them (the mail's language is chosen late).
    Section.OVERDUE: N_("NHIỆM VỤ QUÁ HẠN"),
    Section.DUE: N_("NHIỆM VỤ SẮP ĐẾN HẠN"),
    Section.ESCALATION: N_("NHIỆM VỤ QUÁ HẠN CẦN ĐÔN ĐỐC"),
    Section.QUARTER: N_("NHIỆM VỤ ĐẾN HẠN TRONG"),  # followed by "QUÝ III/2024"
}

SECTION_ADVICE = {
    Section.OVERDUE: N_(
        "Đơn vị chủ trì chưa gửi báo cáo. Đề nghị khẩn trương hoàn thành, gửi báo cáo "
        "hoặc xin gia hạn trên PlanWork."
    ),
    Section.DUE: N_(
        "Đề nghị đơn vị chủ trì hoàn thành và gửi báo cáo trước hạn; đơn vị phối hợp "
        "phối hợp với đơn vị chủ trì và cập nhật đóng góp trên PlanWork."
    ),
    Section.ESCALATION: N_(
        "Các nhiệm vụ dưới đây đã quá hạn mà đơn vị chủ trì chưa gửi báo cáo; PlanWork "
        "đã nhắc đơn vị chủ trì. Đề nghị đôn đốc hoặc yêu cầu đơn vị giải trình."
    ),
    Section.QUARTER: N_("Danh sách để đơn vị chủ động sắp xếp công việc trong quý."),
}


@dataclass(frozen=True)
class Line:
    """One task in a daily reminder, with its day count as of the sending day."""

    section: Section
    task: TaskInfo
    unit_name: str  # whose duty it is: the lead, coordinating or chasing unit
    role: str = "lead"  # "lead", "coordinating" or "chase"
    days: int = 0  # days left (DUE) or days past the deadline (OVERDUE, ESCALATION)
    quarter: str | None = None  # QUARTER lines: "Quý III/2024"
    deadline_on_day_off: bool = False

    @property
    def status(self) -> str:
        """ "Quá hạn 8 ngày", "Còn 7 ngày", "Đến hạn hôm nay", or the deadline."""
        if self.section in (Section.OVERDUE, Section.ESCALATION):
            return gettext("Quá hạn %(days)s ngày", days=self.days)
        if self.section == Section.DUE:
            if self.days > 0:
                return gettext("Còn %(days)s ngày", days=self.days)
            return gettext("Đến hạn hôm nay")
        return gettext("Hạn %(due)s", due=vn_date(self.task.due_on))

    @property
    def deadline(self) -> str:
        """The deadline, with its weekday when it falls on a day off."""
        text = vn_date(self.task.due_on)
        if self.deadline_on_day_off and self.task.due_on:
            weekday = gettext(WEEKDAYS[self.task.due_on.weekday()])
            text += " " + gettext("(%(weekday)s, ngày nghỉ)", weekday=weekday)
        return text

    def sort_key(self) -> tuple:
        """Most urgent first: longest overdue, fewest days left; then plan and item."""
        urgency = -self.days if self.section != Section.DUE else self.days
        if self.section == Section.QUARTER:
            urgency = self.task.due_on.toordinal() if self.task.due_on else 0
        return (urgency, self.task.plan_number, number_key(self.task.number), self.task.id)


def _line_subject(line: Line) -> str:
    task = line.task
    what = gettext(
        "nhiệm vụ %(number)s – %(plan)s – hạn %(due)s",
        number=task.number,
        plan=task.plan_number,
        due=vn_date(task.due_on),
    )
    if line.section == Section.DUE:
        who = " " + gettext("(phối hợp)") if line.role == "coordinating" else ""
        return f"[PlanWork] {line.status}{who}: {what}"
    if line.section == Section.OVERDUE:
        return f"[PlanWork] {line.status}: {what}"
    if line.section == Section.ESCALATION:
        return "[PlanWork] " + gettext(
            "%(status)s – cần đôn đốc: %(what)s", status=line.status, what=what
        )
    return "[PlanWork] " + gettext(
        "%(quarter)s: 1 nhiệm vụ đến hạn của %(unit)s", quarter=line.quarter, unit=line.unit_name
    )


def daily_subject(day: date, lines: list[Line]) -> str:
    """One line: that line's own subject; several: the day and a count per section."""
    if len(lines) == 1:
        return _line_subject(lines[0])
    counts = {s: sum(1 for ln in lines if ln.section == s) for s in Section}
    parts = []
    if counts[Section.OVERDUE]:
        parts.append(gettext("%(count)s quá hạn", count=counts[Section.OVERDUE]))
    if counts[Section.DUE]:
        parts.append(gettext("%(count)s sắp đến hạn", count=counts[Section.DUE]))
    if counts[Section.ESCALATION]:
        parts.append(gettext("%(count)s cần đôn đốc", count=counts[Section.ESCALATION]))
    if counts[Section.QUARTER]:
        quarter = next(ln.quarter for ln in lines if ln.section == Section.QUARTER)
        parts.append(
            gettext(
                "%(count)s đến hạn trong %(quarter)s",
                count=counts[Section.QUARTER],
                quarter=quarter,
            )
        )
    return "[PlanWork] " + gettext(
        "Nhắc việc ngày %(day)s: %(count)s nhiệm vụ (%(parts)s)",
        day=vn_date(day),
        count=len(lines),
        parts=", ".join(parts),
    )


def daily(day: date, addressees: list[str], lines: list[Line]) -> Rendered:
    """The one reminder a person gets on `day`: every task line, by urgency, in sections.

    Day counts are those of `day`, the day the mail goes out (not the day it was planned).
    """
    ordered = sorted(lines, key=Line.sort_key)
    sections = [
        (section, [ln for ln in ordered if ln.section == section])
        for section in Section
        if any(ln.section == section for ln in ordered)
    ]
    quarter = next((ln.quarter for ln in ordered if ln.quarter), None)
    return render(
        "reminder",
        daily_subject(day, ordered),
        day=day,
        addressees=addressees,
        sections=sections,
        titles=SECTION_TITLES,
        advice=SECTION_ADVICE,
        quarter=quarter,
        numerals=("I", "II", "III", "IV"),
    )


def preferences_url() -> str:
    """Where a person chooses what they hear of, and how."""
    return f"{base_url()}/account/notifications"


def notice(
    task: TaskInfo,
    event: Any,
    addressee: str,
    actor_name: str,
    actor_unit: str,
    unsubscribe_url: str,
) -> Rendered:
    """One event told at once to one subscriber (`event`: notifications.events.Event)."""
    return render(
        "notice",
        f"[PlanWork] {short(say(event.title), 200)}",
        task=task,
        event=event,
        addressee=addressee,
        actor_name=actor_name,
        actor_unit=actor_unit,
        unsubscribe_url=unsubscribe_url,
        preferences_url=preferences_url(),
    )


def digest_line(task: TaskInfo, event: Any, actor_name: str, actor_unit: str) -> Rendered:
    """One event as a line of a daily digest: the subject is the line's title, the bodies
    its text and HTML fragment (the sender folds a person's lines into one mail)."""
    who = f"{actor_name} ({actor_unit})" if actor_unit else actor_name
    title, detail = say(event.title), short(say(event.detail), 500) if event.detail else ""
    lines = [title]
    if who:
        lines.append(gettext("Người thực hiện: %(who)s", who=who))
    if detail:
        lines.append(detail)
    lines.append(gettext("Mở nhiệm vụ: %(url)s", url=task.url))
    env = current_app.jinja_env
    html = env.get_template("mail/_digest_line.html").render(
        task=task, title=title, who=who, detail=detail
    )
    return Rendered(title, "\n".join(lines), html)


def event_digest(day: date, lines: list[Rendered], unsubscribe_url: str | None) -> Rendered:
    """A person's daily digest of events: every line of the day, oldest first."""
    count = len(lines)
    subject = (
        gettext(
            "[PlanWork] Tin trong ngày %(day)s: %(title)s", day=vn_date(day), title=lines[0].subject
        )
        if count == 1
        else gettext(
            "[PlanWork] Tin trong ngày %(day)s: %(count)s thông báo", day=vn_date(day), count=count
        )
    )
    return render(
        "event_digest",
        short(subject, 250),
        day=day,
        lines=lines,
        unsubscribe_url=unsubscribe_url,
        preferences_url=preferences_url(),
        notifications_url=f"{base_url()}/notifications",
    )
