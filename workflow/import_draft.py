"""The importer's draft as review reads it: rows, dates, the plan's year, the fingerprint.

The importer (pure) turns a document into a draft (`PlanDraft.to_json()`); `review_draft`
prepares it for review (rows included, suggestions offered, the plan's own timeframe
proposed to items that have none, the document fingerprinted). The helpers here read a draft
and change nothing in the database; the review, resolution and commit modules share them.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from importer.timeframes import parse_timeframe
from workflow.errors import InvalidInput
from workflow.inputs import in_range
from workflow.text import fold


def review_draft(draft: Mapping[str, Any], filename: str | None = None) -> dict[str, Any]:
    """The importer's draft prepared for review: items included, suggestions offered."""
    data = copy.deepcopy(dict(draft))
    data.setdefault("plan", {})
    for key in ("items", "suggestions", "warnings"):
        data.setdefault(key, [])
    for item in data["items"]:
        item.setdefault("include", True)
    for item in data["suggestions"]:
        item.setdefault("include", False)
    data.setdefault("mappings", {})
    data.setdefault("tracking_unit_id", None)
    data["source_filename"] = filename or data.get("source_filename")
    # Fingerprinted before any edit, so the same document uploaded again is recognised.
    data.setdefault("source_hash", source_fingerprint(draft))
    propose_plan_timeframe(data)
    return data


def source_fingerprint(draft: Mapping[str, Any]) -> str:
    """A hash of what the importer read (header and items, folded): the same document, or
    the same text in another file format, gives the same fingerprint."""
    meta = draft.get("plan") or {}
    parts = [fold(str(meta.get(key) or "")) for key in ("number", "issuer", "issued_on", "title")]
    for item in draft.get("items") or []:
        parts.append(
            "|".join(
                fold(str(item.get(key) or ""))
                for key in ("number", "title", "content", "timeframe_text")
            )
        )
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


# "năm học 2025-2026" (a school year) or "năm 2025" in the plan's title.
_TITLE_TIMEFRAME = re.compile(
    r"\bn[aă]m\s+h[oọ]c\s+(?:19|20|21)\d\d\s*-\s*(?:19|20|21)\d\d\b"
    r"|\bn[aă]m\s+(?:19|20|21)\d\d\b",
    re.IGNORECASE,
)


def plan_timeframe_text(draft: Mapping[str, Any]) -> str | None:
    """The timeframe the plan as a whole runs in, as its title says it ("… năm 2025",
    "… năm học 2025-2026"); None when the title names none."""
    title = str((draft.get("plan") or {}).get("title") or "")
    match = _TITLE_TIMEFRAME.search(title)
    return match.group(0) if match else None


PLAN_TIMEFRAME_WARNING = "Chưa có thời gian riêng: đề xuất theo thời gian của kế hoạch"


def propose_plan_timeframe(draft: dict[str, Any]) -> None:
    """An item without a timeframe, a date or "thường xuyên" gets the plan's timeframe
    (DESIGN.md: "an item with no timeframe of its own takes the plan's … the year in the
    plan's title"), flagged so the reviewer sees it was proposed; with none, it stays
    without a deadline (and the dashboard counts it as "chưa có hạn")."""
    text = plan_timeframe_text(draft)
    parsed = parse_timeframe(text) if text else None
    if parsed is None or not parsed.periods:
        return
    for _, _, item in all_rows(draft):
        if item.get("periods") or item.get("due") or item.get("ongoing"):
            continue
        if (item.get("timeframe_text") or "").strip():
            continue  # a timeframe the parser could not read: the reviewer decides
        item.update(
            timeframe_text=text,
            periods=list(parsed.periods),
            due=parsed.due.isoformat() if parsed.due else None,
        )
        item.setdefault("warnings", []).append(PLAN_TIMEFRAME_WARNING)


def all_rows(draft: Mapping[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    """(kind, index, item) for every item and suggestion, in review-table order."""
    return [
        (kind, i, item)
        for kind in ("items", "suggestions")
        for i, item in enumerate(draft.get(kind, []))
    ]


def included(draft: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items and suggestions the reviewer keeps in the plan."""
    return [item for _, _, item in all_rows(draft) if item.get("include", True)]


def plan_year(draft: Mapping[str, Any]) -> int | None:
    """The plan's year: the most common year of its items' periods, else the issue year."""
    years = Counter(
        int(p[:4])
        for item in draft.get("items", [])
        for p in item.get("periods") or []
        if p[:4].isdigit()
    )
    if years:
        return years.most_common(1)[0][0]
    try:
        issued = parse_draft_date((draft.get("plan") or {}).get("issued_on"), "ngày ban hành")
    except InvalidInput:
        return None
    return issued.year if issued else None


def parse_draft_date(value: Any, label: str) -> date | None:
    """A date as a draft or the review form writes it (ISO, dd/mm/yyyy, dd-mm-yyyy); None
    when empty; InvalidInput naming `label` when unreadable or out of range."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        # 31/12/9999 parses, but no plan runs that long (and a day after it overflows).
        if in_range(day):
            return day
        break
    raise InvalidInput(
        "%(label)s «%(text)s» không hợp lệ (dd/mm/yyyy).",
        label=label[:1].upper() + label[1:],
        text=text,
    )
