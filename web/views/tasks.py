"""The task page and the actions on it; every change goes through workflow/."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import Attachment, db
from web.forms import ContributionForm, ReportForm, TransitionForm
from workflow import permissions
from workflow import tasks as task_service
from workflow.attachments import UploadedFile, attachment_path
from workflow.errors import WorkflowError
from workflow.queries import task_page
from workflow.state_machine import STATE_LABELS

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


@bp.route("/<int:task_id>/transition", methods=["POST"])
@login_required
def transition(task_id: int) -> Response:
    """Fire a state change chosen on the task page."""
    form = TransitionForm()
    if not form.validate_on_submit():
        flash("Biểu mẫu không hợp lệ. Hãy thử lại.", "error")
        return redirect(url_for("tasks.show", task_id=task_id))
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
        flash(f"Đã cập nhật: nhiệm vụ chuyển sang «{STATE_LABELS[result.state]}».", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


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
