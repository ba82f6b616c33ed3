"""Timeframe text ("Quý III năm 2024", "trước ngày 10 tháng 12 hằng năm") -> periods, due.

Rules follow DESIGN.md "Timeframes". Parsing runs on folded text after undoing the OCR
damage typical of the genre ("Quy 11l" = Quý III, "thdng" = tháng, "nim" = năm).
Written by hand rather than with a date library: dateparser and friends know neither
quarters ("quý") nor school years, and Vietnamese plan timeframes are a small grammar.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from .textutil import strip_marks

_WORD_FIXES = [
    (re.compile(r"\bn[a-z]{1,2}m\b"), "nam"),  # năm: nim, ndm, nǎm
    (re.compile(r"\bth[a-z4]ng\b"), "thang"),  # tháng: thdng, th4ng
    (re.compile(r"\bng[a-z]y\b"), "ngay"),  # ngày: ngdy
    (re.compile(r"\btru[a-z]{1,2}c\b"), "truoc"),  # trước: trudc, truéc
    (re.compile(r"\bqu[yi]\b"), "quy"),
    (re.compile(r"\bh[a-z]ng\s+(nam|quy|thang)\b"), r"hang \1"),  # hằng/hàng năm
    (re.compile(r"\bth[a-z]{2,3}ng\s+xuy[a-z]{1,2}n\b"), "thuong xuyen"),
    (re.compile(r"\bd[a-z]n\b"), "den"),  # đến
    (re.compile(r"\bt[a-z]{1,2}\b(?=\s+thang)"), "tu"),  # từ tháng
]
_TOKEN = re.compile(r"[a-z0-9|]+|/")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass
class Timeframe:
    """A parsed timeframe: periods ("2024-Q3", "2024-09", "2024"), due date, recurrence."""

    text: str
    periods: list[str] = field(default_factory=list)
    due: date | None = None
    recurrence: str | None = None  # "yearly", "quarterly", "monthly" or None
    ongoing: bool = False
    notes: list[str] = field(default_factory=list)
    understood: bool = False
    adjusted: bool = False  # an OCR-damaged quarter numeral was corrected from context


_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"})
# A named date: "ngày 15 tháng 01 năm 2025", "ngày 15/01/2025", "ngày 10 tháng 12" (year
# left out), or a full day/month/year without "ngày" as tables write it ("Trước 15/01/2025").
_NAMED_DATE = re.compile(
    r"ngay\s+(\d{1,2})\s*(?:thang\s+|/\s*|-\s*)(\d{1,2})"
    r"(?:\s*(?:nam\s+|/\s*|-\s*)(\d{4}))?"
    r"|(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?![\d/])"
)


def _prepare(text: str) -> str:
    t = strip_marks(text.translate(_DASHES)).lower()
    t = re.sub(r"[^a-z0-9/|,\-]+", " ", t)
    t = t.replace(",", " , ").replace("-", " - ")
    for pattern, repl in _WORD_FIXES:
        t = pattern.sub(repl, t)
    return " ".join(t.split())


def _quarter(token: str) -> int | None:
    """Quarter number from an OCR-damaged Roman or Arabic numeral."""
    if token.isdigit() and set(token) != {"1"}:
        value = int(token)
        return value if 1 <= value <= 4 else None
    roman = re.sub(r"[1l|]", "i", token)
    return _ROMAN.get(roman)


def _close_gaps(quarters: list[int], ambiguous: list[bool]) -> bool:
    """ "quý 11 và IV": OCR lost a stroke of "III"; a list of quarters is contiguous.

    Only numerals OCR could have damaged (written with 1, l or |) are moved, and only
    when moving one stroke up closes a one-quarter gap to the next quarter.
    """
    changed = False
    for k in range(len(quarters) - 1):
        if k < len(ambiguous) and ambiguous[k] and quarters[k + 1] == quarters[k] + 2:
            quarters[k] += 1
            changed = True
    return changed


def _span(start: tuple[str, int, int], kind: str, year: int, end: list[int]) -> list[str]:
    """Periods strictly between a range's start and its end (the end is added by the caller).

    "từ tháng 9/2024 đến tháng 5/2025" -> 2024-09 (the start, already added) … 2025-04.
    """
    if start[0] != kind or not end:
        return []
    size = 12 if kind == "m" else 4
    first = start[1] * size + start[2] - 1
    last = year * size + end[0] - 1
    out = []
    for index in range(first + 1, last):
        y, k = divmod(index, size)
        out.append(f"{y}-{k + 1:02d}" if kind == "m" else f"{y}-Q{k + 1}")
    return out if last - first <= 3 * size else []


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _period_end(period: str) -> date:
    if "-Q" in period:
        year, q = period.split("-Q")
        return _month_end(int(year), int(q) * 3)
    if "-" in period:
        year, month = period.split("-")
        return _month_end(int(year), int(month))
    return date(int(period), 12, 31)


def _sort_key(period: str) -> tuple[int, int, str]:
    end = _period_end(period)
    # Periods ending in the same month ("2024", "2024-Q4", "2024-12") came out of a set:
    # the text breaks the tie, or their order would follow the interpreter's hash seed.
    return (end.year, end.month, period)


def _valid_year(value: str) -> bool:
    return value.isdigit() and len(value) == 4 and 1990 <= int(value) <= 2100


def parse_timeframe(text: str | None, plan_year: int | None = None) -> Timeframe:
    """Parse a timeframe as written in a plan.

    `plan_year` fills in a year the text leaves out ("Quý IV" = Quý IV of the plan's
    year). Unparseable text gives an empty Timeframe with `understood=False`.
    """
    raw = (text or "").strip()
    result = Timeframe(text=raw)
    if not raw:
        return result
    t = _prepare(raw)
    default_year = plan_year or date.today().year

    if "thuong xuyen" in t or "lien tuc" in t:
        result.ongoing = True
        result.understood = True
    if re.search(r"khi co (su )?thay doi", t):
        result.notes.append(
            "và khi có thay đổi nhân sự" if "nhan su" in t else "và khi có thay đổi"
        )

    yearly = "hang nam" in t
    # Named dates ("trước ngày 15/01/2025", "trước ngày 10 tháng 12 hằng năm"); two of
    # them are a span ("từ ngày 01/10/2024 đến ngày 30/11/2024"): due on the last.
    # The dates are cut out of the text in one pass: cutting each one out of the whole
    # text again was quadratic in their number (H2).
    dates: list[date] = []
    kept: list[str] = []
    pos = 0
    for m in _NAMED_DATE.finditer(t):
        day, month, year_text = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        year = int(year_text) if year_text and _valid_year(year_text) else default_year
        try:
            dates.append(date(year, int(month), int(day)))
        except ValueError:
            continue
        kept += (t[pos : m.start()], " ")
        pos = m.end()
    if dates:
        kept.append(t[pos:])
        t = "".join(kept).strip()
    named: date | None = dates[-1] if dates else None

    school = re.search(r"nam hoc\s+(\d{4})\s*(?:-|/)\s*(\d{4})", t)
    quarters: list[str] = []
    months: list[str] = []
    years: list[str] = []
    if school and int(school.group(2)) == int(school.group(1)) + 1:
        y1 = int(school.group(1))
        quarters = [f"{y1}-Q3", f"{y1}-Q4", f"{y1 + 1}-Q1", f"{y1 + 1}-Q2"]
        result.periods = quarters
        result.due = named or date(y1 + 1, 5, 31)
        result.understood = True
        return result

    half = re.search(r"6 thang (dau|cuoi) nam(?:\s+(\d{4}))?", t)
    if half:
        year = int(half.group(2)) if half.group(2) else default_year
        qs = (1, 2) if half.group(1) == "dau" else (3, 4)
        quarters = [f"{year}-Q{q}" for q in qs]
        t = t[: half.start()] + " " + t[half.end() :]

    tokens = _TOKEN.findall(t)
    mode: str | None = None
    pending_q: list[int] = []
    ambiguous: list[bool] = []  # numerals OCR could have damaged ("11" may be III)
    pending_m: list[int] = []
    range_from: int | None = None
    # "từ tháng 9/2024 đến tháng 5/2025": a range whose start already has its year.
    span_start: tuple[str, int, int] | None = None
    last_flushed: tuple[str, int, int] | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok == "quy":
            mode = "quarter"
        elif tok == "thang":
            mode = "month"
        elif tok in ("tu",):
            pass
        elif tok == "den" and mode == "month" and pending_m:
            range_from = pending_m[-1]
        elif tok == "den" and last_flushed is not None and not pending_q and not pending_m:
            span_start = last_flushed
        elif (tok == "nam" and _valid_year(nxt)) or (tok == "/" and _valid_year(nxt)):
            year = nxt
            result.adjusted |= _close_gaps(pending_q, ambiguous)
            if span_start is not None:
                quarters += _span(span_start, "q", int(year), pending_q[:1])
                months += _span(span_start, "m", int(year), pending_m[:1])
                span_start = None
            for q in pending_q:
                quarters.append(f"{year}-Q{q}")
            for mo in pending_m:
                months.append(f"{year}-{mo:02d}")
            last_flushed = None
            if pending_m and not pending_q:
                last_flushed = ("m", int(year), pending_m[-1])
            elif pending_q and not pending_m:
                last_flushed = ("q", int(year), pending_q[-1])
            if not pending_q and not pending_m and tok == "nam":
                years.append(year)
            pending_q, pending_m, ambiguous, mode = [], [], [], None
            i += 2
            continue
        elif tok == "nam" and nxt == "hoc":
            pass
        elif mode == "quarter" and tok not in (",", "va", "/"):
            q = _quarter(tok)
            if q is not None:
                pending_q.append(q)
                ambiguous.append(bool(re.search(r"[1l|]", tok)))
            else:
                mode = None
        elif mode == "month" and tok.isdigit() and len(tok) <= 2:
            mo = int(tok)
            if 1 <= mo <= 12:
                if range_from is not None and mo > range_from:
                    pending_m.extend(range(range_from + 1, mo + 1))
                    range_from = None
                else:
                    pending_m.append(mo)
            else:
                mode = None
        elif mode is not None and tok not in (",", "va", "/", "-"):
            mode = None if tok not in ("den", "tu") else mode
        elif _valid_year(tok) and mode is None and not pending_q and not pending_m:
            # a bare year after a range "năm 2024 - 2025"
            if years and i >= 1 and tokens[i - 1] == "-":
                years.extend(str(y) for y in range(int(years[-1]) + 1, int(tok) + 1))
        i += 1
    result.adjusted |= _close_gaps(pending_q, ambiguous)
    if span_start is not None:
        quarters += _span(span_start, "q", default_year, pending_q[:1])
        months += _span(span_start, "m", default_year, pending_m[:1])
    for q in pending_q:
        quarters.append(f"{default_year}-Q{q}")
    for mo in pending_m:
        months.append(f"{default_year}-{mo:02d}")

    if re.search(r"\bhang quy\b", t) and not quarters:
        quarters = [f"{default_year}-Q{q}" for q in range(1, 5)]
        result.recurrence = "quarterly"
    if re.search(r"\bhang thang\b", t) and not months:
        months = [f"{default_year}-{mo:02d}" for mo in range(1, 13)]
        result.recurrence = "monthly"

    periods = sorted(set(quarters + months + years), key=_sort_key)
    if yearly:
        result.recurrence = "yearly"
        if not periods:
            periods = [str(named.year if named else default_year)]
    if named and not periods:
        first = dates[0]
        periods = [f"{named.year}-{named.month:02d}"]
        if len(dates) > 1 and (first.year, first.month) < (named.year, named.month):
            periods = [
                f"{first.year}-{first.month:02d}",
                *_span(("m", first.year, first.month), "m", named.year, [named.month]),
                f"{named.year}-{named.month:02d}",
            ]
    result.periods = periods
    if named:
        result.due = named
    elif periods:
        result.due = _period_end(periods[-1])
    result.understood = result.understood or bool(periods) or named is not None
    return result
