"""The task page and the actions on it; every change goes through workflow/."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import Attachment, Plan, TaskState, Unit, db
from web.exports import FORMATS, export_response, task_columns
from web.forms import ContributionForm, ReportForm, TransitionForm
from workflow import permissions, progress
from workflow import tasks as task_service
from workflow.attachments import UploadedFile, attachment_path
from workflow.errors import WorkflowError
from workflow.queries import task_page
from workflow.state_machine import STATE_LABELS
from workflow.visibility import visible_plans

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def get_task(task_id: int):  # type: ignore[no-untyped-def]
    """The task if the current user may see it; 404 or 403 otherwise."""
    try:
        task = task_service.load_task(task_id)
    except WorkflowError:
        abort(404)
    if not permissions.can_view(task, current_user):
        abort(403)
    return task


def _uploads(field) -> list[UploadedFile]:  # type: ignore[no-untyped-def]
    return [
        UploadedFile(f.filename or "", f.read()) for f in (field.data or []) if f and f.filename
    ]


PER_PAGE = 50


def page_number() -> int:
    """The ?page= argument, 1 when missing or wrong."""
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and int(value) > 0 else 1


@bp.route("/")
@login_required
def index() -> str | Response:
    """List the tasks the user may see, filtered as the query string says (figures link here)."""
    task_filter = progress.TaskFilter.from_args(request.args)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        rows = progress.all_tasks(task_filter, current_user)
        return export_response(rows, task_columns(), fmt, "nhiem-vu")
    page = progress.list_tasks(task_filter, current_user, page_number(), PER_PAGE)
    plan = db.session.get(Plan, task_filter.plan_id) if task_filter.plan_id else None
    unit = db.session.get(Unit, task_filter.unit_id) if task_filter.unit_id else None
    plans = db.session.execute(
        sa.select(Plan.id, Plan.number, Plan.title)
        .where(visible_plans(current_user))
        .order_by(Plan.number)
    ).all()
    return render_template(
        "tasks/index.html",
        page=page,
        task_filter=task_filter,
        plan=plan,
        unit=unit,
        plans=plans,
        states=list(TaskState),
        bucket_labels=progress.BUCKET_LABELS,
    )


@bp.route("/<int:task_id>")
@login_required
def show(task_id: int) -> str:
    """Show a task with its reports, contributions, history and the user's actions."""
    task = get_task(task_id)
    page = task_page(task)
    authors = (
        {i for i in (page.reports[-1].author_id, page.reports[-1].on_behalf_of_id) if i}
        if (page.reports)
        else set()
    )
    events = permissions.allowed_events(task, current_user, authors)
    return render_template(
        "tasks/show.html",
        page=page,
        task=task,
        events=events,
        transition_form=TransitionForm(),
        report_form=ReportForm(),
        contribution_form=ContributionForm(),
        can_contribute=permissions.can_contribute(task, current_user),
    )


def back_to(task_id: int) -> Response:
    """Where a form returns: the local page it came from (in-place actions), else the task."""
    target = request.form.get("next", "")
    # Only a local path: an absolute or protocol-relative URL would be an open redirect.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<int:task_id>/transition", methods=["POST"])
@login_required
def transition(task_id: int) -> Response:
    """Fire a state change chosen on the task page or in place on a list."""
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
        return back_to(task_id)
    get_task(task_id)
    try:
        result = task_service.transition(
            task_id,
            current_user,
            form.event.data,
            expected_version=form.version.data,
            reason=form.reason.data,
        )
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(
            gettext(
                "Đã cập nhật: nhiệm vụ chuyển sang «%(state)s».",
                state=gettext(STATE_LABELS[result.state]),
            ),
            "success",
        )
    return back_to(task_id)


@bp.route("/<int:task_id>/report", methods=["POST"])
@login_required
def report(task_id: int) -> Response:
    """Submit the lead unit's report."""
    form = ReportForm()
    get_task(task_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        task_service.submit_report(
            task_id,
            current_user,
            expected_version=form.version.data,
            text=form.text.data,
            files=_uploads(form.files),
        )
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash("Đã gửi báo cáo.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<int:task_id>/contributions", methods=["POST"])
@login_required
def contribute(task_id: int) -> Response:
    """Add a coordinating unit's contribution."""
    form = ContributionForm()
    get_task(task_id)
    if not form.validate_on_submit():
        flash("Đóng góp cần có nội dung.", "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        task_service.add_contribution(
            task_id, current_user, text=form.text.data, files=_uploads(form.files)
        )
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash("Đã thêm đóng góp.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    """Download an attachment of a task the user may see."""
    item = db.get_or_404(Attachment, attachment_id)
    get_task(item.task_id)
    return send_file(
        attachment_path(item),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
    )
