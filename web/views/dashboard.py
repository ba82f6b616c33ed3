"""The coordinator's dashboard: a quarter at a glance, every figure a link to its tasks."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from models import Plan, TaskState, db
from workflow import clock, progress
from workflow.visibility import visible_plans

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@login_required
def index() -> str:
    """Show the quarter's figures for the tasks the user may see (current quarter default)."""
    plan_arg = request.args.get("plan", "")
    plan_id = int(plan_arg) if plan_arg.isdigit() else None
    board = progress.dashboard(current_user, request.args.get("quarter"), plan_id)
    plans = db.session.execute(
        sa.select(Plan.id, Plan.number, Plan.title)
        .where(visible_plans(current_user))
        .order_by(Plan.number)
    ).all()
    this_quarter = progress.quarter_of(clock.today())
    return render_template(
        "dashboard/index.html",
        board=board,
        plan_id=plan_id,
        plans=plans,
        quarters=[progress.shift_quarter(this_quarter, step) for step in range(-6, 5)],
        prev_quarter=progress.shift_quarter(board.quarter, -1),
        next_quarter=progress.shift_quarter(board.quarter, 1),
        buckets=progress.BUCKETS,
        bucket_labels=progress.BUCKET_LABELS,
        states=list(TaskState),
    )
