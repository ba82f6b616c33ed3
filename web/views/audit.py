"""The audit trail page (/audit): filters, keyset pages, chain status, CSV/XLSX/PDF exports.

Inspectors and admins read everything; coordinators of a unit that tracks plans read the
events of those plans; everyone else gets 403.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from models import AuditEvent, Plan, Role, User, db
from reports.action_labels import ACTION_LABELS
from reports.audit_exports import audit_csv, audit_pdf, audit_xlsx
from reports.audit_trail import AuditFilter, audit_page
from reports.pack_chain import publication
from reports.queries import task_labels
from reports.unit_names import unit_choices
from web import params
from web.views.jobs import defer_download, in_job, submit
from workflow.audit_verification import chain_status
from workflow.inputs import MAX_BIGINT

bp = Blueprint("audit", __name__, url_prefix="/audit")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def tracked_plan_ids(user: User) -> list[int]:
    """Plans whose tracking unit is the user's unit (what a coordinator may inspect)."""
    return list(
        db.session.execute(sa.select(Plan.id).where(Plan.tracking_unit_id == user.unit_id))
        .scalars()
        .all()
    )


def scope_for(user: User) -> list[int] | None:
    """None: the whole trail; a list: only these plans' events. 403 for everyone else."""
    if user.role in (Role.INSPECTOR, Role.ADMIN):
        return None
    if user.role == Role.COORDINATOR:
        plans = tracked_plan_ids(user)
        if plans:
            return plans
    abort(403)


def _int(name: str) -> int | None:
    return params.int_arg(name)


def filter_from_request(plan_ids: list[int] | None) -> AuditFilter:
    """Read the filter form; a username is looked up, unknown ones match nobody."""
    actor_id = _int("user")
    username = request.args.get("username", "").strip()
    if username and actor_id is None:
        actor_id = (
            db.session.execute(
                sa.select(User.id).where(User.username == username)
            ).scalar_one_or_none()
            or -1
        )
    action = request.args.get("action", "").strip() or None
    return AuditFilter(
        plan_id=_int("plan"),
        unit_id=_int("unit"),
        actor_id=actor_id,
        action=action,
        date_from=params.date_arg("from"),
        date_to=params.date_arg("to"),
        object_type="task" if _int("task") is not None else None,
        object_id=_int("task"),
        plan_ids=plan_ids,
    )


@bp.route("")
@login_required
def index() -> str:
    """The trail, newest first, 50 a page; ?before=<seq> for older pages."""
    plan_ids = scope_for(current_user)
    flt = filter_from_request(plan_ids)
    # First: extending the verdict over new events commits, which expires every object
    # loaded before it (a hundred plans reloaded one by one for the filter's list).
    status = chain_status()
    # ?before= is a position in the chain, a BIGINT.
    page = audit_page(flt, before=params.int_arg("before", maximum=MAX_BIGINT))
    plans_query = sa.select(Plan).order_by(Plan.number)
    if plan_ids is not None:
        plans_query = plans_query.where(Plan.id.in_(plan_ids))
    plans = list(db.session.execute(plans_query).scalars())
    # The template reads .id and .name; a shared name carries its parent.
    units = [SimpleNamespace(id=i, name=label) for i, label in unit_choices(active_only=False)]
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    task_ids = {r.event.object_id for r in page.rows if r.event.object_type == "task"}
    return render_template(
        "audit/index.html",
        page=page,
        task_labels=task_labels({i for i in task_ids if i}),
        flt=flt,
        status=status,
        plans=plans,
        units=units,
        actions=ACTION_LABELS,
        args=args,
        can_verify=current_user.role in (Role.INSPECTOR, Role.ADMIN),
        published=publication(),
    )


@bp.route("/export.<fmt>")
@login_required
def export(fmt: str) -> Response:
    """The filtered trail as CSV, XLSX or PDF (every row, each hash-checked); above
    EXPORT_INLINE_MAX_ROWS events the worker writes it (the whole trail: a million)."""
    flt = filter_from_request(scope_for(current_user))
    if fmt not in ("csv", "xlsx", "pdf"):
        abort(404)
    limit = int(current_app.config.get("EXPORT_INLINE_MAX_ROWS", 5000))
    more = sa.select(AuditEvent.seq).where(*flt.conditions()).offset(limit).limit(1)
    if not in_job() and db.session.execute(more).first() is not None:
        return defer_download(fmt)
    if fmt == "csv":
        body, mimetype = audit_csv(flt), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = audit_xlsx(flt, chain_status()), XLSX_MIME
    elif fmt == "pdf":
        body, mimetype = audit_pdf(flt, chain_status()), "application/pdf"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="nhat-ky.{fmt}"'
    return response


@bp.route("/verify", methods=["POST"])
@login_required
def verify() -> Response:
    """Queue a walk of the whole chain (inspectors and admins); its page shows the verdict."""
    if current_user.role not in (Role.INSPECTOR, Role.ADMIN):
        abort(403)
    # CSRFProtect has checked the token before the view runs. The walk is O(events): the
    # worker does it (jobs/tasks.py), and the verdict is flashed from the job's page.
    return submit("audit_verify", {})
