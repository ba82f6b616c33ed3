"""Who may administer which users: admins everywhere, a district office in its subtree.

Each district office (Phòng GD&ĐT) administers the accounts of its own schools: its
coordinators may create, edit and deactivate users of the units under it, as members or
coordinators — never as admins or inspectors, and never in another district.
"""

from __future__ import annotations

import sqlalchemy as sa

from models import Role, Unit, UnitKind, User, db
from workflow.errors import PermissionDenied

# The roles a district office may give: the ones that work inside a school.
DISTRICT_GRANTABLE = frozenset({Role.MEMBER, Role.COORDINATOR})


def subtree_ids(unit_id: int, *, include_self: bool = True) -> set[int]:
    """The unit and every unit under it (one recursive statement)."""
    tree = sa.select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    ids = set(db.session.execute(sa.select(tree.c.id)).scalars())
    if not include_self:
        ids.discard(unit_id)
    return ids


def is_district_admin(actor: User) -> bool:
    """A coordinator of an active district office: administers its schools' users."""
    unit = actor.unit
    return (
        actor.active
        and actor.role == Role.COORDINATOR
        and unit is not None
        and unit.active
        and unit.kind == UnitKind.DISTRICT_OFFICE
    )


def managed_unit_ids(actor: User) -> set[int] | None:
    """Units whose users `actor` administers: None means all (admins); else a set."""
    if actor.role == Role.ADMIN:
        return None
    if is_district_admin(actor):
        return subtree_ids(actor.unit_id, include_self=False)
    return set()


def check_manage(actor: User | None, unit_ids: set[int], role: Role | None = None) -> None:
    """Raise PermissionDenied unless `actor` may administer users of these units with
    this role. None (the command line, the demo loader) is the operator: allowed."""
    if actor is None or actor.role == Role.ADMIN:
        return
    managed = managed_unit_ids(actor)
    if not managed or not unit_ids <= managed:
        raise PermissionDenied("Bạn chỉ được quản lý tài khoản của các đơn vị trực thuộc mình.")
    if role is not None and Role(role) not in DISTRICT_GRANTABLE:
        raise PermissionDenied(
            "Phòng Giáo dục chỉ được cấp vai trò thành viên hoặc điều phối viên."
        )
