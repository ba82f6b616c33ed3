"""Unit mentions of a draft → units and groups of the directory, within the plan's scope.

`import_directory` is what the importer parses against; `Resolver` maps a mention to a unit
or group the way the review page shows it (the reviewer's mappings, scoped aliases, the
importer's own reading, names, the fuzzy directory); `parse_mappings` checks the reviewer's
choices and `pending_mentions` lists what is still unknown. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from importer.directory import Directory, Entry, Match, default_directory
from importer.scope import Scope
from models import Unit, UnitAlias, UnitGroup, db
from models.units import ALIAS_GLOBAL, ALIAS_ISSUER, ALIAS_PLAN
from workflow.directory import directory_records
from workflow.errors import InvalidInput
from workflow.import_draft import included, source_fingerprint
from workflow.inputs import parse_int
from workflow.plans import UnitRef
from workflow.text import fold


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
        parent = aliased(Unit)
        units = db.session.execute(
            sa.select(
                Unit.id,
                Unit.code,
                Unit.name,
                Unit.kind,
                Unit.parent_id,
                parent.name.label("parent_name"),
            )
            .outerjoin(parent, parent.id == Unit.parent_id)
            .where(Unit.active.is_(True))
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
        # Names several units bear ("Trường Tiểu học Kim Đồng" in several districts): such
        # a name alone picks none of them; the reviewer chooses among the candidates.
        bearers: dict[str, list[Any]] = {}
        for u in units:
            bearers.setdefault(fold(u.name), []).append(u)
        self.homonyms: dict[str, list[Any]] = {
            folded: sorted(same, key=lambda u: (u.parent_name or "", u.code))
            for folded, same in bearers.items()
            if len(same) > 1
        }
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
        if folded in self.homonyms:
            return self._one_in_scope(folded, text)
        if folded in self.from_draft:
            return self.from_draft[folded]
        if folded in self.by_fold:
            target = self.by_fold[folded]
            return target if self._allowed(target, text) else None
        match = self.directory.lookup(text)
        if match is None or not self.scope.allows(match, text):
            return None
        if match.entry.kind == "unit" and fold(match.entry.name) in self.homonyms:
            # An OCR-tolerant reading of a shared name is as ambiguous as the name.
            return self._one_in_scope(fold(match.entry.name), text)
        if match.entry.kind == "group" and match.entry.code in self.group_by_code:
            return Target(group_id=self.group_by_code[match.entry.code])
        if match.entry.code in self.unit_by_code:
            return Target(unit_id=self.unit_by_code[match.entry.code])
        return None

    def _one_in_scope(self, folded: str, text: str) -> Target | None:
        """The one bearer of a shared name the plan's scope allows (a district office's
        plan means its own district's school), or None when several remain."""
        allowed = [u for u in self.homonyms[folded] if self._allowed(Target(unit_id=u.id), text)]
        issuer = self.scope.entry.code if self.scope.entry is not None else None
        issuer_id = self.unit_by_code.get(issuer) if issuer else None
        if len(allowed) > 1 and issuer_id is not None:
            parents = {u.id: u.parent_id for u in self.units}
            below = [u for u in allowed if issuer_id in _ancestors(u.id, parents)]
            allowed = below or allowed
        return Target(unit_id=allowed[0].id) if len(allowed) == 1 else None

    def candidates(self, text: str) -> list[tuple[str, str]]:
        """(value, "name — parent") for each unit bearing the name `text` (none when the
        name is not shared): the review proposes them instead of picking one."""
        return [
            (Target(unit_id=u.id).value, self._label(u)) for u in self.homonyms.get(fold(text), [])
        ]

    @staticmethod
    def _label(unit: Any) -> str:
        return f"{unit.name} — {unit.parent_name}" if unit.parent_name else unit.name

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
        # A shared name is told apart by its parent ("… — Phòng GD&ĐT Quận 1").
        out += [
            (
                Target(unit_id=u.id).value,
                self._label(u) if fold(u.name) in self.homonyms else u.name,
            )
            for u in sorted(self.units, key=lambda u: (u.name, u.parent_name or ""))
        ]
        return out


def _ancestors(unit_id: int, parents: Mapping[int, int | None]) -> set[int]:
    """The unit itself and every unit above it (a cycle ends the walk)."""
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return seen


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
                raise InvalidInput(
                    "Không có đơn vị hoặc nhóm đơn vị mã «%(code)s».",
                    code=code,
                )
        else:
            target = Target.parse(value)
        if target is None:
            continue
        if resolver is not None and target not in resolver.names:
            raise InvalidInput("Đơn vị hoặc nhóm đơn vị được chọn không tồn tại.")
        out[fold(text)] = (text, target)
    return out


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
                        # Several units bear this name: the reviewer picks one of these.
                        "candidates": resolver.candidates(text),
                        # Not in the directory: proposed as a new unit under the issuer.
                        "proposed_parent": None if resolver.candidates(text) else issuer or None,
                    },
                )
                if item.get("number") not in entry["items"]:
                    entry["items"].append(item.get("number"))
    return list(found.values())
