"""Parsing what people type into numbers and dates the databases can hold.

One set of rules for the web layer (web/params.py reads request parameters with them) and
the services (due dates): only ASCII digits count as a number (`str.isdigit()` accepts "²",
which `int()` then refuses), integers stay inside the column's range (SQLite raises
OverflowError and PostgreSQL NumericValueOutOfRange beyond it), dates stay inside a range
where a day's arithmetic cannot overflow, and floats are finite (PostgreSQL's JSON refuses
NaN). Each parser returns None for what it cannot read; callers choose to fall back or
refuse.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from workflow import clock
from workflow.errors import InvalidInput

# Primary and foreign keys are INTEGER (int4 on PostgreSQL).
MAX_ID = 2**31 - 1
# The audit chain's sequence number is BIGINT.
MAX_BIGINT = 2**63 - 1
# Far enough for any plan and any inspection, short of date.min/date.max so that a day
# before or after any accepted date still exists (an as-of cut-off, an iCalendar DTEND).
MIN_YEAR, MAX_YEAR = 1900, 2200
# A deadline further ahead than this is a typing error (or an attempt to park a task).
DUE_HORIZON_YEARS = 10

_DIGITS = re.compile(r"[0-9]{1,20}")
_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")


def parse_int(text: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum]; None otherwise."""
    if isinstance(text, int) and not isinstance(text, bool):
        value = text
    elif isinstance(text, str) and _DIGITS.fullmatch(text.strip()):
        value = int(text.strip())
    else:
        return None
    return value if minimum <= value <= maximum else None


def parse_float(text: object) -> float | None:
    """A finite number ("12,5" or "12.5"); None when blank, malformed, NaN or infinite."""
    if text is None:
        return None
    value_text = str(text).strip().replace(",", ".")
    if not value_text:
        return None
    try:
        value = float(value_text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def in_range(day: date) -> bool:
    """Whether a date lies within the years the application handles."""
    return MIN_YEAR <= day.year <= MAX_YEAR


def parse_date(text: str | None) -> date | None:
    """ "30/09/2024" (or ISO "2024-09-30", "30-09-2024") → date within MIN_YEAR–MAX_YEAR;
    None when blank, malformed or out of range."""
    text = (text or "").strip()
    if not text or not text.isascii():
        return None
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if in_range(day) else None
    return None


def parse_quarter(value: str | None) -> tuple[int, int] | None:
    """(year, quarter) from "2024-Q2" within MIN_YEAR–MAX_YEAR, or None."""
    match = _QUARTER.fullmatch(value or "")
    if match is None:
        return None
    year, quarter = int(match.group(1)), int(match.group(2))
    return (year, quarter) if MIN_YEAR <= year <= MAX_YEAR else None


def check_due_date(day: date, label: str = "Hạn") -> None:
    """Refuse a deadline more than DUE_HORIZON_YEARS ahead (or before MIN_YEAR)."""
    today = clock.today()
    try:
        horizon = today.replace(year=today.year + DUE_HORIZON_YEARS)
    except ValueError:  # 29 February, in a year ten years on that has none
        horizon = today.replace(year=today.year + DUE_HORIZON_YEARS, day=28)
    if day.year < MIN_YEAR:
        raise InvalidInput(
            "%(label)s không hợp lệ.",
            label=label,
        )
    if day > horizon:
        raise InvalidInput(
            "%(label)s không hợp lệ: không thể quá %(due_horizon_years)s năm kể từ hôm nay "
            "(muộn nhất %(latest)s).",
            label=label,
            due_horizon_years=DUE_HORIZON_YEARS,
            latest=horizon.strftime("%d/%m/%Y"),
        )


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards escaped for `escape="\\\\"` ("%" matches only "%")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (with `escape="\\\\"`) matching values that contain `text` as is."""
    return f"%{escape_like(text)}%"
