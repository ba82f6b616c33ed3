"""Review, then commit: a parsed plan draft, as the coordinator edited it, becomes a plan.

The importer (pure) turns a document into a draft (`PlanDraft.to_json()`); the reviewer edits
it and maps the unit mentions the directory does not know. This module turns that reviewed
draft into a `PlanInput`, saves each mapping as an alias (so the next plan resolves it), and
creates the plan — or updates the plan that already carries the number — in one transaction.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from importer.directory import Directory, Entry, Match, default_directory
from importer.scope import Scope
from importer.timeframes import parse_timeframe
from models import (
    Plan,
    PlanStatus,
    Recurrence,
    Role,
    Task,
    TaskState,
    Unit,
    UnitAlias,
    UnitGroup,
    UnitRole,
    db,
)
from models import User as UserModel
from models.units import ALIAS_GLOBAL, ALIAS_ISSUER, ALIAS_PLAN, ALIAS_SCOPES
from workflow import audit, clock
from workflow.directory import _add_alias, directory_records
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.inputs import in_range, parse_int
from workflow.plans import (
    DuplicatePlan,
    ItemInput,
    PlanInput,
    UnitRef,
    add_items,
    create_plan,
    find_plan_by_number,
    propagate_to_subtasks,
    replace_coordinating,
    unit_keys,
)
from workflow.snapshots import plan_snapshot
from workflow.text import fold
from workflow.transaction import unit_of_work

IMPORT_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
UPDATE_REASON = "Cập nhật từ văn bản"
LOW_CONFIDENCE = 0.9
DRAFT_MAX_AGE_SECONDS = 3 * 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_RECURRENCE = {"yearly": Recurrence.YEARLY, "quarterly": Recurrence.QUARTERLY}
# The item fields an update from a new version of the document may change.
_UPDATE_FIELDS = (
    "section",
    "title",
    "content",
    "timeframe_text",
    "periods",
    "period_start",
    "due_on",
    "recurrence",
    "ongoing",
)


# --- who may import ----------------------------------------------------------------------


def can_import(user: Any) -> bool:
    """Coordinators and admins import plans."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in IMPORT_ROLES


def check_can_import(user: Any) -> None:
    if not can_import(user):
        raise PermissionDenied("Chỉ điều phối viên hoặc quản trị viên mới được nhập kế hoạch.")


def can_update(plan: Plan, user: Any) -> bool:
    """Admins, and coordinators of the plan's tracking or issuing unit, update a plan."""
    if not can_import(user):
        return False
    return user.role == Role.ADMIN or user.unit_id in (plan.tracking_unit_id, plan.issuer_id)


# --- the directory the importer resolves against ----------------------------------------


def import_directory() -> Directory:
    """The database's directory (with the aliases users added); data/units.json when the
    database has no units yet (or no tables: `plans parse` before `db upgrade`)."""
    try:
        has_units = db.session.execute(sa.select(Unit.id).limit(1)).first() is not None
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        has_units = False
    if not has_units:
        return default_directory()
    records = directory_records()
    return Directory(records["units"], records["groups"])


def alias_scope_keys(draft: Mapping[str, Any]) -> dict[str, str]:
    """The keys a mapping made while reviewing `draft` is saved under, by scope: the
    issuer's folded name, and the document's fingerprint (same text, same plan)."""
    meta = draft.get("plan") or {}
    keys = {ALIAS_GLOBAL: ""}
    issuer = fold(meta.get("issuer") or "")
    if issuer:
        keys[ALIAS_ISSUER] = issuer[:300]
    fingerprint = draft.get("source_hash") or source_fingerprint(draft)
    keys[ALIAS_PLAN] = str(fingerprint)[:300]
    return keys


@dataclass(frozen=True)
class Target:
    """What a mention is mapped to: one unit or one group."""

    unit_id: int | None = None
    group_id: int | None = None

    @property
    def value(self) -> str:
        return f"unit:{self.unit_id}" if self.unit_id is not None else f"group:{self.group_id}"

    @classmethod
    def parse(cls, value: str | None) -> Target | None:
        """ "unit:12" / "group:3" (the review page's select values); "" means no mapping."""
        value = (value or "").strip()
        if not value:
            return None
        kind, _, number = value.partition(":")
        # ASCII digits within INTEGER only ("unit:²" passes isdigit, then fails int()).
        number_id = parse_int(number, minimum=1)
        if kind not in ("unit", "group") or number_id is None:
            raise InvalidInput("Lựa chọn đơn vị không hợp lệ.")
        return cls(unit_id=number_id) if kind == "unit" else cls(group_id=number_id)


class Resolver:
    """Unit names, group names and aliases of the database → ids, within the scope of the
    plan under review.

    With the draft, a name resolves only to what its issuer may mean (importer.scope: a
    Hà Nội district's "Phòng Giáo dục và Đào tạo" is no Ho Chi Minh City office; a group
    only when the text names it): first the reviewer's mappings, then aliases scoped to
    this plan, then to this issuer's plans, then the importer's own resolution of the
    draft, then names and global aliases, then the OCR-tolerant fuzzy directory.
    """

    def __init__(self, draft: Mapping[str, Any] | None = None) -> None:
        records = directory_records()
        self.directory = Directory(records["units"], records["groups"])
        units = db.session.execute(
            sa.select(Unit.id, Unit.code, Unit.name, Unit.kind).where(Unit.active.is_(True))
        ).all()
        groups = db.session.execute(sa.select(UnitGroup.id, UnitGroup.code, UnitGroup.name)).all()
        self.units = units
        self.groups = groups
        self.unit_by_code = {u.code: u.id for u in units}
        self.group_by_code = {g.code: g.id for g in groups}
        self.names: dict[Target, str] = {Target(unit_id=u.id): u.name for u in units}
        self.names.update({Target(group_id=g.id): g.name for g in groups})
        self.entries: dict[Target, Entry] = {
            Target(unit_id=u.id): Entry(u.code, u.name, "unit") for u in units
        }
        self.entries.update({Target(group_id=g.id): Entry(g.code, g.name, "group") for g in groups})
        self.by_fold: dict[str, Target] = {}
        # (folded, scope, scope key) -> target, for aliases that hold in one issuer or plan.
        self.scoped: dict[tuple[str, str, str], Target] = {}
        active = {u.id for u in units}
        for alias in db.session.execute(sa.select(UnitAlias)).scalars():
            if alias.unit_id is not None and alias.unit_id in active:
                target = Target(unit_id=alias.unit_id)
            elif alias.group_id is not None:
                target = Target(group_id=alias.group_id)
            else:
                continue
            if alias.scope == ALIAS_GLOBAL:
                self.by_fold[alias.folded] = target
            else:
                self.scoped[(alias.folded, alias.scope, alias.scope_key)] = target
        for g in groups:
            self.by_fold[fold(g.name)] = Target(group_id=g.id)
        for u in units:
            self.by_fold[fold(u.name)] = Target(unit_id=u.id)
        meta = (draft or {}).get("plan") or {}
        issuer = (meta.get("issuer") or "").strip() or None
        # A bare "Sở Giáo dục và Đào tạo" under "UBND THÀNH PHỐ ĐÀ NẴNG": the importer
        # read the place from the header; the review must not take it for the city's own.
        where = meta.get("issuer_resolution") or {}
        place = where.get("place") if where.get("inside") is False else None
        self.scope = Scope.of(self.directory, issuer, place)
        self.scope_keys = alias_scope_keys(draft) if draft is not None else {}
        self.from_draft = self._draft_resolutions(draft) if draft is not None else {}

    def _draft_resolutions(self, draft: Mapping[str, Any]) -> dict[str, Target]:
        """Name (folded) → target, as the importer resolved the draft's mentions."""
        out: dict[str, Target] = {}
        for item in [*(draft.get("items") or []), *(draft.get("suggestions") or [])]:
            for role in ("lead", "coordinating"):
                for mention in ((item.get("mentions") or {}).get(role)) or []:
                    code = mention.get("code") if isinstance(mention, Mapping) else None
                    name = mention.get("unit") if isinstance(mention, Mapping) else None
                    if not code or not name:
                        continue
                    if mention.get("kind") == "group" and code in self.group_by_code:
                        out[fold(name)] = Target(group_id=self.group_by_code[code])
                    elif code in self.unit_by_code:
                        out[fold(name)] = Target(unit_id=self.unit_by_code[code])
        return out

    def _allowed(self, target: Target, text: str, confidence: float = 1.0) -> bool:
        entry = self.entries.get(target)
        return entry is not None and self.scope.allows(Match(entry, confidence), text)

    def target(self, text: str, mappings: Mapping[str, Target] | None = None) -> Target | None:
        """The unit or group `text` names, or None."""
        target = self._target(text, mappings)
        if target is not None and target.group_id is not None and Scope.singular(text):
            # A group named in the singular in a plan of one of its members is that
            # member: the plan's own office (as the importer reads it).
            entry = self.entries.get(target)
            own = self.scope.own_member(entry.code) if entry else None
            if own is not None and own.code in self.unit_by_code:
                return Target(unit_id=self.unit_by_code[own.code])
        return target

    def _target(self, text: str, mappings: Mapping[str, Target] | None) -> Target | None:
        folded = fold(text)
        if not folded:
            return None
        if mappings and folded in mappings:
            return mappings[folded]
        for scope in (ALIAS_PLAN, ALIAS_ISSUER):
            key = self.scope_keys.get(scope)
            if key and (folded, scope, key) in self.scoped:
                return self.scoped[(folded, scope, key)]
        if folded in self.from_draft:
            return self.from_draft[folded]
        if folded in self.by_fold:
            target = self.by_fold[folded]
            return target if self._allowed(target, text) else None
        match = self.directory.lookup(text)
        if match is None or not self.scope.allows(match, text):
            return None
        if match.entry.kind == "group" and match.entry.code in self.group_by_code:
            return Target(group_id=self.group_by_code[match.entry.code])
        if match.entry.code in self.unit_by_code:
            return Target(unit_id=self.unit_by_code[match.entry.code])
        return None

    def ref(self, text: str, mappings: Mapping[str, Target] | None = None) -> UnitRef:
        text = text.strip()[:300]
        target = self.target(text, mappings)
        if target is None:
            return UnitRef(mention=text, needs_review=True)
        return UnitRef(mention=text, unit_id=target.unit_id, group_id=target.group_id)

    def name_of(self, target: Target) -> str:
        return self.names.get(target, "")

    def unit_id_by_code(self, code: str) -> int | None:
        return self.unit_by_code.get(code)

    def choices(self) -> list[tuple[str, str]]:
        """(value, label) for a mapping select: groups first, then units by name."""
        out = [(Target(group_id=g.id).value, f"Nhóm: {g.name}") for g in self.groups]
        out += [
            (Target(unit_id=u.id).value, u.name) for u in sorted(self.units, key=lambda u: u.name)
        ]
        return out


def parse_mappings(
    mappings: Mapping[str, str | Target] | None, resolver: Resolver | None = None
) -> dict[str, tuple[str, Target]]:
    """{mention text: "unit:ID" | "group:ID" | unit/group code | Target} → {folded: (text,
    Target)}; empty choices are dropped, unknown targets refused."""
    out: dict[str, tuple[str, Target]] = {}
    for text, value in (mappings or {}).items():
        text = (text or "").strip()
        if not text:
            continue
        if isinstance(value, Target):
            target: Target | None = value
        elif resolver is not None and value and ":" not in value:
            code = value.strip()
            if code in resolver.unit_by_code:
                target = Target(unit_id=resolver.unit_by_code[code])
            elif code in resolver.group_by_code:
                target = Target(group_id=resolver.group_by_code[code])
            else:
                raise InvalidInput(f"Không có đơn vị hoặc nhóm đơn vị mã «{code}».")
        else:
            target = Target.parse(value)
        if target is None:
            continue
        if resolver is not None and target not in resolver.names:
            raise InvalidInput("Đơn vị hoặc nhóm đơn vị được chọn không tồn tại.")
        out[fold(text)] = (text, target)
    return out


# --- the reviewed draft ------------------------------------------------------------------


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


def find_existing_plan(draft: Mapping[str, Any]) -> Plan | None:
    """The standing plan a reviewed draft is a new version of: the one with its number;
    for a plan without a number, the one from the same document (fingerprint) or with the
    same issuer, date and title (folded). None when the plan is new."""
    meta = draft.get("plan") or {}
    number = (meta.get("number") or "").strip() or None
    if number:
        return find_plan_by_number(number)
    live = Plan.status != PlanStatus.WITHDRAWN
    fingerprint = draft.get("source_hash")
    if fingerprint:
        found = (
            db.session.execute(
                sa.select(Plan).where(Plan.source_hash == fingerprint, live).order_by(Plan.id)
            )
            .scalars()
            .first()
        )
        if found is not None:
            return found
    title = fold(meta.get("title") or "")
    if not title:
        return None
    try:
        issued_on = _parse_date(meta.get("issued_on"), "ngày ban hành")
    except InvalidInput:
        return None
    issuer = fold(meta.get("issuer") or "")
    same_day = Plan.issued_on == issued_on if issued_on else Plan.issued_on.is_(None)
    for plan in db.session.execute(
        sa.select(Plan).where(Plan.number.is_(None), same_day, live).order_by(Plan.id)
    ).scalars():
        if fold(plan.title) == title and (not issuer or fold(plan.issuer_name) == issuer):
            return plan
    return None


def all_rows(draft: Mapping[str, Any]) -> list[tuple[str, int, dict[str, Any]]]:
    """(kind, index, item) for every item and suggestion, in review-table order."""
    return [
        (kind, i, item)
        for kind in ("items", "suggestions")
        for i, item in enumerate(draft.get(kind, []))
    ]


def included(draft: Mapping[str, Any]) -> list[dict[str, Any]]:
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
        issued = _parse_date((draft.get("plan") or {}).get("issued_on"), "ngày ban hành")
    except InvalidInput:
        return None
    return issued.year if issued else None


def _parse_date(value: Any, label: str) -> date | None:
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
    raise InvalidInput(f"{label[:1].upper()}{label[1:]} «{text}» không hợp lệ (dd/mm/yyyy).")


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
            issued = _parse_date(raw, "ngày ban hành")
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
                due = _parse_date(due_raw, f"hạn của nhiệm vụ {item['number']}")
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


def pending_mentions(draft: Mapping[str, Any], resolver: Resolver) -> list[dict[str, Any]]:
    """Every unit named in an included item that the directory does not resolve (before the
    reviewer's mappings), with where it occurs and the current mapping choice."""
    found: dict[str, dict[str, Any]] = {}
    chosen = {fold(k): v for k, v in (draft.get("mappings") or {}).items()}
    scopes = {fold(k): v for k, v in (draft.get("mapping_scopes") or {}).items()}
    issuer = ((draft.get("plan") or {}).get("issuer") or "").strip()
    for item in included(draft):
        for role in ("lead", "coordinating"):
            for text in item.get(role) or []:
                if resolver.target(text) is not None:
                    continue
                entry = found.setdefault(
                    fold(text),
                    {
                        "text": text,
                        "items": [],
                        "choice": chosen.get(fold(text), ""),
                        # The reviewer's scope; "this issuer's plans" until they choose.
                        "scope": scopes.get(fold(text), ALIAS_ISSUER if issuer else ALIAS_GLOBAL),
                        # Not in the directory: proposed as a new unit under the issuer.
                        "proposed_parent": issuer or None,
                    },
                )
                if item.get("number") not in entry["items"]:
                    entry["items"].append(item.get("number"))
    return list(found.values())


# --- the review table: compact rows, their source text, and row actions ------------------

_SOURCE_LABELS = {
    "content": "Đoạn văn bản",
    "lead": "Đơn vị chủ trì",
    "coordinating": "Đơn vị phối hợp",
    "in_charge": "Đơn vị thực hiện",
    "timeframe": "Thời gian",
}
_ROW_ACTION = re.compile(r"^(split|merge|remove|restore):(items|suggestions)-(\d{1,6})$")


def _spans_of(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every span the importer recorded for the item's fields and mentions."""
    spans = item.get("spans") or {}
    out: list[Any] = []
    for value in spans.values() if isinstance(spans, Mapping) else []:
        out.extend(value if isinstance(value, list) else [value])
    return [s for s in out if isinstance(s, Mapping)]


def _marked(text: str, ranges: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, highlighted) with the given ranges merged."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(ranges):
        start, end = max(start, at), min(end, len(text))
        if end <= start:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def source_blocks(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The text an item was read from — its paragraph, then its field cells — each cut into
    pieces with the importer's spans highlighted; merged rows bring their own text."""
    blocks: list[dict[str, Any]] = []
    for part in [item, *(item.get("merged_sources") or [])]:
        spans = _spans_of(part)
        texts = [("content", 0, part.get("source_content", part.get("content")) or "")]
        for label, values in (part.get("sources") or {}).items():
            texts.extend((label, i, v) for i, v in enumerate(values or []) if isinstance(v, str))
        for label, index, text in texts:
            if not text.strip():
                continue
            ranges = [
                (int(s.get("start") or 0), int(s.get("end") or 0))
                for s in spans
                if s.get("in") == label and int(s.get("index") or 0) == index
            ]
            blocks.append(
                {"label": _SOURCE_LABELS.get(label, label), "pieces": _marked(text, ranges)}
            )
    return blocks


def _mapped_names(draft: Mapping[str, Any], resolver: Resolver) -> dict[str, str]:
    """Folded mention → the name of the unit or group the reviewer mapped it to."""
    out: dict[str, str] = {}
    for text, value in (draft.get("mappings") or {}).items():
        try:
            target = Target.parse(value)
        except InvalidInput:
            continue
        if target is not None and target in resolver.names:
            out[fold(text)] = resolver.names[target]
    return out


def review_rows(draft: Mapping[str, Any], resolver: Resolver) -> list[dict[str, Any]]:
    """The review table's rows: each item with its units as the preview shows them (the
    reviewer's mappings applied at once), its warnings (those about a mapped unit dropped)
    and its source text with the spans highlighted."""
    mapped = _mapped_names(draft, resolver)
    rows = []
    for kind, i, item in all_rows(draft):
        units: dict[str, list[dict[str, Any]]] = {}
        done: list[str] = []
        for role in ("lead", "coordinating"):
            units[role] = []
            for text in item.get(role) or []:
                name = mapped.get(fold(text))
                if name is not None:
                    done.append(text)
                    units[role].append({"text": text, "name": name, "state": "mapped"})
                elif resolver.target(text) is not None:
                    units[role].append({"text": text, "name": text, "state": "known"})
                else:
                    units[role].append({"text": text, "name": text, "state": "unknown"})
        warnings = [w for w in item.get("warnings") or [] if not any(f"“{t}”" in w for t in done)]
        rows.append(
            {
                "kind": kind,
                "index": i,
                "item": item,
                "lead": units["lead"],
                "coordinating": units["coordinating"],
                "warnings": warnings,
                "sources": source_blocks(item),
            }
        )
    return rows


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


def default_tracking_unit(draft: Mapping[str, Any], user: Any, resolver: Resolver) -> int:
    """The reviewer's choice; else the issuer if it is a unit of the directory; else the
    importing user's unit."""
    chosen = draft.get("tracking_unit_id")
    if chosen:
        return int(chosen)
    issuer = (draft.get("plan") or {}).get("issuer")
    if issuer:
        target = resolver.target(issuer)
        if target is not None and target.unit_id is not None:
            return target.unit_id
    return user.unit_id


def _trim(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draft_to_input(
    draft: Mapping[str, Any],
    resolver: Resolver,
    tracking_unit_id: int,
    mappings: Mapping[str, tuple[str, Target]] | None = None,
) -> PlanInput:
    """The reviewed draft as a `PlanInput`: names resolved to ids where the directory (or
    the reviewer's mapping) knows them; the rest kept as written, flagged for review."""
    by_fold = {k: t for k, (_, t) in (mappings or {}).items()}
    meta = draft.get("plan") or {}
    number = (meta.get("number") or "").strip() or None
    if number and len(number) > 80:
        raise InvalidInput("Số kế hoạch quá dài (tối đa 80 ký tự).")
    tracking = db.session.get(Unit, tracking_unit_id)
    if tracking is None or not tracking.active:
        raise InvalidInput("Hãy chọn cơ quan thường trực (đơn vị theo dõi) có trong danh mục.")
    issuer_name = (meta.get("issuer") or "").strip()
    issuer = resolver.target(issuer_name) if issuer_name else None
    issued_on = _parse_date(meta.get("issued_on"), "ngày ban hành")
    year = plan_year(draft)
    items: list[ItemInput] = []
    for item in included(draft):
        item_number = (item.get("number") or "").strip()
        if not item_number:
            raise InvalidInput("Mỗi nhiệm vụ cần có số thứ tự.")
        if len(item_number) > 40:
            raise InvalidInput(f"Số thứ tự «{item_number[:40]}…» quá dài (tối đa 40 ký tự).")
        due = _parse_date(item.get("due"), f"hạn của nhiệm vụ {item_number}")
        items.append(
            ItemInput(
                number=item_number,
                title=(item.get("title") or "").strip(),
                section=_trim(item.get("section"), 200),
                content=(item.get("content") or "").strip() or None,
                timeframe_text=_trim(item.get("timeframe_text"), 300) or None,
                periods=[p for p in item.get("periods") or [] if isinstance(p, str)],
                due_on=due,
                recurrence=_RECURRENCE.get(item.get("recurrence") or ""),
                ongoing=bool(item.get("ongoing")),
                leads=[resolver.ref(t, by_fold) for t in item.get("lead") or []],
                coordinating=[resolver.ref(t, by_fold) for t in item.get("coordinating") or []],
            )
        )
    return PlanInput(
        number=number,
        title=(meta.get("title") or "").strip(),
        issuer_name=_trim(issuer_name, 300) or tracking.name,
        issuer_id=issuer.unit_id if issuer else None,
        tracking_unit_id=tracking.id,
        issued_on=issued_on,
        period=str(year) if year else None,
        year=year,
        based_on=[_trim(b, 80) or "" for b in meta.get("based_on") or [] if b.strip()],
        items=items,
        source_filename=_trim(draft.get("source_filename"), 300),
        source_hash=_trim(draft.get("source_hash"), 64),
    )


def _save_mappings(
    mappings: Mapping[str, tuple[str, Target]],
    actor: UserModel,
    number: str | None,
    draft: Mapping[str, Any] | None = None,
) -> int:
    """Each mapping becomes an alias, in the caller's transaction, in the scope the reviewer
    chose for it (this plan, this issuer's plans, everywhere: `draft["mapping_scopes"]`,
    everywhere when unsaid); returns how many are new."""
    reason = f"Gán khi nhập kế hoạch {number}" if number else "Gán khi nhập kế hoạch"
    scopes = {fold(k): v for k, v in ((draft or {}).get("mapping_scopes") or {}).items()}
    keys = alias_scope_keys(draft) if draft is not None else {ALIAS_GLOBAL: ""}
    added = 0
    for folded, (text, target) in mappings.items():
        scope = scopes.get(folded, ALIAS_GLOBAL)
        if scope not in keys:
            scope = ALIAS_GLOBAL  # no issuer read: "this issuer" cannot be told apart
        alias_id = _add_alias(
            text,
            actor,
            unit_id=target.unit_id,
            group_id=target.group_id,
            reason=reason,
            scope=scope,
            scope_key=keys[scope],
        )
        added += alias_id is not None
    return added


# --- commit: a new plan ------------------------------------------------------------------


def commit_import(
    draft: Mapping[str, Any],
    actor: UserModel,
    tracking_unit_id: int | None = None,
    mappings: Mapping[str, str | Target] | None = None,
) -> int:
    """Create the plan of a reviewed draft with its tasks (fan-out, audit) and save the
    reviewer's mappings as aliases — all in one transaction; returns the plan's id.

    A plan with the same number raises `DuplicatePlan` (offer `update_from_import`).
    """
    check_can_import(actor)
    resolver = Resolver(draft)
    chosen = parse_mappings(mappings if mappings is not None else draft.get("mappings"), resolver)
    tracking = tracking_unit_id or default_tracking_unit(draft, actor, resolver)
    plan_input = draft_to_input(draft, resolver, tracking, chosen)
    existing = find_existing_plan(draft)
    if existing is not None:
        raise DuplicatePlan(plan_input.number or "", existing.id)
    try:
        _save_mappings(chosen, actor, plan_input.number, draft)
        # create_plan's unit of work commits the session: the aliases flushed above go in
        # the same database transaction as the plan, or are rolled back with it.
        return create_plan(plan_input, actor)
    except BaseException:
        db.session.rollback()
        raise


# --- commit: an update of the plan that already has this number --------------------------


@dataclass
class UpdateSummary:
    """What an update from a new version of the document did."""

    plan_id: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the plan, not in the document
    lead_differs: list[str] = field(default_factory=list)  # not applied: reassign by hand
    aliases: int = 0

    @property
    def message(self) -> str:
        parts = [
            f"Đã cập nhật kế hoạch: thêm {len(self.added)} nhiệm vụ, "
            f"sửa {len(self.updated)}, giữ nguyên {len(self.unchanged)}."
        ]
        if self.missing:
            parts.append(
                "Có trong hệ thống nhưng không có trong văn bản (không xóa): "
                + ", ".join(self.missing)
                + "."
            )
        if self.lead_differs:
            parts.append(
                "Đơn vị chủ trì trong văn bản khác trong hệ thống, hãy giao lại trên trang "
                "nhiệm vụ nếu cần: " + ", ".join(self.lead_differs) + "."
            )
        return " ".join(parts)


def _item_values(item: ItemInput) -> dict[str, Any]:
    return {
        "section": item.section,
        "title": item.title.strip(),
        "content": item.content,
        "timeframe_text": item.timeframe_text,
        "periods": list(item.periods),
        "period_start": min(item.periods) if item.periods else None,
        "due_on": item.due_on,
        "recurrence": item.recurrence,
        "ongoing": item.ongoing,
    }


def _apply_item(task: Task, item: ItemInput, actor: UserModel, now: datetime) -> bool:
    """Update the task (and its sub-tasks) from the item; returns whether anything changed."""
    values = _item_values(item)
    changed = {k: v for k, v in values.items() if getattr(task, k) != v}
    old_coord = [tu for tu in task.units if tu.role == UnitRole.COORDINATING]
    coord_changed = unit_keys(old_coord) != unit_keys(item.coordinating)
    if not changed and not coord_changed:
        return False
    before: dict[str, Any] = {k: getattr(task, k) for k in changed}
    after: dict[str, Any] = dict(changed)
    if coord_changed:
        before["coordinating"] = [tu.display_name for tu in old_coord]
        after["coordinating"] = [r.mention for r in item.coordinating]
        replace_coordinating(task, item.coordinating)
    for key, value in changed.items():
        setattr(task, key, value)
    task.updated_at = now
    audit.record(
        "task.update",
        actor=actor,
        object_type="task",
        object_id=task.id,
        plan_id=task.plan_id,
        before=before,
        after=after,
        reason=UPDATE_REASON,
    )
    propagate_to_subtasks(task, changed, actor, UPDATE_REASON, now, skip_cancelled=False)
    return True


def _lead_ids(task: Task) -> list[tuple[Any, ...]]:
    return unit_keys(tu for tu in task.units if tu.role == UnitRole.LEAD)


def update_from_import(
    plan_id: int,
    draft: Mapping[str, Any],
    actor: UserModel,
    mappings: Mapping[str, str | Target] | None = None,
) -> UpdateSummary:
    """Bring an existing plan in line with a new version of its document: add the items it
    lacks, update the changed fields of items matched by number (audited "task.update",
    reason "Cập nhật từ văn bản"); never deletes, never reassigns a lead silently."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch cần cập nhật.")
    if plan.status == PlanStatus.WITHDRAWN:
        raise InvalidInput("Kế hoạch đã bị thu hồi; hãy nhập văn bản như một kế hoạch mới.")
    if not can_update(plan, actor):
        raise PermissionDenied(
            "Chỉ quản trị viên hoặc điều phối viên của cơ quan thường trực mới được cập nhật "
            "kế hoạch này."
        )
    resolver = Resolver(draft)
    chosen = parse_mappings(mappings if mappings is not None else draft.get("mappings"), resolver)
    plan_input = draft_to_input(draft, resolver, plan.tracking_unit_id, chosen)
    if plan_input.number and plan.number and plan_input.number != plan.number:
        raise InvalidInput(
            f"Văn bản mang số {plan_input.number}, không phải kế hoạch {plan.number}."
        )
    if not plan_input.items:
        raise InvalidInput("Văn bản chưa có nhiệm vụ nào được chọn.")
    numbers = Counter(item.number for item in plan_input.items)
    duplicates = sorted(n for n, c in numbers.items() if c > 1)
    if duplicates:
        raise InvalidInput("Số thứ tự nhiệm vụ bị trùng: " + ", ".join(duplicates))
    for item in plan_input.items:
        if not item.title:
            raise InvalidInput(f"Nhiệm vụ {item.number} chưa có nội dung.")
    summary = UpdateSummary(plan_id=plan.id)
    now = clock.now()
    with unit_of_work():
        summary.aliases = _save_mappings(chosen, actor, plan.number, draft)
        tasks = (
            db.session.execute(
                sa.select(Task)
                .where(Task.plan_id == plan.id)
                .options(selectinload(Task.units), selectinload(Task.subtasks))
            )
            .scalars()
            .all()
        )
        # A number freed by a cancelled item belongs to the item that stands (listed last).
        ordered = sorted(tasks, key=lambda t: t.state != TaskState.CANCELLED)
        top = {t.number: t for t in ordered if t.parent_id is None}
        new_items: list[ItemInput] = []
        for item in plan_input.items:
            task = top.get(item.number)
            if task is None:
                new_items.append(item)
                summary.added.append(item.number)
                continue
            if _lead_ids(task) != unit_keys(item.leads):
                summary.lead_differs.append(item.number)
            if _apply_item(task, item, actor, now):
                summary.updated.append(item.number)
            else:
                summary.unchanged.append(item.number)
        seen = {item.number for item in plan_input.items}
        summary.missing = [n for n in top if n not in seen]
        meta_before = plan_snapshot(plan)
        if plan_input.title and plan_input.title != plan.title:
            plan.title = plan_input.title
        if plan_input.issued_on and plan_input.issued_on != plan.issued_on:
            plan.issued_on = plan_input.issued_on
        if plan_input.source_hash:
            plan.source_hash = plan_input.source_hash  # the newest version is recognised too
        meta_after = plan_snapshot(plan)
        if meta_after != meta_before:
            changed = [k for k in meta_after if meta_after[k] != meta_before[k]]
            audit.record(
                "plan.update",
                actor=actor,
                object_type="plan",
                object_id=plan.id,
                plan_id=plan.id,
                before={k: meta_before[k] for k in changed},
                after={k: meta_after[k] for k in changed},
                reason=UPDATE_REASON,
            )
        if new_items:
            last = max((t.position for t in tasks), default=-1)
            add_items(plan, new_items, actor, first_position=last + 1)
    return summary


# --- drafts kept server-side between upload and confirm ----------------------------------


def _draft_path(folder: Path, token: str) -> Path:
    if not _TOKEN.match(token or ""):
        raise NotFound("Bản nháp nhập kế hoạch không còn (đã xác nhận, đã hủy hoặc hết hạn).")
    return Path(folder) / f"{token}.json"


def save_draft(
    folder: Path, owner: UserModel, draft: Mapping[str, Any], token: str | None = None
) -> str:
    """Write the draft under `folder/<token>.json` (atomically); returns the token."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    token = token or secrets.token_urlsafe(24)
    path = _draft_path(folder, token)
    payload = {"owner_id": owner.id, "saved_at": time.time(), "draft": draft}
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return token


def load_draft(folder: Path, token: str, owner: UserModel) -> dict[str, Any]:
    """The draft saved under this token by this user; NotFound for anyone else's."""
    path = _draft_path(folder, token)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(
            "Bản nháp nhập kế hoạch không còn (đã xác nhận, đã hủy hoặc hết hạn)."
        ) from exc
    if payload.get("owner_id") != owner.id:
        raise NotFound("Bản nháp nhập kế hoạch không còn (đã xác nhận, đã hủy hoặc hết hạn).")
    return payload["draft"]


def discard_draft(folder: Path, token: str) -> None:
    _draft_path(folder, token).unlink(missing_ok=True)


def purge_drafts(folder: Path, max_age: float = DRAFT_MAX_AGE_SECONDS) -> int:
    """Delete drafts older than `max_age` seconds; returns how many."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    limit = time.time() - max_age
    removed = 0
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed
