"""Administration of the directory: add and edit units, edit groups, remove aliases.

Every change is audited in its own transaction; a rename also closes the unit's current
name in the name history (workflow.unit_history) so past reports keep the old name.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import Unit, UnitAlias, UnitGroup, UnitKind, User, db
from workflow import audit, unit_history
from workflow.errors import InvalidInput, NotFound
from workflow.snapshots import unit_snapshot
from workflow.transaction import unit_of_work


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


def _unit_name_taken(name: str, code: str, unit_id: int | None, parent_id: int | None) -> None:
    """The code identifies a unit; a name may repeat across districts ("Trường Tiểu học
    Kim Đồng"), only not among the active units of one parent, which no one could tell apart."""
    same_code = db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalars()
    if any(other != unit_id for other in same_code):
        raise InvalidInput("Đã có đơn vị khác mang mã này.")
    if sibling_named(name, parent_id, unit_id):
        raise InvalidInput("Đã có đơn vị khác mang tên này trong cùng đơn vị cấp trên.")


def sibling_named(name: str, parent_id: int | None, unit_id: int | None) -> bool:
    """Whether another active unit under `parent_id` bears `name`."""
    parent = Unit.parent_id.is_(None) if parent_id is None else Unit.parent_id == parent_id
    query = sa.select(Unit.id).where(Unit.name == name, parent, Unit.active.is_(True))
    if unit_id is not None:
        query = query.where(Unit.id != unit_id)
    return db.session.execute(query.limit(1)).first() is not None


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
        _unit_name_taken(name, code, None, parent_id)
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
        _unit_name_taken(name, unit.code, unit.id, parent_id)
        _check_parent(unit, parent_id)
        before = unit_snapshot(unit)
        if unit.name != name[:300]:
            unit_history.rename(unit, name[:300])
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
