"""The task page and the actions on it; every change goes through workflow/."""

from __future__ import annotations

import re
from typing import Any

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

from models import (
    Attachment,
    Comment,
    ExplanationRequest,
    ExtensionRequest,
    Plan,
    TaskState,
    Unit,
    db,
)
from reports import indicators as indicator_reports
from reports import progress
from reports.people import task_people
from reports.queries import plan_choices
from reports.timeline import last_report, task_timeline
from reports.unit_names import unit_choices
from web import params
from web.comment_forms import CommentEditForm, CommentForm
from web.exports import FORMATS, export_response, task_columns
from web.feedback import attempt
from web.forms import ContributionForm, ReportForm, TransitionForm
from web.page_cache import cached_page
from web.task_forms import (
    DecisionForm,
    DueDateForm,
    ExplanationForm,
    ExtensionForm,
    QuestionForm,
    ReassignForm,
)
from workflow import assignees, permissions, task_edits, task_reports
from workflow import comments as comment_service
from workflow import indicators as indicator_service
from workflow import requests as requests_service
from workflow import tasks as task_service
from workflow.attachments import UploadedFile, attachment_path, clean_filename
from workflow.errors import InvalidInput, WorkflowError
from workflow.indicators import ValueInput
from workflow.inputs import parse_float, parse_int
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


PER_PAGE = 50

# The state diagram (DESIGN.md): where each state sits and the arrows between them,
# drawn as inline SVG with the task's current state marked.
DIAGRAM = {
    "states": [
        ("assigned", 10, 45),
        ("in_progress", 190, 45),
        ("reported", 370, 45),
        ("verified", 550, 45),
        ("cancelled", 10, 150),
    ],
    # "return" arcs above the row and "reopen" below it, so no two edges or labels cross.
    "arrows": [
        ("start", "M140 66 L186 66", 163, 58),
        ("report", "M320 66 L366 66", 343, 58),
        ("verify", "M500 66 L546 66", 523, 58),
        ("return", "M430 45 C410 5 290 5 270 42", 350, 14),
        ("reopen", "M615 87 C605 150 300 150 265 90", 449, 154),
        ("cancel", "M220 87 L128 147", 140, 112),
    ],
}


def page_number() -> int:
    """The ?page= argument, 1 when missing or wrong."""
    return params.page_arg()


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
    plans = plan_choices(current_user)
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

    def build() -> dict[str, Any]:
        task = get_task(task_id)
        timeline = task_timeline(task)
        page = timeline.page
        latest = last_report(page)
        authors = {i for i in (latest.author_id, latest.on_behalf_of_id) if i} if latest else set()
        events = permissions.allowed_events(task, current_user, authors)
        can_edit = permissions.can_edit(task, current_user)
        reassign_form = ReassignForm()
        if can_edit and not task.subtasks:
            # A shared school name shows its district (reports.unit_names.unit_choices).
            reassign_form.unit_id.choices = unit_choices()
        indicator_year = indicator_service.task_year(task)
        report_indicators = (
            indicator_service.assigned_indicators(task.lead_unit_id, indicator_year)
            if "report" in events
            else []
        )
        return dict(
            page=page,
            timeline=timeline,
            latest_report=latest,
            comment_form=CommentForm(),
            comment_edit_form=CommentEditForm(),
            can_edit_comment=lambda comment: comment_service.can_edit_comment(
                task, comment, current_user
            ),
            task=task,
            events=events,
            indicator_year=indicator_year,
            report_indicators=report_indicators,
            indicator_values=(
                indicator_reports.current_values(task.lead_unit_id, indicator_year)
                if report_indicators
                else {}
            ),
            display_value=indicator_reports.display_value,
            rating_labels=indicator_service.RATING_LABELS,
            transition_form=TransitionForm(),
            report_form=ReportForm(),
            contribution_form=ContributionForm(),
            can_contribute=permissions.can_contribute(task, current_user),
            can_edit=can_edit,
            requests=requests_service.task_requests(task.id),
            can_request_extension=requests_service.can_request_extension(task, current_user),
            can_ask_explanation=requests_service.can_ask_explanation(task, current_user),
            is_lead_member=permissions.is_lead_member(task, current_user),
            reassign_form=reassign_form,
            due_form=DueDateForm(),
            extension_form=ExtensionForm(),
            decision_form=DecisionForm(),
            question_form=QuestionForm(),
            explanation_form=ExplanationForm(),
            diagram=DIAGRAM,
            can_assign=assignees.can_assign(task, current_user),
            people=task_people(
                task, current_user, with_staff=assignees.can_assign(task, current_user)
            ),
        )

    return cached_page("tasks/show.html", build)


def back_to(task_id: int) -> Response:
    """Where a form returns: the local page it came from (in-place actions), else the task."""
    # Only a local path: an absolute or protocol-relative URL would be an open redirect.
    target = params.local_path(request.form.get("next"))
    return redirect(target or url_for("tasks.show", task_id=task_id))


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


INDICATOR_FIELD = re.compile(r"indicator-([0-9]+)-(number|change|rating|note)")


def _indicator_values(data) -> dict[int, ValueInput]:  # type: ignore[no-untyped-def]
    """The indicator values typed on the report form ("indicator-<id>-<field>"), by indicator.

    An indicator left blank is not sent; a number or rating that does not parse refuses the
    report (InvalidInput), like a value out of range does in the service.
    """
    raw: dict[int, dict[str, str]] = {}
    for key, value in data.items():
        match = INDICATOR_FIELD.fullmatch(key)
        if match and value.strip():
            indicator_id = parse_int(match.group(1))
            if indicator_id is None:
                raise InvalidInput(gettext("Chỉ số không tồn tại; báo cáo chưa được gửi."))
            raw.setdefault(indicator_id, {})[match.group(2)] = value.strip()
    values = {}
    for indicator_id, fields in raw.items():
        number, rating = fields.get("number", ""), fields.get("rating", "")
        # Finite numbers and ASCII digits only: "nan", "inf" and "²" do not parse.
        parsed_number = parse_float(number)
        parsed_rating = parse_int(rating, maximum=100)
        if (number and parsed_number is None) or (rating and parsed_rating is None):
            raise InvalidInput(
                "Số liệu chỉ số không hợp lệ (hãy nhập một số); báo cáo chưa được gửi."
            )
        values[indicator_id] = ValueInput(
            number=parsed_number,
            change=fields.get("change"),
            rating=parsed_rating,
            note=fields.get("note"),
        )
    return values


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
    attempt(
        lambda: task_reports.submit_report(
            task_id,
            current_user,
            expected_version=form.version.data,
            text=form.text.data,
            files=_uploads(form.files),
            indicator_values=_indicator_values(request.form),
        ),
        gettext("Đã gửi báo cáo."),
    )
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<int:task_id>/contributions", methods=["POST"])
@login_required
def contribute(task_id: int) -> Response:
    """Add a coordinating unit's contribution."""
    form = ContributionForm()
    get_task(task_id)
    if not form.validate_on_submit():
        flash(gettext("Đóng góp cần có nội dung."), "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    attempt(
        lambda: task_reports.add_contribution(
            task_id, current_user, text=form.text.data, files=_uploads(form.files)
        ),
        gettext("Đã thêm đóng góp."),
    )
    return redirect(url_for("tasks.show", task_id=task_id))


def _flash_errors(form) -> None:  # type: ignore[no-untyped-def]
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


@bp.route("/<int:task_id>/reassign", methods=["POST"])
@login_required
def reassign(task_id: int) -> Response:
    """Hand the task to another lead unit (tracking coordinators, with a reason)."""
    task = get_task(task_id)
    form = ReassignForm()
    # Offer exactly the submitted unit (the service checks it exists and is active), and
    # only when it is an id the database can hold: "abc" or a 20-digit number is refused.
    unit_id = parse_int(request.form.get("unit_id", ""), minimum=1)
    form.unit_id.choices = [(unit_id, "")] if unit_id is not None else []
    if unit_id is None:
        flash(gettext("Hãy chọn đơn vị chủ trì mới."), "error")
    elif not form.validate_on_submit():
        _flash_errors(form)
    else:
        attempt(
            lambda: task_edits.reassign_lead(
                task.id,
                current_user,
                expected_version=form.version.data,
                unit_id=form.unit_id.data,
                reason=form.reason.data,
            ),
            gettext("Đã giao lại đơn vị chủ trì."),
        )
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<int:task_id>/due", methods=["POST"])
@login_required
def change_due(task_id: int) -> Response:
    """Move the deadline (tracking coordinators, with a reason)."""
    task = get_task(task_id)
    form = DueDateForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        attempt(
            lambda: task_edits.update_task(
                task.id,
                current_user,
                expected_version=form.version.data,
                reason=form.reason.data,
                changes={"due_on": form.due_on.data},
            ),
            gettext("Đã đổi hạn hoàn thành."),
        )
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/<int:task_id>/extensions", methods=["POST"])
@login_required
def request_extension(task_id: int) -> Response:
    """The lead unit asks for a later deadline."""
    task = get_task(task_id)
    form = ExtensionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        attempt(
            lambda: requests_service.request_extension(
                task.id, current_user, new_due_on=form.due_on.data, reason=form.reason.data
            ),
            gettext("Đã gửi đề nghị gia hạn."),
        )
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/extensions/<int:request_id>/decide", methods=["POST"])
@login_required
def decide_extension(request_id: int) -> Response:
    """A tracking coordinator grants or refuses an extension."""
    item = db.get_or_404(ExtensionRequest, request_id)
    get_task(item.task_id)
    form = DecisionForm()
    if not form.validate_on_submit() or form.decision.data not in ("grant", "refuse"):
        _flash_errors(form)
    else:
        attempt(
            lambda: requests_service.decide_extension(
                item.id,
                current_user,
                grant=form.decision.data == "grant",
                reason=form.reason.data,
            ),
            gettext("Đã xử lý đề nghị gia hạn."),
        )
    return back_to(item.task_id)


@bp.route("/<int:task_id>/explanations", methods=["POST"])
@login_required
def ask_explanation(task_id: int) -> Response:
    """A tracking coordinator asks the overdue lead unit to explain."""
    task = get_task(task_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        attempt(
            lambda: requests_service.request_explanation(
                task.id, current_user, question=form.question.data
            ),
            gettext("Đã gửi yêu cầu giải trình."),
        )
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/explanations/<int:request_id>/answer", methods=["POST"])
@login_required
def answer_explanation(request_id: int) -> Response:
    """The lead unit explains."""
    item = db.get_or_404(ExplanationRequest, request_id)
    get_task(item.task_id)
    form = ExplanationForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        attempt(
            lambda: requests_service.answer_explanation(
                item.id, current_user, explanation=form.explanation.data
            ),
            gettext("Đã gửi giải trình."),
        )
    return back_to(item.task_id)


@bp.route("/<int:task_id>/comments", methods=["POST"])
@login_required
def comment(task_id: int) -> Response:
    """Add a comment (with @mentions and files) to the task's discussion."""
    task = get_task(task_id)
    form = CommentForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for("tasks.show", task_id=task.id, _anchor="comment-form"))
    comment_id = attempt(
        lambda: comment_service.add_comment(
            task.id, current_user, text=form.text.data, files=_uploads(form.files)
        ),
        gettext("Đã gửi bình luận."),
    )
    anchor = f"comment-{comment_id}" if comment_id else "comment-form"
    return redirect(url_for("tasks.show", task_id=task.id, _anchor=anchor))


@bp.route("/comments/<int:comment_id>/edit", methods=["POST"])
@login_required
def edit_comment(comment_id: int) -> Response:
    """The author rewrites a comment; the previous text stays in the audit trail."""
    item = db.get_or_404(Comment, comment_id)
    get_task(item.task_id)
    form = CommentEditForm()
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        attempt(
            lambda: comment_service.edit_comment(item.id, current_user, text=form.text.data),
            gettext("Đã sửa bình luận."),
        )
    return redirect(url_for("tasks.show", task_id=item.task_id, _anchor=f"comment-{item.id}"))


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
        # Rows stored before names were cleaned may hold control characters (a NUL): the
        # Content-Disposition header must not.
        download_name=clean_filename(item.filename) or "tep-dinh-kem",
    )
