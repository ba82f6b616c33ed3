"""The unit directory: load it, add units and aliases — audited like every change."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models import Unit, UnitAlias, UnitGroup, UnitKind, User, db
from models.units import ALIAS_GLOBAL, ALIAS_SCOPES
from workflow import audit
from workflow.errors import InvalidInput, NotFound
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
        raise InvalidInput(f"Tên gọi «{text}» đã được gán cho một đơn vị khác.")
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
            raise InvalidInput(f"Tên gọi «{(text or '').strip()}» đã được gán cho một đơn vị khác.")
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


# --- Administration: edit units and groups, remove aliases (all audited) ---------------


def _unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def _check_parent(unit: Unit | None, parent_id: int | None) -> None:
    """Refuse a parent that does not exist or that would put the unit inside itself."""
    if parent_id is None:
        return
    parent = db.session.get(Unit, parent_id)
    if parent is None:
        raise InvalidInput("Đơn vị cấp trên không tồn tại.")
    seen: set[int] = set()
    while parent is not None and parent.id not in seen:
        if unit is not None and parent.id == unit.id:
            raise InvalidInput("Đơn vị cấp trên không thể là chính nó hoặc đơn vị cấp dưới của nó.")
        seen.add(parent.id)
        parent = parent.parent


def _unit_name_taken(name: str, code: str, unit_id: int | None) -> None:
    clash = db.session.execute(
        sa.select(Unit.id).where(sa.or_(Unit.name == name, Unit.code == code))
    ).scalars()
    if any(other != unit_id for other in clash):
        raise InvalidInput("Đã có đơn vị khác mang tên hoặc mã này.")


def create_unit(
    actor: User,
    *,
    code: str,
    name: str,
    kind: UnitKind,
    parent_id: int | None = None,
    email: str | None = None,
) -> int:
    """Add a unit to the directory; returns its id."""
    code = (code or "").strip().upper()
    name = (name or "").strip()
    if not code or not name:
        raise InvalidInput("Cần mã và tên đơn vị.")
    with unit_of_work():
        _unit_name_taken(name, code, None)
        _check_parent(None, parent_id)
        unit = Unit(
            code=code[:40],
            name=name[:300],
            kind=UnitKind(kind),
            parent_id=parent_id,
            email=(email or "").strip() or None,
        )
        db.session.add(unit)
        db.session.flush()
        audit.record(
            "unit.create",
            actor=actor,
            object_type="unit",
            object_id=unit.id,
            unit_id=unit.id,
            after=unit_snapshot(unit),
        )
        unit_id = unit.id
    return unit_id


def update_unit(
    unit_id: int,
    actor: User,
    *,
    name: str,
    kind: UnitKind,
    parent_id: int | None,
    email: str | None,
    active: bool,
    reason: str | None = None,
) -> None:
    """Rename, move in the tree, change kind, contact e-mail or active flag of a unit.

    Units are deactivated, never deleted: plans and the audit trail keep naming them.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Cần tên đơn vị.")
    with unit_of_work():
        unit = _unit_or_404(unit_id)
        _unit_name_taken(name, unit.code, unit.id)
        _check_parent(unit, parent_id)
        before = unit_snapshot(unit)
        unit.name = name[:300]
        unit.kind = UnitKind(kind)
        unit.parent_id = parent_id
        unit.email = (email or "").strip() or None
        unit.active = bool(active)
        after = unit_snapshot(unit)
        if after == before:
            raise InvalidInput("Không có gì thay đổi.")
        audit.record(
            "unit.update",
            actor=actor,
            object_type="unit",
            object_id=unit.id,
            unit_id=unit.id,
            before=before,
            after=after,
            reason=reason,
        )


def remove_alias(alias_id: int, actor: User, reason: str | None = None) -> None:
    """Forget a spelling of a unit or group (e.g. one an import mapped wrongly)."""
    with unit_of_work():
        alias = db.session.get(UnitAlias, alias_id)
        if alias is None:
            raise NotFound("Không tìm thấy tên gọi khác này.")
        unit_id, group_id = alias.unit_id, alias.group_id
        before = {"alias": alias.text, "alias_id": alias.id}
        db.session.delete(alias)
        audit.record(
            "unit.alias_remove",
            actor=actor,
            object_type="unit" if unit_id else "unit_group",
            object_id=unit_id or group_id,
            unit_id=unit_id,
            before=before,
            reason=reason,
        )


def update_group(
    group_id: int,
    actor: User,
    *,
    name: str,
    member_ids: list[int],
    reason: str | None = None,
) -> None:
    """Rename a unit group or change its members (tasks already fanned out keep theirs)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Cần tên nhóm.")
    with unit_of_work():
        group = db.session.get(UnitGroup, group_id)
        if group is None:
            raise NotFound("Không tìm thấy nhóm đơn vị.")
        clash = db.session.execute(
            sa.select(UnitGroup.id).where(UnitGroup.name == name, UnitGroup.id != group.id)
        ).first()
        if clash:
            raise InvalidInput("Đã có nhóm khác mang tên này.")
        members = (
            list(db.session.execute(sa.select(Unit).where(Unit.id.in_(member_ids))).scalars())
            if member_ids
            else []
        )
        if len(members) != len(set(member_ids)):
            raise InvalidInput("Có đơn vị thành viên không tồn tại.")
        before = {"name": group.name, "members": sorted(u.code for u in group.members)}
        group.name = name[:300]
        group.members = members
        after = {"name": group.name, "members": sorted(u.code for u in members)}
        if after == before:
            raise InvalidInput("Không có gì thay đổi.")
        audit.record(
            "group.update",
            actor=actor,
            object_type="unit_group",
            object_id=group.id,
            before=before,
            after=after,
            reason=reason,
        )
