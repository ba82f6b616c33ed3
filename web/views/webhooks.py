"""Webhooks pages: a unit's hooks (create, rotate the secret, disable, delete, ping) and
each hook's delivery log (redeliver a failed event). Thin: workflow/webhooks.py decides.

A new or rotated secret is shown once, in the answer to the form that made it: never
flashed (the flash lives in the signed but readable session cookie) and never stored
anywhere the page could show it again.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from models import Role
from web import params
from web.feedback import attempt
from workflow import webhooks as service
from workflow.errors import NotFound, WorkflowError
from workflow.webhook_urls import MAX_URL_CHARS

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

EVENT_LABELS = {
    "task.created": _l("Giao nhiệm vụ mới"),
    "task.started": _l("Bắt đầu thực hiện"),
    "task.reported": _l("Gửi báo cáo"),
    "task.verified": _l("Xác nhận hoàn thành"),
    "task.returned": _l("Trả lại báo cáo"),
    "task.reopened": _l("Mở lại nhiệm vụ"),
    "task.cancelled": _l("Hủy nhiệm vụ"),
    "task.reassigned": _l("Đổi đơn vị chủ trì"),
    "task.due_changed": _l("Đổi hạn"),
    "task.edited": _l("Sửa nội dung nhiệm vụ"),
    "task.extension_requested": _l("Xin gia hạn"),
    "task.extension_granted": _l("Đồng ý gia hạn"),
    "task.extension_refused": _l("Từ chối gia hạn"),
    "task.explanation_requested": _l("Yêu cầu giải trình"),
    "task.explanation_answered": _l("Giải trình"),
    "task.contribution_added": _l("Đơn vị phối hợp gửi đóng góp"),
}
STATUS_LABELS = {
    "pending": _l("Chờ gửi"),
    "sending": _l("Đang gửi"),
    "delivered": _l("Đã gửi"),
    "failed": _l("Gửi thất bại"),
}


class HookForm(FlaskForm):
    url = StringField(
        _l("Địa chỉ URL nhận sự kiện (https://…)"),
        validators=[
            DataRequired(_l("Hãy nhập địa chỉ URL nhận sự kiện.")),
            Length(max=MAX_URL_CHARS),
        ],
    )
    event_types = SelectMultipleField(
        _l("Chỉ gửi các sự kiện (không chọn: mọi sự kiện)"),
        choices=[SelectChoice(key, label) for key, label in EVENT_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # the service refuses an unknown type with its message
    )
    department_wide = BooleanField(_l("Toàn Sở: sự kiện của mọi nhiệm vụ"))


class EditForm(FlaskForm):
    url = StringField(_l("Địa chỉ URL"), validators=[Length(max=MAX_URL_CHARS)])
    event_types = HookForm.event_types


class ActionForm(FlaskForm):
    pass


class DeleteForm(FlaskForm):
    # Deleting drops the delivery log too: one more click than the other actions.
    confirm = BooleanField(_l("Xóa cả nhật ký gửi"))


@bp.before_request
@login_required
def _coordinators_and_admins() -> None:
    if not service.may_use_webhooks(current_user):
        abort(403)


def _hook_or_404(hook_id: int):  # type: ignore[no-untyped-def]
    try:
        return service.get_hook(hook_id, current_user)
    except NotFound:
        abort(404)


def _index_page(form: HookForm, secret: str | None = None, new_id: int | None = None) -> str:
    return render_template(
        "webhooks.html",
        form=form,
        action_form=ActionForm(),
        delete_form=DeleteForm(),
        hooks=service.hooks_for(current_user),
        secret=secret,
        new_id=new_id,
        labels=EVENT_LABELS,
        is_admin=current_user.role == Role.ADMIN,
    )


@bp.route("/")
def index() -> str:
    """The hooks the user manages and the form to register one."""
    return _index_page(HookForm())


@bp.route("/", methods=["POST"])
def create() -> str:
    """Register a hook; its secret is shown on this answer only."""
    form = HookForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _index_page(form)
    try:
        created = service.create_webhook(
            current_user,
            url=form.url.data,
            event_types=form.event_types.data,
            department_wide=bool(form.department_wide.data),
        )
    except WorkflowError as error:
        flash(error.message, "error")
        return _index_page(form)
    flash(
        gettext("Đã đăng ký webhook. Hãy sao chép khóa bí mật ngay: khóa chỉ hiện một lần."),
        "success",
    )
    return _index_page(HookForm(formdata=None), secret=created.secret, new_id=created.webhook_id)


def _show_page(hook_id: int, secret: str | None = None) -> str:
    hook = _hook_or_404(hook_id)
    page = params.page_arg()
    rows, total = service.deliveries(hook.id, current_user, page=page)
    edit = EditForm(formdata=None, url=hook.url, event_types=list(hook.event_types or []))
    return render_template(
        "webhooks_show.html",
        hook=hook,
        deliveries=rows,
        total=total,
        page=page,
        page_size=service.PAGE_SIZE,
        edit_form=edit,
        action_form=ActionForm(),
        delete_form=DeleteForm(),
        secret=secret,
        labels=EVENT_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route("/<int:hook_id>")
def show(hook_id: int) -> str:
    """One hook: its settings and its delivery log, newest first."""
    return _show_page(hook_id)


def _valid_action() -> bool:
    if ActionForm().validate_on_submit():
        return True
    flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
    return False


@bp.route("/<int:hook_id>/edit", methods=["POST"])
def update(hook_id: int) -> Response:
    """Change the URL or the event filter."""
    _hook_or_404(hook_id)
    form = EditForm()
    if form.validate_on_submit():
        attempt(
            lambda: service.update_webhook(
                hook_id, current_user, url=form.url.data, event_types=form.event_types.data
            ),
            gettext("Đã lưu webhook."),
        )
    else:
        flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
    return redirect(url_for("webhooks.show", hook_id=hook_id))


@bp.route("/<int:hook_id>/toggle", methods=["POST"])
def toggle(hook_id: int) -> Response:
    """Turn the hook off (events wait) or on again."""
    hook = _hook_or_404(hook_id)
    if _valid_action():
        turn_on = not hook.active
        attempt(
            lambda: service.update_webhook(hook_id, current_user, active=turn_on),
            gettext("Đã bật webhook.") if turn_on else gettext("Đã tắt webhook."),
        )
    return redirect(url_for("webhooks.show", hook_id=hook_id))


@bp.route("/<int:hook_id>/rotate", methods=["POST"])
def rotate(hook_id: int) -> str | Response:
    """A new secret, shown on this answer only; the old one stops signing at once."""
    _hook_or_404(hook_id)
    if not _valid_action():
        return redirect(url_for("webhooks.show", hook_id=hook_id))
    created = attempt(
        lambda: service.rotate_secret(hook_id, current_user),
        gettext("Đã tạo khóa bí mật mới. Hãy sao chép ngay: khóa chỉ hiện một lần."),
    )
    return _show_page(hook_id, secret=created.secret if created else None)


@bp.route("/<int:hook_id>/delete", methods=["POST"])
def delete(hook_id: int) -> Response:
    """Delete the hook and its delivery log (the box confirming it must be ticked)."""
    _hook_or_404(hook_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
    elif not form.confirm.data:
        flash(gettext("Hãy đánh dấu ô xác nhận trước khi xóa webhook."), "error")
    elif attempt(
        lambda: service.delete_webhook(hook_id, current_user) or True,
        gettext("Đã xóa webhook."),
    ):
        return redirect(url_for("webhooks.index"))
    return redirect(url_for("webhooks.show", hook_id=hook_id))


@bp.route("/<int:hook_id>/ping", methods=["POST"])
def ping(hook_id: int) -> Response:
    """Queue a test event for the hook."""
    _hook_or_404(hook_id)
    if _valid_action():
        attempt(
            lambda: service.ping(hook_id, current_user),
            gettext("Đã xếp sự kiện thử (ping) vào hàng đợi; xem kết quả trong nhật ký gửi."),
        )
    return redirect(url_for("webhooks.show", hook_id=hook_id))


@bp.route("/<int:hook_id>/deliveries/<int:delivery_id>/redeliver", methods=["POST"])
def redeliver(hook_id: int, delivery_id: int) -> Response:
    """Queue one event again for a fresh round of attempts."""
    _hook_or_404(hook_id)
    if _valid_action():
        attempt(
            lambda: service.redeliver(delivery_id, current_user, hook_id=hook_id),
            gettext("Sự kiện đã được đưa lại vào hàng đợi gửi."),
        )
    return redirect(url_for("webhooks.show", hook_id=hook_id))
