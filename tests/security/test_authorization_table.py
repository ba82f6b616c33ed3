"""Every route, every role: the answer each one gets, checked against a table.

The table is the specification. A route missing from it fails the test, so whoever adds
a route decides here who may use it. POSTs carry a valid CSRF token and a harmless form
(empty or naming a refused event), so what is tested is authorization, not validation:
a user who may see the object gets past the check (200/302), one who may not gets
403 or 404, and anonymous visitors are sent to the login page (302).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from models import (
    AuditEvent,
    ExplanationRequest,
    Indicator,
    Plan,
    Task,
    Unit,
    UnitAlias,
    UnitGroup,
    User,
    db,
)
from tests.foundation.web import csrf_token, login
from workflow import calendar_links, comments, requests, task_reports
from workflow import tasks as task_service
from workflow.attachments import UploadedFile

# The task under test is 4403/KH-SGDĐT item 2: TCCB leads, Công đoàn ngành coordinates,
# GDTX tracks the plan. PGD quận 3 and a quận 8 school have nothing to do with item 2.
PLAN_NUMBER, ITEM = "4403/KH-SGDĐT", "2"
ROLES = {
    "admin": "sgddt.admin",
    "tracking": "gdtx.coordinator",  # coordinator of the plan's tracking unit
    "other_coord": "pgd-q3.coordinator",  # coordinator of an unrelated unit
    "lead": "tccb.member",  # member of the lead unit
    "coordinating": "cdn.member",  # member of a coordinating unit
    "unrelated": "thcs-lqd8.member",  # member of a school with no part in the plan
    "inspector": "sgddt.inspector",
    "anon": None,
}
ORDER = tuple(ROLES)

# (method, endpoint): expected status for
#     admin, tracking, other_coord, lead, coordinating, unrelated, inspector, anon
T = tuple[int, int, int, int, int, int, int, int]
TABLE: dict[tuple[str, str], T] = {
    ("GET", "static"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.login"): (302, 302, 302, 302, 302, 302, 302, 200),
    ("POST", "auth.login"): (302, 302, 302, 302, 302, 302, 302, 200),
    ("POST", "auth.logout"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "preferences.language"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "units.index"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "units.mine"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("GET", "dashboard.index"): (200, 200, 200, 200, 200, 200, 200, 302),  # filtered to own
    ("GET", "calendar.feed"): (200, 200, 200, 200, 200, 200, 200, 200),  # the token is the key
    ("GET", "calendar.personal_feed"): (200, 200, 200, 200, 200, 200, 200, 200),  # likewise
    # The month calendar: everyone's own unit; another unit is refused in tests/calendar.
    ("GET", "calendar.month"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "calendar.renew_link"): (302, 302, 302, 302, 302, 302, 302, 302),
    # Tasks: seen by admins, inspectors, the tracking unit, the lead and coordinating units.
    ("GET", "tasks.index"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("GET", "tasks.show"): (200, 200, 403, 200, 200, 403, 200, 302),
    ("GET", "tasks.attachment"): (200, 200, 403, 200, 200, 403, 200, 302),
    ("POST", "tasks.transition"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.report"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.contribute"): (302, 302, 403, 302, 302, 403, 403, 302),
    # Deadline and lead changes, extensions, explanations: the task check comes first; the
    # services then refuse whoever may see but not act (a flash and a redirect, 302).
    ("POST", "tasks.reassign"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.change_due"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.request_extension"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.decide_extension"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.ask_explanation"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.answer_explanation"): (302, 302, 403, 302, 302, 403, 403, 302),
    # Comments: whoever sees the task (the inspector reads only); editing is then refused
    # by the service to anyone but the author, with a message (302).
    ("POST", "tasks.comment"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "tasks.edit_comment"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "people.assign"): (302, 302, 403, 302, 302, 403, 403, 302),  # seen, then refused
    ("POST", "people.unassign"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "people.follow"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("POST", "people.unfollow"): (302, 302, 403, 302, 302, 403, 403, 302),
    ("GET", "inbox.index"): (200, 200, 200, 200, 200, 200, 200, 302),
    # Bulk actions on lists and saved filters (issue 14): the empty form sent here is an
    # empty selection, refused by workflow (a flash and a redirect); inspectors may keep
    # their own saved filters (filter 1 is nobody's here: a flash and a redirect too).
    ("POST", "bulk.apply"): (302, 302, 302, 302, 302, 302, 403, 302),
    ("POST", "bulk.save_filter"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "bulk.rename_filter"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "bulk.delete_filter"): (302, 302, 302, 302, 302, 302, 302, 302),
    # Plans: every coordinator may read plans (to reuse them); members only their own.
    ("GET", "plans.show"): (200, 200, 200, 200, 200, 403, 200, 302),
    # Imports: coordinators and admins; a missing draft is 404 for them.
    ("GET", "imports.new"): (200, 200, 200, 403, 403, 403, 403, 302),
    ("POST", "imports.upload"): (400, 400, 400, 403, 403, 403, 403, 302),
    ("GET", "imports.review"): (404, 404, 404, 403, 403, 403, 403, 302),
    ("POST", "imports.confirm"): (404, 404, 404, 403, 403, 403, 403, 302),
    ("POST", "imports.discard"): (404, 404, 404, 403, 403, 403, 403, 302),
    # Administration: admins only.
    ("GET", "admin.index"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.units"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.unit_new"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.unit_new"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.unit_edit"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.unit_edit"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.unit_alias_add"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.group_alias_add"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.alias_remove"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.groups"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.group_edit"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.group_edit"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.users"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.user_new"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.user_new"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "admin.user_edit"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.user_edit"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "admin.user_password"): (302, 403, 403, 403, 403, 403, 403, 302),
    # The directory (tree, import, merge, retire) is the admins'; a district office's
    # coordinator (other_coord, PGD quận 3) manages its schools' accounts, not TCCB's.
    ("GET", "directory.index"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "directory.import_preview"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "directory.import_confirm"): (302, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "directory.merge"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "directory.merge"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "directory.retire"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "directory.retire"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("GET", "directory.school_users"): (403, 403, 200, 403, 403, 403, 403, 302),
    ("POST", "directory.school_users"): (403, 403, 200, 403, 403, 403, 403, 302),
    ("POST", "directory.school_user_toggle"): (403, 403, 403, 403, 403, 403, 403, 302),
    # A district office resets its own schools' passwords only (the user under test is
    # the lead unit's member, in nobody's district).
    ("POST", "directory.school_user_password"): (403, 403, 403, 403, 403, 403, 403, 302),
    # Plan list (filtered to what the user may see) and the responsibility matrix.
    ("GET", "plans.index"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("GET", "plans.matrix"): (200, 200, 200, 200, 200, 403, 200, 302),
    # The cascade (issue 15): the roll-up page is read by whoever reads the plan; linking,
    # deciding a proposal and "Lập kế hoạch thực hiện" are then refused or done by the
    # services (a flash and a redirect either way; link 1 does not exist in the demo);
    # inspectors never post.
    ("GET", "cascade.show"): (200, 200, 200, 200, 200, 403, 200, 302),
    ("POST", "cascade.link"): (302, 302, 302, 302, 302, 403, 403, 302),
    ("POST", "cascade.decide"): (302, 302, 302, 302, 302, 403, 403, 302),
    ("POST", "cascade.implement"): (302, 302, 302, 302, 302, 403, 403, 302),
    ("GET", "api.plan_rollup"): (401, 401, 401, 401, 401, 401, 401, 401),
    # Plans by hand (issue 10): creating is for who may import; editing a plan for admins
    # and its tracking (or issuing) unit's coordinators. The empty forms sent here fail
    # validation: 400 on the form pages, a flash and a redirect for move and remove.
    ("GET", "plan_editing.new"): (200, 200, 200, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.new"): (400, 400, 400, 403, 403, 403, 403, 302),
    ("GET", "plan_editing.edit"): (200, 200, 403, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.edit"): (400, 400, 403, 403, 403, 403, 403, 302),
    ("GET", "plan_editing.add_item"): (200, 200, 403, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.add_item"): (400, 400, 403, 403, 403, 403, 403, 302),
    ("GET", "plan_editing.edit_item"): (200, 200, 403, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.edit_item"): (400, 400, 403, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.move_item"): (302, 302, 403, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.remove_item"): (302, 302, 403, 403, 403, 403, 403, 302),
    ("GET", "plan_editing.withdraw"): (200, 200, 403, 403, 403, 403, 403, 302),
    ("POST", "plan_editing.withdraw"): (400, 400, 403, 403, 403, 403, 403, 302),
    # Audit trail and inspection (issue 6): inspectors and admins everything, the tracking
    # unit's coordinators their plans, a unit's coordinators their unit; indicators are
    # entered by units (the service refuses what a unit may not do: 302 with a message).
    ("GET", "audit.index"): (200, 200, 403, 403, 403, 403, 200, 302),
    ("GET", "audit.export"): (200, 200, 403, 403, 403, 403, 200, 302),
    ("POST", "audit.verify"): (302, 403, 403, 403, 403, 403, 302, 302),
    ("GET", "inspection.home"): (200, 200, 200, 403, 403, 403, 200, 302),
    ("GET", "inspection.indicators"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "inspection.assign_indicator"): (302, 302, 302, 302, 302, 302, 403, 302),
    ("POST", "inspection.enter_value"): (302, 302, 302, 302, 302, 302, 403, 302),
    ("GET", "inspection.plan_asof"): (200, 200, 403, 403, 403, 403, 200, 302),
    # Packs and year-end documents are built by the worker: 302 to the job's page.
    ("GET", "inspection.plan_pack"): (302, 302, 403, 403, 403, 403, 302, 302),
    ("GET", "inspection.plan_yearend"): (302, 302, 403, 403, 403, 403, 302, 302),
    ("GET", "inspection.timeline"): (200, 200, 403, 200, 200, 403, 200, 302),
    ("GET", "inspection.unit_asof"): (200, 403, 403, 403, 403, 403, 200, 302),
    ("GET", "inspection.unit_pack"): (302, 403, 403, 403, 403, 403, 302, 302),
    ("GET", "inspection.unit_yearend"): (302, 403, 403, 403, 403, 403, 302, 302),
    # A unit's report settings (number, recipients, signature): its coordinators and admins.
    ("GET", "inspection.report_settings"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "inspection.report_settings"): (302, 403, 403, 403, 403, 403, 403, 302),
    # A background job (the world's: a pack the tracking coordinator asked for) is seen
    # by who asked and by admins; to anyone else it does not exist.
    ("GET", "jobs.show"): (200, 200, 404, 404, 404, 404, 404, 302),
    ("GET", "jobs.status"): (200, 200, 404, 404, 404, 404, 404, 302),
    ("GET", "jobs.download"): (200, 200, 404, 404, 404, 404, 404, 302),
    ("GET", "outbox.index"): (200, 403, 403, 403, 403, 403, 403, 302),
    ("POST", "outbox.resend"): (302, 403, 403, 403, 403, 403, 403, 302),
    # API tokens (issue 15): every signed-in user manages their own; an empty form is shown
    # again (200), revoking a token that is not theirs is a flash and a redirect.
    ("GET", "account.tokens"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "account.create_token"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "account.revoke_token"): (302, 302, 302, 302, 302, 302, 302, 302),
    # One's own profile and password (an empty form is shown again with its errors); the
    # reset pages are open to all, and a link that is no reset token is gone (410).
    ("GET", "profile.edit"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "profile.edit"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("GET", "profile.password"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "profile.password"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("GET", "profile.reset_request"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "profile.reset_request"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "profile.reset"): (410, 410, 410, 410, 410, 410, 410, 410),
    ("POST", "profile.reset"): (410, 410, 410, 410, 410, 410, 410, 410),
    # One's own notices and choices; the unsubscribe link's token is its own credential
    # (the feed's token here is no unsubscribe token: refused with a message, for anyone).
    ("GET", "notifications.index"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "notifications.mark_read"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "notifications.preferences"): (200, 200, 200, 200, 200, 200, 200, 302),
    ("POST", "notifications.preferences"): (302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "notifications.unsubscribe_confirm"): (400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "notifications.unsubscribe"): (400, 400, 400, 400, 400, 400, 400, 400),
    # The API's document and its page are public; the API itself takes Bearer tokens only:
    # a session cookie is no credential there (401), and an inspector's session is refused
    # every POST before anything else looks at it (403).
    ("GET", "openapi.spec"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "api.docs"): (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "api.me"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.units"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.unit"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.plans"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.plan"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.plan_items"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.tasks"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.task"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.attachment"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.audit_events"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.plan_year_end"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.unit_year_end"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("POST", "api.task_start"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.task_report"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.task_verify"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.task_return"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.task_reopen"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.task_cancel"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.request_extension"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.grant_extension"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.refuse_extension"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.ask_explanation"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.answer_explanation"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("GET", "api.task_contributions"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.task_extensions"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET", "api.task_explanations"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("POST", "api.add_contribution"): (401, 401, 401, 401, 401, 401, 403, 401),
    # Webhooks (issue 15): a unit's coordinators their unit's hooks, admins all; members and
    # inspectors have no webhooks page. The hook under test is GDTX's (the tracking unit):
    # another unit's coordinator does not find it (404). Empty forms change nothing: a
    # flash and a redirect (deleting needs its confirmation box), the create form again.
    ("GET", "webhooks.index"): (200, 200, 200, 403, 403, 403, 403, 302),
    ("POST", "webhooks.create"): (200, 200, 200, 403, 403, 403, 403, 302),
    ("GET", "webhooks.show"): (200, 200, 404, 403, 403, 403, 403, 302),
    ("POST", "webhooks.update"): (302, 302, 404, 403, 403, 403, 403, 302),
    ("POST", "webhooks.toggle"): (302, 302, 404, 403, 403, 403, 403, 302),
    ("POST", "webhooks.rotate"): (200, 200, 404, 403, 403, 403, 403, 302),
    ("POST", "webhooks.delete"): (302, 302, 404, 403, 403, 403, 403, 302),
    ("POST", "webhooks.ping"): (302, 302, 404, 403, 403, 403, 403, 302),
    ("POST", "webhooks.redeliver"): (302, 302, 404, 403, 403, 403, 403, 302),
    ("GET", "api.webhooks"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("POST", "api.create_webhook"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("GET", "api.webhook"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("PATCH", "api.update_webhook"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("DELETE", "api.delete_webhook"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.rotate_webhook_secret"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("POST", "api.ping_webhook"): (401, 401, 401, 401, 401, 401, 403, 401),
    ("GET", "api.webhook_deliveries"): (401, 401, 401, 401, 401, 401, 401, 401),
    ("POST", "api.redeliver_webhook"): (401, 401, 401, 401, 401, 401, 403, 401),
}

# Session-level POSTs an inspector may make (and re-checking the audit chain, which
# records its verdict but changes no data); every other POST must be refused.
INSPECTOR_MAY_POST = {
    "auth.login",
    "auth.logout",
    "preferences.language",
    "audit.verify",
    "account.create_token",  # their own read tokens, like their own session
    "account.revoke_token",
    "calendar.renew_link",  # their own calendar link, like their own API tokens
    "profile.edit",  # their own contact details and password
    "profile.password",
    "profile.reset_request",
    "profile.reset",
    "notifications.mark_read",  # their own notices and mail choices
    "notifications.preferences",
    "notifications.unsubscribe",
    "bulk.save_filter",  # their own saved filters
    "bulk.rename_filter",
    "bulk.delete_filter",
}


@dataclass
class World:
    """Ids for the URL parameters, and the harmless form each POST sends."""

    values: dict[str, object]
    forms: dict[str, dict[str, str]]


def _one(model, **where):  # type: ignore[no-untyped-def]  # noqa: ANN001
    query = sa.select(model).filter_by(**where)
    return db.session.execute(query).scalars().first()


def _world() -> World:
    plan = _one(Plan, number=PLAN_NUMBER)
    task = _one(Task, plan_id=plan.id, number=ITEM, parent_id=None)
    lead = _one(User, username=ROLES["lead"])
    start = task_service.start_task(task.id, lead, expected_version=task.version)
    extension_id = requests.request_extension(
        task.id, lead, new_due_on=date(2030, 1, 31), reason="Chờ quyết định của UBND."
    )
    tracker = _one(User, username=ROLES["tracking"])
    explanation = ExplanationRequest(task_id=task.id, requested_by_id=tracker.id, question="?")
    db.session.add(explanation)
    db.session.commit()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    task_reports.submit_report(
        task.id,
        lead,
        expected_version=start.version,
        text="Đã thành lập Ban chỉ đạo.",
        files=[UploadedFile("quyet-dinh.pdf", pdf)],
    )
    from models import Attachment, OutboxMessage
    from notifications.ical import ensure_calendar_token

    unit = _one(Unit, code="TCCB")
    token = ensure_calendar_token(unit)
    db.session.commit()
    group = _one(UnitGroup, code="G-PHONG-SO")
    alias = _one(UnitAlias, unit_id=unit.id) or _one(UnitAlias)
    outbox = _one(OutboxMessage)
    assert outbox is not None, "the report should have queued a mail"
    job = _finished_job(tracker)
    from models.webhooks import WebhookDelivery
    from workflow import webhooks

    hook = webhooks.create_webhook(tracker, url="https://example.org/planwork-hook")
    webhooks.ping(hook.webhook_id, tracker)
    return World(
        values={
            "task_id": task.id,
            "plan_id": plan.id,
            "attachment_id": _one(Attachment, task_id=task.id).id,
            "token": token,
            "personal_token": calendar_links.renew_link(lead.id, lead),
            "unit_id": unit.id,
            "group_id": group.id,
            "alias_id": alias.id,
            "user_id": lead.id,
            "outbox_id": outbox.id,
            "job_id": job.id,
            "filename": "style.css",
            "fmt": "csv",
            "inspection.plan_yearend": "docx",
            "inspection.unit_yearend": "docx",
            "indicator_id": getattr(_one(Indicator), "id", 1),
            "tasks.decide_extension": extension_id,
            "tasks.answer_explanation": explanation.id,
            "comment_id": comments.add_comment(task.id, lead, text="Đã gửi dự thảo."),
            "api.grant_extension": extension_id,
            "api.refuse_extension": extension_id,
            "api.answer_explanation": explanation.id,
            "token_id": 1,
            "link_id": 1,
            "filter_id": 1,
            "hook_id": hook.webhook_id,
            "delivery_id": _one(WebhookDelivery, webhook_id=hook.webhook_id).id,
        },
        forms={
            "tasks.transition": {"event": "cancel", "version": "1"},
            "preferences.language": {"lang": "vi"},
        },
    )


def _finished_job(owner: User):  # type: ignore[no-untyped-def]
    """A finished job with a file to download, as the worker leaves it."""
    from models import BackgroundJob, JobState
    from workflow.jobs import job_folder

    result = {"file": "result", "download_name": "ho-so.zip", "mimetype": "application/zip"}
    job = BackgroundJob(
        kind="inspection_pack",
        requested_by_id=owner.id,
        params={},
        state=JobState.DONE,
        result=result,
    )
    db.session.add(job)
    db.session.commit()
    folder = job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return job


def _url(app: Flask, rule, values: dict[str, object]) -> str:  # noqa: ANN001
    args = {
        name: values.get(rule.endpoint, values.get(name))
        if name in ("request_id", "fmt")
        else values[name]
        for name in rule.arguments
    }
    if rule.endpoint.startswith("imports.") and "token" in args:
        args["token"] = "0" * 32  # no such draft
    if rule.endpoint == "calendar.feed":
        return f"/calendar/{values['token']}.ics"
    if rule.endpoint == "calendar.personal_feed":
        return f"/calendar/personal/{values['personal_token']}.ics"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args, _external=False)


def _routes(app: Flask) -> list[tuple[str, object]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule))
    return out


def test_every_route_is_in_the_table(demo_app: Flask) -> None:
    routes = {(method, rule.endpoint) for method, rule in _routes(demo_app)}
    missing = sorted(routes - set(TABLE))
    assert not missing, f"routes without an authorization row: {missing}"
    stale = sorted(set(TABLE) - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ORDER)
def test_route_answers_for_role(demo_app: Flask, role: str) -> None:
    world = _world()
    client = demo_app.test_client()
    if ROLES[role]:
        login(client, ROLES[role])
    token = csrf_token(client.get("/my-tasks" if ROLES[role] else "/login").get_data(as_text=True))
    wrong = []
    # Log out last: it ends the session the other rows need.
    routes = sorted(
        _routes(demo_app), key=lambda r: (r[1].endpoint == "auth.logout", r[1].endpoint, r[0])
    )
    for method, rule in routes:
        key = (method, rule.endpoint)
        if key not in TABLE:
            continue  # reported by test_every_route_is_in_the_table
        expected = TABLE[key][ORDER.index(role)]
        url = _url(demo_app, rule, world.values)
        events_before = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": token, **world.forms.get(rule.endpoint, {})}
            if rule.endpoint == "imports.upload":
                data["file"] = (io.BytesIO(b""), "")
            response = client.open(
                url, method=method, data=data, content_type="multipart/form-data"
            )
        response.close()  # send_file keeps the file open until the response is closed
        if response.status_code != expected:
            wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code} != {expected}")
        if role == "inspector" and method == "POST" and rule.endpoint not in INSPECTOR_MAY_POST:
            assert response.status_code == 403, f"inspector POST {url} not refused"
            db.session.expire_all()
            events_after = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
            assert events_after == events_before, f"inspector POST {url} changed something"
        public = (
            "static",
            "calendar.feed",
            "calendar.personal_feed",
            "auth.login",
            "units.index",
            "preferences.language",
        )
        if role == "anon" and rule.endpoint not in public:
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], url
    assert not wrong, f"{role} ({ROLES[role]}):\n" + "\n".join(wrong)
