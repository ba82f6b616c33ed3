"""Assigning a task to people of its lead unit, and following a task; via workflow/."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from web.feedback import attempt
from web.views.tasks import get_task
from workflow import assignees, follows
from workflow.inputs import parse_int

bp = Blueprint("people", __name__, url_prefix="/tasks")

# The audit actions these changes write (reports.action_labels), marked for extraction:
# pages translate them through a variable.
MARKED = (
    _l("Giao người thực hiện"),
    _l("Bỏ giao người thực hiện"),
    _l("Theo dõi nhiệm vụ"),
    _l("Bỏ theo dõi nhiệm vụ"),
)


def _csrf_ok() -> bool:
    # A bare form: only the CSRF token is checked here; the service checks the rest.
    if FlaskForm().validate_on_submit():
        return True
    flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
    return False


def _back(task_id: int) -> Response:
    return redirect(url_for("tasks.show", task_id=task_id) + "#people")


@bp.route("/<int:task_id>/assignees", methods=["POST"])
@login_required
def assign(task_id: int) -> Response:
    """A lead unit's coordinator gives the task to one or more of its staff."""
    get_task(task_id)
    if not _csrf_ok():
        return _back(task_id)
    raw = request.form.getlist("user_id")
    user_ids = [parse_int(v, minimum=1) for v in raw]
    if not raw:
        flash(gettext("Hãy chọn ít nhất một người thực hiện."), "error")
    elif None in user_ids:
        flash(gettext("Không tìm thấy người được chọn."), "error")
    else:
        attempt(
            lambda: assignees.assign(task_id, current_user, [i for i in user_ids if i]),
            gettext("Đã giao người thực hiện."),
        )
    return _back(task_id)


@bp.route("/<int:task_id>/assignees/<int:user_id>/remove", methods=["POST"])
@login_required
def unassign(task_id: int, user_id: int) -> Response:
    """Take one person off the task."""
    get_task(task_id)
    if _csrf_ok():
        attempt(
            lambda: assignees.unassign(task_id, current_user, user_id),
            gettext("Đã bỏ giao người thực hiện."),
        )
    return _back(task_id)


@bp.route("/<int:task_id>/follow", methods=["POST"])
@login_required
def follow(task_id: int) -> Response:
    """Follow a task one may see."""
    get_task(task_id)
    if _csrf_ok():
        attempt(lambda: follows.follow(task_id, current_user), gettext("Đã theo dõi nhiệm vụ."))
    return _back(task_id)


@bp.route("/<int:task_id>/unfollow", methods=["POST"])
@login_required
def unfollow(task_id: int) -> Response:
    """Stop following a task."""
    get_task(task_id)
    if _csrf_ok():
        attempt(
            lambda: follows.unfollow(task_id, current_user),
            gettext("Đã bỏ theo dõi nhiệm vụ."),
        )
    return _back(task_id)
