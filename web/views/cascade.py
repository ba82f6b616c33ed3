"""The plan cascade pages: a plan's "Triển khai ở cấp dưới" (the roll-up of the lower plans
carrying it out), its links to higher plans with the item proposals to confirm or reject,
linking by hand, and "Lập kế hoạch thực hiện" for a unit the plan assigns items to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from models import Plan, db
from reports.cascade import LEVEL_LABELS, link_view, rollup
from reports.progress import BUCKET_LABELS, BUCKETS
from web import params
from web.views.plans import _may_view
from workflow.cascade import check_can_link, decide_item_link, link_plans_by_hand
from workflow.cascade_plans import create_implementing_plan
from workflow.errors import WorkflowError
from workflow.import_permissions import can_import
from workflow.plan_access import can_edit_plan

bp = Blueprint("cascade", __name__, url_prefix="/plans")


def _visible_plan(plan_id: int) -> Plan:
    plan = db.get_or_404(Plan, plan_id)
    if not _may_view(plan):
        abort(403)
    return plan


@bp.route("/<int:plan_id>/cascade")
@login_required
def show(plan_id: int) -> Any:
    """The roll-up by item and level, a page of items at a time, and the plan's links."""
    plan = _visible_plan(plan_id)
    return render_template(
        "cascade.html",
        plan=plan,
        data=rollup(plan_id, params.page_arg()),
        links=link_view(plan_id),
        can_link=can_edit_plan(plan, current_user),
        can_implement=can_import(current_user) and current_user.unit_id != plan.tracking_unit_id,
        buckets=BUCKETS,
        bucket_labels=BUCKET_LABELS,
        level_labels=LEVEL_LABELS,
    )


def _back(plan_id: int) -> Any:
    return redirect(url_for("cascade.show", plan_id=plan_id))


@bp.post("/<int:plan_id>/cascade/link")
@login_required
def link(plan_id: int) -> Any:
    """Link this plan to a higher plan by its number (by hand)."""
    _visible_plan(plan_id)
    try:
        link_plans_by_hand(plan_id, request.form.get("higher_number", ""), current_user)
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(gettext("Đã liên kết với kế hoạch cấp trên."), "success")
    return _back(plan_id)


@bp.post("/<int:plan_id>/cascade/items/<int:link_id>")
@login_required
def decide(plan_id: int, link_id: int) -> Any:
    """Confirm or reject a proposed item link."""
    plan = _visible_plan(plan_id)
    decision = request.form.get("decision")
    if decision not in ("confirm", "reject"):
        flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
        return _back(plan_id)
    try:
        check_can_link(plan, current_user)
        decide_item_link(link_id, current_user, decision == "confirm")
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(
            gettext("Đã xác nhận liên kết nhiệm vụ.")
            if decision == "confirm"
            else gettext("Đã bỏ đề xuất liên kết."),
            "success",
        )
    return _back(plan_id)


@bp.post("/<int:plan_id>/cascade/implement")
@login_required
def implement(plan_id: int) -> Any:
    """ "Lập kế hoạch thực hiện": the user's unit's plan from the items assigned to it."""
    _visible_plan(plan_id)
    try:
        new_id = create_implementing_plan(plan_id, current_user)
    except WorkflowError as error:
        flash(error.message, "error")
        return _back(plan_id)
    flash(gettext("Đã lập kế hoạch thực hiện; hãy bổ sung số và ngày ban hành."), "success")
    return redirect(url_for("plans.show", plan_id=new_id))
