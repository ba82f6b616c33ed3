"""The unit directory: load it, add units and aliases — audited like every change."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import Unit, UnitAlias, UnitGroup, UnitKind, User, db
from models.units import ALIAS_GLOBAL, ALIAS_SCOPES
from workflow import audit
from workflow.errors import InvalidInput
from workflow.snapshots import unit_snapshot
from workflow.text import fold
from workflow.transaction import unit_of_work


def _scoped(folded: str, scope: str = ALIAS_GLOBAL, scope_key: str = "") -> sa.Select:
    """The alias rows of one spelling within one scope."""
    return sa.select(UnitAlias).where(
        UnitAlias.folded == folded, UnitAlias.scope == scope, UnitAlias.scope_key == scope_key
    )


def _alias_taken(folded: str, scope: str = ALIAS_GLOBAL, scope_key: str = "") -> bool:
    return db.session.execute(_scoped(folded, scope, scope_key)).first() is not None


def load_directory(data: dict[str, Any], actor: User | None) -> dict[str, int]:
    """Create units, aliases and groups from records (units.json's shape), in the caller's
    transaction; returns code → unit id. Aliases whose folded form is taken are skipped."""
    by_code: dict[str, Unit] = {}
    seen_folds = set(
        db.session.execute(
            sa.select(UnitAlias.folded).where(UnitAlias.scope == ALIAS_GLOBAL)
        ).scalars()
    )
    for record in data["units"]:
        unit = Unit(
            code=record["code"],
            name=record["name"],
            kind=UnitKind(record["kind"]),
            email=record.get("email"),
            parent=by_code.get(record.get("parent") or ""),
        )
        for text in record.get("aliases", []):
            folded = fold(text)
            if folded and folded not in seen_folds and folded != fold(unit.name):
                seen_folds.add(folded)
                unit.aliases.append(UnitAlias(text=text, folded=folded))
        db.session.add(unit)
        by_code[unit.code] = unit
    db.session.flush()
    for unit in by_code.values():
        audit.record(
            "unit.create",
            actor=actor,
            object_type="unit",
            object_id=unit.id,
            unit_id=unit.id,
            after={**unit_snapshot(unit), "aliases": [a.text for a in unit.aliases]},
        )
    for record in data.get("groups", []):
        group = UnitGroup(
            code=record["code"],
            name=record["name"],
            members=[by_code[c] for c in record.get("members", [])],
        )
        for text in record.get("aliases", []):
            folded = fold(text)
            if folded and folded not in seen_folds and folded != fold(group.name):
                seen_folds.add(folded)
                group.aliases.append(UnitAlias(text=text, folded=folded))
        db.session.add(group)
        db.session.flush()
        audit.record(
            "group.create",
            actor=actor,
            object_type="unit_group",
            object_id=group.id,
            after={
                "code": group.code,
                "name": group.name,
                "members": [u.code for u in group.members],
                "aliases": [a.text for a in group.aliases],
            },
        )
    return {code: unit.id for code, unit in by_code.items()}


def _add_alias(
    text: str,
    actor: User | None,
    *,
    unit_id: int | None = None,
    group_id: int | None = None,
    reason: str | None = None,
    scope: str = ALIAS_GLOBAL,
    scope_key: str = "",
) -> int | None:
    """Add the alias inside the caller's transaction (never commits); returns its id.

    `scope` says where it holds: everywhere ("global"), in the plans of one issuer
    ("issuer", `scope_key` its folded name) or in one plan ("plan", `scope_key` its
    document fingerprint). A spelling already recorded for the same unit or group in the
    same scope is not an error: returns None.
    """
    if scope not in ALIAS_SCOPES:
        raise InvalidInput("Phạm vi của tên gọi khác không hợp lệ.")
    scope_key = "" if scope == ALIAS_GLOBAL else (scope_key or "")[:300]
    if scope != ALIAS_GLOBAL and not scope_key:
        raise InvalidInput("Phạm vi của tên gọi khác không hợp lệ.")
    text = (text or "").strip()
    folded = fold(text)
    if not folded:
        raise InvalidInput("Tên gọi khác không được để trống.")
    if len(text) > 300:
        raise InvalidInput("Tên gọi khác quá dài (tối đa 300 ký tự).")
    if (unit_id is None) == (group_id is None):
        raise InvalidInput("Hãy chọn đúng một đơn vị hoặc một nhóm đơn vị.")
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise InvalidInput("Đơn vị không tồn tại.")
    if group_id is not None and db.session.get(UnitGroup, group_id) is None:
        raise InvalidInput("Nhóm đơn vị không tồn tại.")
    existing = db.session.execute(_scoped(folded, scope, scope_key)).scalar_one_or_none()
    if existing is not None:
        if existing.unit_id == unit_id and existing.group_id == group_id:
            return None
        raise InvalidInput(
            "Tên gọi «%(text)s» đã được gán cho một đơn vị khác.",
            text=text,
        )
    alias = UnitAlias(
        text=text,
        folded=folded,
        unit_id=unit_id,
        group_id=group_id,
        scope=scope,
        scope_key=scope_key,
    )
    db.session.add(alias)
    db.session.flush()
    audit.record(
        "unit.alias",
        actor=actor,
        object_type="unit" if unit_id else "unit_group",
        object_id=unit_id or group_id,
        unit_id=unit_id,
        after={"alias": text, "alias_id": alias.id, "scope": scope, "scope_key": scope_key},
        reason=reason,
    )
    return alias.id


def add_alias(
    text: str, actor: User, *, unit_id: int | None = None, group_id: int | None = None
) -> int:
    """Remember another spelling of a unit or group (e.g. mapped during an import)."""
    with unit_of_work():
        folded = fold(text)
        if folded and _alias_taken(folded):
            raise InvalidInput(
                "Tên gọi «%(text)s» đã được gán cho một đơn vị khác.",
                text=(text or "").strip(),
            )
        alias_id = _add_alias(text, actor, unit_id=unit_id, group_id=group_id)
    assert alias_id is not None
    return alias_id


def directory_records() -> dict[str, Any]:
    """The directory as plain records (units.json's shape), for the importer's resolver.

    Only aliases that hold everywhere: one scoped to an issuer or a plan is applied by the
    review (workflow.import_resolution.Resolver), never to other plans."""
    units = db.session.execute(sa.select(Unit).where(Unit.active.is_(True))).scalars().all()
    aliases = (
        db.session.execute(sa.select(UnitAlias).where(UnitAlias.scope == ALIAS_GLOBAL))
        .scalars()
        .all()
    )
    unit_aliases: dict[int, list[str]] = {}
    group_aliases: dict[int, list[str]] = {}
    for alias in aliases:
        if alias.unit_id is not None:
            unit_aliases.setdefault(alias.unit_id, []).append(alias.text)
        elif alias.group_id is not None:
            group_aliases.setdefault(alias.group_id, []).append(alias.text)
    codes = {u.id: u.code for u in units}
    groups = db.session.execute(sa.select(UnitGroup)).scalars().all()
    members = db.session.execute(
        sa.select(sa.text("group_id, unit_id")).select_from(sa.table("unit_group_members"))
    ).all()
    group_members: dict[int, list[str]] = {}
    for group_id, unit_id in members:
        if unit_id in codes:
            group_members.setdefault(group_id, []).append(codes[unit_id])
    return {
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind.value,
                "parent": codes.get(u.parent_id) if u.parent_id else None,
                "aliases": unit_aliases.get(u.id, []),
                "email": u.email,
            }
            for u in units
        ],
        "groups": [
            {
                "code": g.code,
                "name": g.name,
                "aliases": group_aliases.get(g.id, []),
                "members": group_members.get(g.id, []),
            }
            for g in groups
        ],
    }


# The administration of units and groups lives in workflow.unit_admin (this module was
# near its size limit); its functions are re-exported so callers keep one entry point.
from workflow.unit_admin import (  # noqa: E402
    create_unit,
    remove_alias,
    update_group,
    update_unit,
)

__all__ = [
    "add_alias",
    "create_unit",
    "directory_records",
    "load_directory",
    "remove_alias",
    "update_group",
    "update_unit",
]
