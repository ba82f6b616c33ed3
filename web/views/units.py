"""A unit's workspace: what it leads, what it supports, what it must verify."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import TaskState
from reports import progress
from reports.people import assigned_to
from reports.queries import group_by_quarter, plan_choices
from reports.workspace import export_rows, workspace
from web import params
from web.exports import FORMATS, Column, export_response, task_columns
from web.forms import TransitionForm
from web.page_cache import cached_page
from web.performance import conditional

bp = Blueprint("units", __name__)

PER_PAGE = 50


@bp.route("/")
def index() -> Response:
    """Send people to their workspace."""
    return redirect(url_for("units.mine"))


@bp.route("/my-tasks")
@login_required
def mine() -> str | Response:
    """Show the unit's tasks, lead and coordinating apart, by quarter, with in-place actions."""
    task_filter = progress.TaskFilter.from_args(request.args)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        # Exports carry every matching row, not one page.
        labels = {"lead": gettext("Chủ trì"), "coordinating": gettext("Phối hợp")}
        rows = [(labels[role], t) for role, t in export_rows(current_user, task_filter)]
        columns = [Column(gettext("Vai trò"), lambda r: r[0])] + [
            Column(c.header, lambda r, c=c: c.value(r[1])) for c in task_columns()
        ]
        return conditional(export_response(rows, columns, fmt, "viec-cua-don-vi"))

    def build() -> dict:
        space = workspace(
            current_user, task_filter, params.page_arg("page"), params.page_arg("cpage"), PER_PAGE
        )
        plans = plan_choices(current_user)
        return dict(
            unit=current_user.unit,
            space=space,
            lead=group_by_quarter(space.lead.items),
            coordinating=group_by_quarter(space.coordinating.items),
            to_verify=space.to_verify,
            my_tasks=assigned_to(current_user),
            task_filter=task_filter,
            plans=plans,
            states=list(TaskState),
            transition_form=TransitionForm(),
        )

    return cached_page("units/mine.html", build)
