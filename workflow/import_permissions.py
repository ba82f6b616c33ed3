"""Who may import a plan document, and who may update a standing plan from one.

Shared by the import pages, the import CLI, the commit and update of a reviewed draft, and
the hand-made plan (which is allowed to whoever may import).
"""

from __future__ import annotations

from typing import Any

from models import Plan, Role
from workflow.errors import PermissionDenied

IMPORT_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


def can_import(user: Any) -> bool:
    """Coordinators and admins import plans."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in IMPORT_ROLES


def check_can_import(user: Any) -> None:
    """Raise PermissionDenied unless the user may import plans."""
    if not can_import(user):
        raise PermissionDenied("Chỉ điều phối viên hoặc quản trị viên mới được nhập kế hoạch.")


def can_update(plan: Plan, user: Any) -> bool:
    """Admins, and coordinators of the plan's tracking or issuing unit, update a plan."""
    if not can_import(user):
        return False
    return user.role == Role.ADMIN or user.unit_id in (plan.tracking_unit_id, plan.issuer_id)
