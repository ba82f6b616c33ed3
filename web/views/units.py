"""A unit's workspace: what it leads, what it supports, what it must verify."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import Role
from workflow.queries import awaiting_verification, coordinating_tasks, group_by_quarter, lead_tasks

bp = Blueprint("units", __name__)


@bp.route("/")
def index() -> Response:
    """Send people to their workspace."""
    return redirect(url_for("units.mine"))


@bp.route("/my-tasks")
@login_required
def mine() -> str:
    """Show the current user's unit's tasks, lead and coordinating apart, by quarter."""
    unit_id = current_user.unit_id
    to_verify = awaiting_verification(unit_id) if current_user.role == Role.COORDINATOR else []
    return render_template(
        "units/mine.html",
        unit=current_user.unit,
        lead=group_by_quarter(lead_tasks(unit_id)),
        coordinating=group_by_quarter(coordinating_tasks(unit_id)),
        to_verify=to_verify,
    )
