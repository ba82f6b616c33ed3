"""Plans and their items by hand: create, edit the header, add, edit, move and remove items,
withdraw a plan. Views only translate forms to calls of the workflow/plan_*.py services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import Plan, Task, TaskUnit, UnitRole, db
from reports.unit_names import unit_choices
from web.feedback import attempt
from web.plan_forms import ITEM_ROWS, ItemForm, MoveForm, PlanCreateForm, PlanHeaderForm, ReasonForm
from workflow import (
    plan_access,
    plan_editing,
    plan_fields,
    plan_item_edit,
    plan_items,
    plan_withdrawal,
)
from workflow.errors import WorkflowError
from workflow.import_permissions import can_import

bp = Blueprint("plan_editing", __name__, url_prefix="/plans")


def _unit_choices() -> list[tuple[int, str]]:
    # A shared school name shows its district ("… — Phòng GD&ĐT quận 8").
    return unit_choices()


def _editable_plan(plan_id: int) -> Plan:
    """The plan if the current user may edit it; 404 or 403 otherwise."""
    plan = db.get_or_404(Plan, plan_id)
    if not plan_access.can_edit_plan(plan, current_user):
        abort(403)
    return plan


def _item_of(plan: Plan, task_id: int) -> Task:
    task = db.get_or_404(Task, task_id)
    if task.plan_id != plan.id or task.parent_id is not None:
        abort(404)
    return task


def _item_fields(form: Any) -> plan_fields.ItemFields:
    return plan_fields.ItemFields(
        number=form.number.data or "",
        title=form.title.data or "",
        leads=plan_fields.split_lines(form.leads.data),
        coordinating=plan_fields.split_lines(form.coordinating.data),
        timeframe_text=form.timeframe.data,
        due_on=form.due_on.data,
        content=form.content.data if hasattr(form, "content") else None,
    )


def _header_fields(form: Any) -> plan_fields.HeaderFields:
    return plan_fields.HeaderFields(
        title=form.title.data or "",
        tracking_unit_id=form.tracking_unit_id.data,
        number=form.number.data,
        issued_on=form.issued_on.data,
        issuer=form.issuer.data,
        year=form.year.data,
        period=form.period.data,
    )


def _form_errors(form: Any) -> list[str]:
    messages: list[str] = []
    for errors in form.errors.values():
        for message in errors:
            if isinstance(message, dict):  # a FieldList row: {field: [messages]}
                messages += [str(m) for ms in message.values() for m in ms]
            else:
                messages.append(str(message))
    return messages


def _submit(form: Any, call: Callable[[], object], done: str) -> list[str] | None:
    """Validate `form` and run the service `call`: None when it succeeded (with the
    `done` flash), else the messages to show beside the form."""
    if not form.validate_on_submit():
        return _form_errors(form)
    try:
        call()
    except WorkflowError as error:
        return [error.message]
    flash(done, "success")
    return None


def _filled_rows(form: PlanCreateForm) -> list[Any]:
    """The item rows a person typed something in; blank rows are left out."""
    return [
        row
        for row in form.items
        if any(
            (row[name].data or "") if name != "due_on" else row[name].data
            for name in ("number", "title", "leads", "coordinating", "timeframe", "due_on")
        )
    ]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    """Create a plan with its items by hand (for who may import)."""
    if not can_import(current_user):
        abort(403)
    form = PlanCreateForm()
    form.tracking_unit_id.choices = _unit_choices()
    if request.method == "GET":
        form.tracking_unit_id.data = current_user.unit_id
    errors: list[str] = []
    if request.method == "POST":
        if request.form.get("action") == "more":
            form.items.append_entry()
            for _ in range(ITEM_ROWS - 1):
                form.items.append_entry()
        elif not form.validate_on_submit():
            errors = _form_errors(form)
        else:
            items = [_item_fields(row) for row in _filled_rows(form)]
            try:
                if not items:
                    errors.append(gettext("Kế hoạch chưa có nhiệm vụ nào."))
                else:
                    plan_id = plan_editing.create_plan_by_hand(
                        _header_fields(form), items, current_user
                    )
                    flash(
                        gettext("Đã tạo kế hoạch với %(count)s nhiệm vụ.", count=len(items)),
                        "success",
                    )
                    return redirect(url_for("plans.show", plan_id=plan_id))
            except WorkflowError as error:
                errors.append(error.message)
    status = 400 if errors else 200
    return render_template("plans/new.html", form=form, errors=errors), status


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int) -> Any:
    """Edit the plan's header (number, date, issuer, tracking unit, title, period)."""
    plan = _editable_plan(plan_id)
    form = PlanHeaderForm(obj=plan if request.method == "GET" else None)
    form.tracking_unit_id.choices = _unit_choices()
    if request.method == "GET":
        form.issuer.data = plan.issuer_name
    errors: list[str] = []
    if request.method == "POST":
        outcome = _submit(
            form,
            lambda: plan_editing.update_plan_header(
                plan.id,
                current_user,
                _header_fields(form),
                expected_version=form.version.data,
                reason=form.reason.data,
            ),
            gettext("Đã sửa thông tin kế hoạch."),
        )
        if outcome is None:
            return redirect(url_for("plans.show", plan_id=plan.id))
        errors = outcome
    status = 400 if errors else 200
    return render_template("plans/edit.html", plan=plan, form=form, errors=errors), status


def _units_text(task: Task, role: UnitRole) -> str:
    rows: list[TaskUnit] = [tu for tu in task.units if tu.role == role]
    return "\n".join(tu.display_name if tu.unit or tu.group else tu.mention for tu in rows)


@bp.route("/<int:plan_id>/items/new", methods=["GET", "POST"])
@login_required
def add_item(plan_id: int) -> Any:
    """Add an item at the end of the plan."""
    plan = _editable_plan(plan_id)
    form = ItemForm()
    errors: list[str] = []
    if request.method == "POST":
        outcome = _submit(
            form,
            lambda: plan_items.add_item(
                plan.id, current_user, _item_fields(form), reason=form.reason.data
            ),
            gettext("Đã thêm nhiệm vụ."),
        )
        if outcome is None:
            anchor = f"item-{(form.number.data or '').strip()}"
            return redirect(url_for("plans.show", plan_id=plan.id, _anchor=anchor))
        errors = outcome
    status = 400 if errors else 200
    return (
        render_template("plans/item.html", plan=plan, task=None, form=form, errors=errors),
        status,
    )


@bp.route("/<int:plan_id>/items/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(plan_id: int, task_id: int) -> Any:
    """Edit an item; the page also offers removing it."""
    plan = _editable_plan(plan_id)
    task = _item_of(plan, task_id)
    form = ItemForm()
    if request.method == "GET":
        form.number.data = task.number
        form.title.data = task.title
        form.content.data = task.content
        form.leads.data = _units_text(task, UnitRole.LEAD)
        form.coordinating.data = _units_text(task, UnitRole.COORDINATING)
        form.timeframe.data = task.timeframe_text
        form.due_on.data = task.due_on
        form.version.data = task.version
    errors: list[str] = []
    if request.method == "POST":
        outcome = _submit(
            form,
            lambda: plan_item_edit.edit_item(
                task.id,
                current_user,
                _item_fields(form),
                expected_version=form.version.data,
                reason=form.reason.data,
            ),
            gettext("Đã sửa nhiệm vụ."),
        )
        if outcome is None:
            return redirect(url_for("plans.show", plan_id=plan.id, _anchor=f"item-{task.number}"))
        errors = outcome
    remove_form = ReasonForm(formdata=None, data={"version": task.version})
    status = 400 if errors else 200
    return (
        render_template(
            "plans/item.html",
            plan=plan,
            task=task,
            form=form,
            remove_form=remove_form,
            work_started=plan_items.work_started(task),
            errors=errors,
        ),
        status,
    )


@bp.route("/<int:plan_id>/items/<int:task_id>/move", methods=["POST"])
@login_required
def move_item(plan_id: int, task_id: int) -> Response:
    """Move an item one place up or down."""
    plan = _editable_plan(plan_id)
    task = _item_of(plan, task_id)
    form = MoveForm()
    if not form.validate_on_submit():
        flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
    else:
        attempt(
            lambda: plan_items.move_item(
                task.id, current_user, form.direction.data, expected_version=form.version.data
            ),
            gettext("Đã chuyển nhiệm vụ %(number)s.", number=task.number),
        )
    return redirect(url_for("plans.show", plan_id=plan.id, _anchor=f"item-{task.number}"))


@bp.route("/<int:plan_id>/items/<int:task_id>/remove", methods=["POST"])
@login_required
def remove_item(plan_id: int, task_id: int) -> Response:
    """Take an item out of the plan: its task is cancelled with the reason."""
    plan = _editable_plan(plan_id)
    task = _item_of(plan, task_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        for message in _form_errors(form):
            flash(message, "error")
        return redirect(url_for("plan_editing.edit_item", plan_id=plan.id, task_id=task.id))
    done = attempt(
        lambda: (
            plan_items.remove_item(
                task.id, current_user, expected_version=form.version.data, reason=form.reason.data
            )
            or True
        ),
        gettext(
            "Đã bỏ nhiệm vụ %(number)s khỏi kế hoạch (nhiệm vụ được hủy, lịch sử được giữ).",
            number=task.number,
        ),
    )
    if not done:
        return redirect(url_for("plan_editing.edit_item", plan_id=plan.id, task_id=task.id))
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/<int:plan_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(plan_id: int) -> Any:
    """Withdraw a mistaken import as a whole, with a reason."""
    plan = _editable_plan(plan_id)
    form = ReasonForm(data={"version": plan.version} if request.method == "GET" else None)
    errors: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            errors = _form_errors(form)
        else:
            try:
                count = plan_withdrawal.withdraw_plan(
                    plan.id,
                    current_user,
                    expected_version=form.version.data,
                    reason=form.reason.data,
                )
            except WorkflowError as error:
                errors.append(error.message)
            else:
                flash(
                    gettext(
                        "Đã thu hồi kế hoạch; %(count)s nhiệm vụ đang mở đã được hủy.",
                        count=count,
                    ),
                    "success",
                )
                return redirect(url_for("plans.show", plan_id=plan.id))
    open_count = db.session.execute(
        sa.select(sa.func.count(Task.id)).where(
            Task.plan_id == plan.id, Task.state.not_in(("verified", "cancelled"))
        )
    ).scalar_one()
    status = 400 if errors else 200
    return (
        render_template(
            "plans/withdraw.html", plan=plan, form=form, open_count=open_count, errors=errors
        ),
        status,
    )
