"""The reminder policy (config/reminders.toml) and the working-day calendar."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.settings import ROOT

DEFAULT_POLICY_PATH = ROOT / "config" / "reminders.toml"


@dataclass(frozen=True)
class WorkCalendar:
    """Weekends, public holidays and swapped Saturdays, as Vietnamese offices observe them."""

    holidays: frozenset[date] = frozenset()
    working_saturdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        """Whether offices are open on `day`."""
        if day in self.holidays:
            return False
        if day in self.working_saturdays:
            return True
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        """`day` itself if offices are open, else the next day they are."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def previous_working_day(self, day: date) -> date:
        """`day` itself if offices are open, else the last day before it that they were."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def days_off_after(self, day: date) -> list[date]:
        """The run of days off right after `day` (a Friday gives Saturday and Sunday)."""
        days, nxt = [], day + timedelta(days=1)
        while not self.is_working_day(nxt) and len(days) < 31:
            days.append(nxt)
            nxt += timedelta(days=1)
        return days

    def days_off_before(self, day: date) -> list[date]:
        """The run of days off right before `day` (a Monday gives Saturday and Sunday)."""
        days, prev = [], day - timedelta(days=1)
        while not self.is_working_day(prev) and len(days) < 31:
            days.append(prev)
            prev -= timedelta(days=1)
        return days


def quarter_start(day: date) -> date:
    """The first calendar day of the quarter holding `day`."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    """The last calendar day of the quarter holding `day`."""
    start = quarter_start(day)
    nxt = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return nxt - timedelta(days=1)


def quarter_label(day: date) -> str:
    """ "Quý II/2024" for a day in April-June 2024."""
    return f"Quý {('I', 'II', 'III', 'IV')[(day.month - 1) // 3]}/{day.year}"


@dataclass(frozen=True)
class Policy:
    """What to send, to whom and when; every field comes from the TOML file."""

    timezone: str = "Asia/Ho_Chi_Minh"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    digest_enabled: bool = True
    digest_honour_opt_out: bool = True
    lead_days: tuple[int, ...] = (14, 7, 1)
    coordinating_days: tuple[int, ...] = (7,)
    overdue_enabled: bool = True
    overdue_first_after_days: int = 1
    overdue_every_days: int = 7
    overdue_max_days: int = 365
    overdue_escalate: bool = True
    # Event codes that may be told (by mail and in the app); "all": every one. Each person
    # then chooses per kind: at once, in the daily digest, or off.
    events: tuple[str, ...] = ("all",)
    # The daily digest of events goes out at this local time on working days.
    event_digest_hour: int = 16
    event_digest_minute: int = 30
    plan_hour: int = 6
    plan_minute: int = 30
    send_every_minutes: int = 1
    catch_up_days: int = 3
    batch_size: int = 200
    max_attempts: int = 20
    backoff_base_seconds: int = 60
    backoff_max_seconds: int = 7200
    lease_seconds: int = 300

    def digest_day(self, day: date) -> date:
        """The day the digest of `day`'s quarter goes out: its first working day."""
        return self.calendar.next_working_day(quarter_start(day))

    def before_due_days(self, day: date) -> list[date]:
        """The nominal days whose before-due reminders go out on `day`.

        A reminder falling on a weekend or holiday goes on the previous working day (earlier
        is harmless, later could be too late), so a Friday also carries Saturday's and
        Sunday's; a day off carries nothing."""
        if not self.calendar.is_working_day(day):
            return []
        return [day, *self.calendar.days_off_after(day)]

    def overdue_days(self, day: date) -> list[date]:
        """The nominal days whose overdue notices (and escalations) go out on `day`.

        An overdue notice may not go before the deadline has passed, so one falling on a
        day off waits for the next working day: a Monday also carries the weekend's."""
        if not self.calendar.is_working_day(day):
            return []
        return [day, *self.calendar.days_off_before(day)]

    def deadline_on_day_off(self, due_on: date | None) -> bool:
        """Whether a deadline falls on a weekend or holiday (flagged in the plan and mails;
        whether it moves to the next working day is the product owner's decision)."""
        return due_on is not None and not self.calendar.is_working_day(due_on)

    def overdue_offsets(self) -> list[int]:
        """Days past due on which an overdue notice goes out (1, 8, 15, … by default)."""
        if not self.overdue_enabled:
            return []
        return list(
            range(self.overdue_first_after_days, self.overdue_max_days + 1, self.overdue_every_days)
        )

    def backoff_seconds(self, attempts: int) -> int:
        """Wait before the next try after `attempts` failed ones: doubling, capped."""
        return min(self.backoff_base_seconds * 2 ** max(attempts - 1, 0), self.backoff_max_seconds)


def load_calendar(path: Path) -> WorkCalendar:
    """Read the holidays data file (see its _comment for where the dates come from)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return WorkCalendar(
        holidays=frozenset(date.fromisoformat(h["date"]) for h in data.get("holidays", [])),
        working_saturdays=frozenset(
            date.fromisoformat(w["date"]) for w in data.get("working_days", [])
        ),
    )


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(sorted({int(v) for v in values}, reverse=True))


def _events(value: Any) -> tuple[str, ...]:
    """ "all" (or a list holding it) means every event; else the listed event codes."""
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _hour_minute(text: str) -> tuple[int, int]:
    hour, _, minute = str(text).partition(":")
    return int(hour), int(minute or 0)


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> Policy:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    digest = raw.get("digest", {})
    before = raw.get("before_due", {})
    overdue = raw.get("overdue", {})
    sched = raw.get("scheduler", {})
    sender = raw.get("sender", {})
    calendar = load_calendar(path.parent / raw.get("holidays_file", "holidays_vn.json"))
    digest_at = _hour_minute(raw.get("events", {}).get("digest_at", "16:30"))
    defaults = Policy()
    return Policy(
        timezone=raw.get("timezone", defaults.timezone),
        calendar=calendar,
        digest_enabled=bool(digest.get("enabled", True)),
        digest_honour_opt_out=bool(digest.get("honour_opt_out", True)),
        lead_days=_ints(before.get("lead_days", defaults.lead_days)),
        coordinating_days=_ints(before.get("coordinating_days", defaults.coordinating_days)),
        overdue_enabled=bool(overdue.get("enabled", True)),
        overdue_first_after_days=int(overdue.get("first_after_days", 1)),
        overdue_every_days=max(1, int(overdue.get("every_days", 7))),
        overdue_max_days=int(overdue.get("max_days", 365)),
        overdue_escalate=bool(overdue.get("escalate", True)),
        events=_events(raw.get("events", {}).get("enabled", defaults.events)),
        event_digest_hour=digest_at[0],
        event_digest_minute=digest_at[1],
        plan_hour=int(sched.get("plan_hour", 6)),
        plan_minute=int(sched.get("plan_minute", 30)),
        send_every_minutes=max(1, int(sched.get("send_every_minutes", 1))),
        catch_up_days=max(0, int(sched.get("catch_up_days", 3))),
        batch_size=max(1, int(sender.get("batch_size", 200))),
        max_attempts=max(1, int(sender.get("max_attempts", 20))),
        backoff_base_seconds=int(sender.get("backoff_base_seconds", 60)),
        backoff_max_seconds=int(sender.get("backoff_max_seconds", 7200)),
        lease_seconds=int(sender.get("lease_seconds", 300)),
    )


def load_policy(path: Path | str | None = None) -> Policy:
    """The policy in `path` (default config/reminders.toml), re-read when the file changes."""
    resolved = Path(path) if path else DEFAULT_POLICY_PATH
    return _load(resolved, resolved.stat().st_mtime)


def current_policy() -> Policy:
    """The policy the running app is configured with (REMINDER_POLICY_PATH)."""
    from flask import current_app

    return load_policy(current_app.config.get("REMINDER_POLICY_PATH"))
