"""SQLAlchemy models: tables and relations only; the rules live in workflow/."""

from models.audit import AuditChainHead, AuditEvent
from models.base import db, utcnow
from models.plans import Plan, PlanBasis, PlanStatus
from models.tasks import (
    Attachment,
    Contribution,
    ExplanationRequest,
    ExtensionRequest,
    Recurrence,
    Report,
    RequestStatus,
    Task,
    TaskState,
    TaskUnit,
    UnitRole,
)
from models.units import Unit, UnitAlias, UnitGroup, UnitKind, unit_group_members
from models.users import Role, Substitution, User

__all__ = [
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "Contribution",
    "ExplanationRequest",
    "ExtensionRequest",
    "Plan",
    "PlanBasis",
    "PlanStatus",
    "Recurrence",
    "Report",
    "RequestStatus",
    "Role",
    "Substitution",
    "Task",
    "TaskState",
    "TaskUnit",
    "Unit",
    "UnitAlias",
    "UnitGroup",
    "UnitKind",
    "UnitRole",
    "User",
    "db",
    "unit_group_members",
    "utcnow",
]
