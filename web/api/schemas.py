"""The shapes of /api/v1, as marshmallow schemas: APIFlask validates input with them and
writes the OpenAPI document from them, so the document cannot drift from the code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apiflask import Schema, fields
from apiflask.validators import Length, OneOf, Range, Regexp

from models import PlanStatus, RequestStatus, TaskState, UnitKind, UnitRole
from reports.progress import BUCKET_LABELS
from workflow.state_machine import EVENTS

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
ID_CURSOR = r"^[0-9]{1,10}$"
ITEM_CURSOR = r"^[0-9]{1,9}\.[0-9]{1,10}$"
MAX_REASON = 5000
# Text the services take must hold something besides spaces (they strip it), and no NUL
# (PostgreSQL refuses it in text): said in the document, so clients and tests know.
TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


def text_field(max_chars: int, **kwargs: Any) -> fields.String:
    """A required-looking text: not blank, no NUL, at most `max_chars` characters."""
    return fields.String(
        validate=[
            Length(min=1, max=max_chars),
            Regexp(TEXT_PATTERN, error="Nội dung trống hoặc chứa ký tự NUL."),
        ],
        **kwargs,
    )


class UtcDateTime(fields.DateTime):
    """Instants are stored as naive UTC: say so (RFC 3339 with "Z") when writing them."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# --- errors ----------------------------------------------------------------------------


class ErrorOut(Schema):
    code = fields.String(
        required=True, metadata={"description": "Mã lỗi ổn định (stable code), ví dụ not_found."}
    )
    message = fields.String(required=True, metadata={"description": "Thông báo tiếng Việt."})
    detail = fields.Dict(required=True)


# --- paging ----------------------------------------------------------------------------


class PageIn(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(1, MAX_LIMIT))
    cursor = fields.String(
        validate=Regexp(ID_CURSOR),
        metadata={"description": "next_cursor of the previous page (opaque)."},
    )


class PageNumberIn(Schema):
    """A numbered page, for short lists read a page at a time (a plan's items in the
    roll-up, a hook's deliveries); growing lists use the cursor of PageIn."""

    page = fields.Integer(load_default=1, validate=Range(1, 100000))


class PlanFilterIn(PageIn):
    year = fields.Integer(validate=Range(1900, 2200))
    status = fields.String(validate=OneOf([s.value for s in PlanStatus]))
    q = fields.String(validate=Length(max=200))


class ItemPageIn(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=Range(1, MAX_LIMIT))
    cursor = fields.String(validate=Regexp(ITEM_CURSOR))


class TaskFilterIn(PageIn):
    plan = fields.Integer(validate=Range(1, 2**31 - 1))
    unit = fields.Integer(validate=Range(1, 2**31 - 1), metadata={"description": "Lead unit."})
    state = fields.String(validate=OneOf([s.value for s in TaskState]))
    bucket = fields.String(validate=OneOf(list(BUCKET_LABELS)))
    # The years workflow.inputs.parse_quarter accepts (1900–2200), in the pattern itself.
    quarter = fields.String(validate=Regexp(r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-Q[1-4]$"))
    overdue = fields.Boolean()
    due_soon = fields.Boolean()
    leaves = fields.Boolean(metadata={"description": "Only the tasks that carry the work."})
    q = fields.String(validate=Length(max=200))


class UnitFilterIn(PageIn):
    kind = fields.String(validate=OneOf([k.value for k in UnitKind]))
    active = fields.Boolean()
    parent = fields.Integer(
        validate=Range(1, 2**31 - 1), metadata={"description": "Units directly under it."}
    )
    code = fields.String(
        validate=Length(max=40), metadata={"description": "The official code (unique)."}
    )
    name = fields.String(
        validate=Length(max=300),
        metadata={"description": "Exact name; several units may bear it (other districts)."},
    )


class YearIn(Schema):
    year = fields.Integer(required=True, validate=Range(2000, 2100))


class AuditIn(Schema):
    after_seq = fields.Integer(load_default=0, validate=Range(0, 2**62))
    limit = fields.Integer(load_default=500, validate=Range(1, 2000))


# --- resources -------------------------------------------------------------------------


class UnitOut(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    active = fields.Boolean(required=True)


class UnitDetailOut(UnitOut):
    """One unit on its own (a class of its own: APIFlask registers a schema that is both
    nested and returned twice, and apispec warns)."""


class UnitPageOut(Schema):
    items = fields.List(fields.Nested(UnitOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class PlanOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    issued_on = fields.Date(required=True, allow_none=True)
    issuer_id = fields.Integer(required=True, allow_none=True)
    issuer_name = fields.String(required=True)
    tracking_unit_id = fields.Integer(required=True)
    period = fields.String(required=True, allow_none=True)
    year = fields.Integer(required=True, allow_none=True)
    status = fields.String(required=True, validate=OneOf([s.value for s in PlanStatus]))
    created_at = UtcDateTime(required=True)


class PlanDetailOut(PlanOut):
    """One plan on its own (see UnitDetailOut)."""


class PlanPageOut(Schema):
    items = fields.List(fields.Nested(PlanOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class TaskUnitOut(Schema):
    unit_id = fields.Integer(required=True, allow_none=True)
    group_id = fields.Integer(required=True, allow_none=True)
    role = fields.String(required=True, validate=OneOf([r.value for r in UnitRole]))
    name = fields.String(required=True, attribute="display_name")
    needs_review = fields.Boolean(required=True)


class TaskOut(Schema):
    id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    parent_id = fields.Integer(required=True, allow_none=True)
    position = fields.Integer(required=True)
    number = fields.String(required=True)
    section = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    timeframe_text = fields.String(required=True, allow_none=True)
    periods = fields.List(fields.String(), required=True)
    due_on = fields.Date(required=True, allow_none=True)
    state = fields.String(required=True, validate=OneOf([s.value for s in TaskState]))
    lead_unit_id = fields.Integer(required=True, allow_none=True)
    reported_at = UtcDateTime(required=True, allow_none=True)
    reported_late = fields.Boolean(required=True)
    verified_at = UtcDateTime(required=True, allow_none=True)
    version = fields.Integer(
        required=True, metadata={"description": "Send it back with a change (optimistic lock)."}
    )
    units = fields.List(fields.Nested(TaskUnitOut), required=True)


class TaskPageOut(Schema):
    items = fields.List(fields.Nested(TaskOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class ItemPageOut(Schema):
    items = fields.List(fields.Nested(TaskOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class AttachmentOut(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class ReportOut(Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    on_behalf_of_id = fields.Integer(required=True, allow_none=True)
    text = fields.String(required=True)
    submitted_at = UtcDateTime(required=True)
    late = fields.Boolean(required=True)
    attachments = fields.List(fields.Nested(AttachmentOut), required=True)


class ContributionOut(Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    text = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    attachments = fields.List(fields.Nested(AttachmentOut), required=True)


class ExtensionOut(Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    old_due_on = fields.Date(required=True, allow_none=True)
    new_due_on = fields.Date(required=True)
    status = fields.String(required=True, validate=OneOf([s.value for s in RequestStatus]))
    requested_by_id = fields.Integer(required=True)
    decided_by_id = fields.Integer(required=True, allow_none=True)
    decided_at = UtcDateTime(required=True, allow_none=True)
    decision_reason = fields.String(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)


class ExplanationOut(Schema):
    id = fields.Integer(required=True)
    task_id = fields.Integer(required=True)
    question = fields.String(required=True)
    explanation = fields.String(required=True, allow_none=True)
    requested_by_id = fields.Integer(required=True)
    answered_by_id = fields.Integer(required=True, allow_none=True)
    answered_at = UtcDateTime(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)


class TaskDetailOut(TaskOut):
    content = fields.String(required=True, allow_none=True)
    allowed_events = fields.List(
        fields.String(validate=OneOf(EVENTS)),
        required=True,
        metadata={"description": "What this token's user may do to the task now."},
    )
    reports = fields.List(fields.Nested(ReportOut), required=True)
    contributions = fields.List(fields.Nested(ContributionOut), required=True)
    extension_requests = fields.List(fields.Nested(ExtensionOut), required=True)
    explanation_requests = fields.List(fields.Nested(ExplanationOut), required=True)


class MeOut(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    token_scope = fields.String(required=True, validate=OneOf(["read", "write"]))


# --- changes ---------------------------------------------------------------------------


class VersionIn(Schema):
    version = fields.Integer(
        validate=Range(1, 2**31 - 1),
        metadata={"description": "The task's version as read; a newer one refuses (409)."},
    )


class ReasonIn(VersionIn):
    reason = text_field(MAX_REASON, required=True)


class ReportIn(Schema):
    text = text_field(50_000, required=True)
    version = fields.Integer(validate=Range(1, 2**31 - 1))
    files = fields.List(fields.File(), metadata={"description": "Attachments (at most 10)."})


class TransitionOut(Schema):
    task_id = fields.Integer(required=True)
    state = fields.String(required=True, validate=OneOf([s.value for s in TaskState]))
    version = fields.Integer(required=True)


class ExtensionIn(Schema):
    due_on = fields.Date(required=True)
    reason = text_field(MAX_REASON, required=True)


class GrantIn(Schema):
    reason = text_field(MAX_REASON)


class RefusalIn(Schema):
    reason = text_field(MAX_REASON, required=True)


class QuestionIn(Schema):
    question = text_field(MAX_REASON, required=True)


class AnswerIn(Schema):
    explanation = text_field(MAX_REASON, required=True)


class CreatedOut(Schema):
    id = fields.Integer(required=True)


class DoneOut(Schema):
    ok = fields.Boolean(required=True)


# --- audit and year-end ----------------------------------------------------------------


class AuditEventOut(Schema):
    seq = fields.Integer(required=True)
    id = fields.Integer(required=True)
    occurred_at = UtcDateTime(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    actor_name = fields.String(required=True, allow_none=True)
    on_behalf_of_id = fields.Integer(required=True, allow_none=True)
    unit_id = fields.Integer(required=True, allow_none=True)
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.Integer(required=True, allow_none=True)
    plan_id = fields.Integer(required=True, allow_none=True)
    before = fields.Dict(required=True, allow_none=True)
    after = fields.Dict(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    client_addr = fields.String(required=True, allow_none=True)
    prev_hash = fields.String(required=True)
    hash = fields.String(required=True)


class AuditPageOut(Schema):
    items = fields.List(fields.Nested(AuditEventOut), required=True)
    next_after_seq = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Pass as after_seq; null: done."}
    )
    head_seq = fields.Integer(required=True, metadata={"description": "The chain's last seq."})
    complete_chain = fields.Boolean(
        required=True,
        metadata={"description": "True when every event is included (inspectors, admins)."},
    )


class YearEndItemOut(Schema):
    task_id = fields.Integer(required=True)
    plan_id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)
    lead_unit_id = fields.Integer(required=True, allow_none=True)
    lead_unit_name = fields.String(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    state = fields.String(required=True)
    bucket = fields.String(required=True)
    reports = fields.Integer(required=True)


class YearEndOut(Schema):
    year = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    title = fields.String(required=True)
    total = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(YearEndItemOut), required=True)
