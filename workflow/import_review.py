"""The reviewer's edits on a draft: the review form's fields and the table's row actions.

`apply_edits` applies the form (header, rows, unit mappings and their scope);
`review_action` splits, merges, adds, leaves out or restores a row. Each returns a new
draft and never writes to the database: the draft is saved again by the caller.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from importer.timeframes import parse_timeframe
from models.units import ALIAS_GLOBAL, ALIAS_SCOPES
from workflow.errors import InvalidInput
from workflow.import_draft import all_rows, parse_draft_date, plan_year
from workflow.import_resolution import Target
from workflow.text import fold

_ROW_ACTION = re.compile(r"^(split|merge|remove|restore):(items|suggestions)-(\d{1,6})$")


def _lines(value: str | None) -> list[str]:
    """Units as the review page writes them: one per line (names contain commas)."""
    return [line.strip() for line in (value or "").replace("\r", "").split("\n") if line.strip()]


def apply_edits(
    draft: Mapping[str, Any], form: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The review form's fields applied to the draft; returns (new draft, error messages)."""
    data = copy.deepcopy(dict(draft))
    errors: list[str] = []
    plan = data.setdefault("plan", {})
    for key in ("number", "title", "issuer"):
        if f"plan-{key}" in form:
            plan[key] = (form.get(f"plan-{key}") or "").strip() or None
    if "plan-issued_on" in form:
        raw = (form.get("plan-issued_on") or "").strip()
        try:
            issued = parse_draft_date(raw, "ngày ban hành")
            plan["issued_on"] = issued.isoformat() if issued else None
        except InvalidInput as exc:
            errors.append(exc.message)
    if "plan-based_on" in form:
        plan["based_on"] = [
            p.strip() for p in re.split(r"[;\n]", form.get("plan-based_on") or "") if p.strip()
        ]
    if "tracking_unit" in form:
        try:
            target = Target.parse(form.get("tracking_unit"))
            data["tracking_unit_id"] = target.unit_id if target else None
        except InvalidInput as exc:
            errors.append(exc.message)
    year = plan_year(data)
    for kind, i, item in all_rows(data):
        prefix = f"{kind}-{i}-"
        if prefix + "number" not in form:
            continue
        item["include"] = form.get(prefix + "include") == "1"
        item["number"] = (form.get(prefix + "number") or "").strip()
        item["title"] = (form.get(prefix + "title") or "").strip()
        item["lead"] = _lines(form.get(prefix + "lead"))
        item["coordinating"] = _lines(form.get(prefix + "coordinating"))
        timeframe = (form.get(prefix + "timeframe") or "").strip()
        old_due = item.get("due") or ""
        if timeframe != (item.get("timeframe_text") or ""):
            parsed = parse_timeframe(timeframe, year)
            item.update(
                timeframe_text=timeframe,
                periods=list(parsed.periods),
                due=parsed.due.isoformat() if parsed.due else None,
                recurrence=parsed.recurrence,
                ongoing=parsed.ongoing,
            )
        due_raw = (form.get(prefix + "due") or "").strip()
        if due_raw != old_due:  # the reviewer set the date; else it follows the timeframe
            try:
                due = parse_draft_date(due_raw, f"hạn của nhiệm vụ {item['number']}")
                item["due"] = due.isoformat() if due else None
            except InvalidInput as exc:
                errors.append(exc.message)
    mappings: dict[str, str] = {}
    scopes: dict[str, str] = {}
    for key in form:
        match = re.fullmatch(r"map-(\d+)-text", key)
        if match:
            text = (form.get(key) or "").strip()
            value = (form.get(f"map-{match.group(1)}") or "").strip()
            scope = (form.get(f"map-{match.group(1)}-scope") or ALIAS_GLOBAL).strip()
            if scope not in ALIAS_SCOPES:
                errors.append("Phạm vi của lựa chọn đơn vị không hợp lệ.")
                scope = ALIAS_GLOBAL
            if text and value:
                mappings[text] = value
                scopes[text] = scope
    if any(re.fullmatch(r"map-(\d+)-text", k) for k in form):
        data["mappings"] = mappings
        data["mapping_scopes"] = scopes
    return data, errors


def _free_number(draft: Mapping[str, Any], base: str) -> str:
    taken = {str(item.get("number") or "") for _, _, item in all_rows(draft)}
    if base and base not in taken:
        return base
    k = 1
    while f"{base}.{k}" in taken if base else str(k) in taken:
        k += 1
    return f"{base}.{k}" if base else str(k)


def _united(first: Iterable[str], second: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for text in [*first, *second]:
        if fold(text) not in seen:
            seen.add(fold(text))
            out.append(text)
    return out


def split_item(draft: Mapping[str, Any], kind: str, index: int, title: str = "") -> dict[str, Any]:
    """The item cut in two rows: the second after it, with the title given (else the same),
    the same units, timeframe and source text, and a number of its own."""
    data = copy.deepcopy(dict(draft))
    rows = data.get(kind) or []
    if not 0 <= index < len(rows):
        raise InvalidInput("Không tìm thấy dòng cần tách.")
    first = rows[index]
    second = copy.deepcopy(first)
    second["title"] = title.strip()[:2000] or first.get("title") or ""
    second["number"] = _free_number(data, f"{(first.get('number') or '').strip()}")
    second["include"] = True
    second["warnings"] = []
    rows.insert(index + 1, second)
    return data


def merge_items(draft: Mapping[str, Any], kind: str, index: int) -> dict[str, Any]:
    """The item and the row below it as one: titles joined, units united, the first
    timeframe kept (the second's when the first has none), both source texts kept."""
    data = copy.deepcopy(dict(draft))
    rows = data.get(kind) or []
    if not 0 <= index < len(rows):
        raise InvalidInput("Không tìm thấy dòng cần gộp.")
    if index + 1 >= len(rows):
        raise InvalidInput("Dòng cuối không có dòng kế tiếp để gộp.")
    first, second = rows[index], rows.pop(index + 1)
    first["title"] = " ".join(
        t for t in ((first.get("title") or "").strip(), (second.get("title") or "").strip()) if t
    )
    contents = [c for c in (first.get("content"), second.get("content")) if c]
    first["content"] = "\n".join(contents) or None
    for role in ("lead", "coordinating"):
        first[role] = _united(first.get(role) or [], second.get(role) or [])
    if not (first.get("timeframe_text") or "").strip():
        for key in ("timeframe_text", "periods", "due", "recurrence", "ongoing"):
            first[key] = second.get(key)
    first["warnings"] = _united(first.get("warnings") or [], second.get("warnings") or [])
    first["include"] = bool(first.get("include", True) or second.get("include", True))
    own = {k: second.get(k) for k in ("sources", "spans")}
    own["source_content"] = second.get("source_content", second.get("content"))
    # The first's spans point into its own paragraph: kept apart from the joined content.
    first.setdefault("source_content", contents[0] if first.get("content") else None)
    first["content"] = "\n".join(contents) or None
    first["merged_sources"] = [
        *(first.get("merged_sources") or []),
        own,
        *(second.get("merged_sources") or []),
    ]
    mentions = first.setdefault("mentions", {})
    for role, found in (second.get("mentions") or {}).items():
        mentions[role] = [*(mentions.get(role) or []), *(found or [])]
    return data


def add_item(draft: Mapping[str, Any]) -> dict[str, Any]:
    """An empty row at the end of the items, numbered after the others, to fill in."""
    data = copy.deepcopy(dict(draft))
    items = data.setdefault("items", [])
    numbers = [int(n) for n in (str(i.get("number") or "") for i in items) if n.isdigit()]
    number = _free_number(data, str(max(numbers, default=0) + 1))
    items.append(
        {
            "number": number,
            "section": items[-1].get("section") if items else None,
            "title": "",
            "content": None,
            "lead": [],
            "coordinating": [],
            "timeframe_text": "",
            "periods": [],
            "due": None,
            "recurrence": None,
            "ongoing": False,
            "warnings": [],
            "include": True,
            "added": True,
        }
    )
    return data


def set_included(draft: Mapping[str, Any], kind: str, index: int, include: bool) -> dict[str, Any]:
    """The row left out of the plan (kept on the page, restorable), or taken back in."""
    data = copy.deepcopy(dict(draft))
    rows = data.get(kind) or []
    if not 0 <= index < len(rows):
        raise InvalidInput("Không tìm thấy dòng cần bỏ hoặc khôi phục.")
    rows[index]["include"] = include
    return data


def review_action(
    draft: Mapping[str, Any], action: str, form: Mapping[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """A row action of the review page ("split:items-3", "merge:items-3", "add",
    "remove:items-3", "restore:items-3") applied to the draft; on bad input the draft is
    returned unchanged with a message."""
    try:
        if action == "add":
            return add_item(draft), []
        match = _ROW_ACTION.match(action or "")
        if not match:
            raise InvalidInput("Thao tác trên bảng nhiệm vụ không hợp lệ.")
        verb, kind, index = match.group(1), match.group(2), int(match.group(3))
        if verb == "split":
            title = form.get(f"{kind}-{index}-split_title") or ""
            return split_item(draft, kind, index, title), []
        if verb == "merge":
            return merge_items(draft, kind, index), []
        return set_included(draft, kind, index, verb == "restore"), []
    except InvalidInput as exc:
        return copy.deepcopy(dict(draft)), [exc.message]
