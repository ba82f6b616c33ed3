"""SQLAlchemy models: tables and relations only; the rules live in workflow/."""

from models.account import PasswordReset
from models.audit import AuditChainHead, AuditCheckpoint, AuditEvent, ShownDataVersion
from models.base import db, utcnow
from models.calendar_links import CalendarLink
from models.cascade import (
    CascadeLevelPlans,
    CascadeLinkedPlans,
    CascadePlanTally,
    CascadeTally,
    ItemLink,
    ItemLinkStatus,
    LinkMethod,
    PlanLink,
)
from models.comments import Comment, comment_attachments
from models.counters import TaskTally, TaskViewTally
from models.indicators import (
    AuditVerification,
    ChangeDirection,
    Criterion,
    Indicator,
    IndicatorAssignment,
    IndicatorKind,
    IndicatorValue,
    Standard,
)
from models.jobs import BackgroundJob, JobState
from models.notification_prefs import Notification, NotificationPref
from models.notifications import MailKind, OutboxMessage, OutboxState, SchedulerLock
from models.people import TaskAssignee, TaskFollower
from models.plans import Plan, PlanBasis, PlanStatus
from models.report_settings import UnitReportSettings
from models.saved_filters import SavedFilter
from models.security import SecurityEventKind, SecurityLogEntry
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
from models.tokens import ApiToken, TokenScope
from models.units import Unit, UnitAlias, UnitGroup, UnitKind, UnitName, unit_group_members
from models.users import Role, Substitution, User

__all__ = [
    "PasswordReset",
    "ApiToken",
    "Attachment",
    "AuditChainHead",
    "ShownDataVersion",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditVerification",
    "CalendarLink",
    "ChangeDirection",
    "Comment",
    "Criterion",
    "Indicator",
    "IndicatorAssignment",
    "IndicatorKind",
    "IndicatorValue",
    "CascadeLevelPlans",
    "CascadeLinkedPlans",
    "CascadePlanTally",
    "CascadeTally",
    "ItemLink",
    "ItemLinkStatus",
    "LinkMethod",
    "PlanLink",
    "BackgroundJob",
    "JobState",
    "Standard",
    "Contribution",
    "ExplanationRequest",
    "ExtensionRequest",
    "MailKind",
    "Notification",
    "NotificationPref",
    "OutboxMessage",
    "OutboxState",
    "Plan",
    "PlanBasis",
    "PlanStatus",
    "Recurrence",
    "Report",
    "RequestStatus",
    "Role",
    "SavedFilter",
    "SchedulerLock",
    "SecurityEventKind",
    "SecurityLogEntry",
    "Substitution",
    "Task",
    "TaskAssignee",
    "TaskFollower",
    "TaskTally",
    "TaskViewTally",
    "TaskState",
    "TokenScope",
    "TaskUnit",
    "Unit",
    "UnitAlias",
    "UnitGroup",
    "UnitKind",
    "UnitName",
    "UnitReportSettings",
    "UnitRole",
    "User",
    "db",
    "comment_attachments",
    "unit_group_members",
    "utcnow",
]
