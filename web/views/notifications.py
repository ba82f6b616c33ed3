"""Notifications in the app (/notifications and its unread count in the header), each
person's choices (/account/notifications) and the mails' one-click unsubscribe
(/unsubscribe/<token>, RFC 8058: no login, no CSRF, the signed token is the credential).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from notifications.center import page_of, unread_count
from notifications.unsubscribe import read_token
from web.extensions import csrf
from web.feedback import attempt
from web.params import page_arg
from workflow import notification_prefs as prefs
from workflow import notification_reads
from workflow.errors import WorkflowError

bp = Blueprint("notifications", __name__)

KIND_LABELS = {
    "assigned": _l("Được giao nhiệm vụ (tạo, nhập kế hoạch, giao lại, giao người thực hiện)"),
    "started": _l("Đơn vị chủ trì bắt đầu thực hiện"),
    "reported": _l("Đơn vị chủ trì gửi báo cáo"),
    "returned": _l("Báo cáo bị trả lại"),
    "verified": _l("Báo cáo được xác nhận hoàn thành"),
    "reopened": _l("Nhiệm vụ được mở lại"),
    "cancelled": _l("Nhiệm vụ bị hủy"),
    "due_changed": _l("Hạn hoàn thành thay đổi"),
    "changed": _l("Nhiệm vụ được sửa hoặc chuyển cho đơn vị khác"),
    "extension_requested": _l("Đề nghị gia hạn"),
    "extension_decided": _l("Quyết định về đề nghị gia hạn"),
    "explain_requested": _l("Yêu cầu giải trình"),
    "explain_answered": _l("Nội dung giải trình"),
    "contribution": _l("Đóng góp của đơn vị phối hợp"),
    "comment": _l("Bình luận và nhắc tên"),
    prefs.DIGEST_KIND: _l("Thư tổng hợp hằng ngày"),
}
MODE_LABELS = {
    prefs.NOW: _l("Gửi thư ngay"),
    prefs.DIGEST: _l("Thư tổng hợp hằng ngày"),
    prefs.OFF: _l("Không nhận"),
}


class PlainForm(FlaskForm):
    """A form that carries only its CSRF token (mark read, save choices)."""


@bp.app_context_processor
def header_count() -> dict[str, object]:
    """`notification_count()` for the header: one statement, only when a page asks (the
    header asks once; not cached on `g`, which outlives a request in tests and scripts)."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return unread_count(current_user.id)

    return {"notification_count": count}


@bp.route("/notifications")
@login_required
def index() -> str:
    """The person's notices, newest first, unread ones marked."""
    page = page_arg()
    unread_only = request.args.get("unread") == "1"
    notices, more = page_of(current_user.id, page, unread_only)
    return render_template(
        "notifications/index.html",
        notices=notices,
        page=page,
        more=more,
        unread_only=unread_only,
        form=PlainForm(),
        labels=KIND_LABELS,
    )


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read() -> Response:
    """Mark one notice (`id`) or all of them read."""
    form = PlainForm()
    if not form.validate_on_submit():
        flash(_("Phiên làm việc đã hết hạn; hãy thử lại."), "error")
        return redirect(url_for("notifications.index"))
    raw = request.form.get("id")
    if raw is not None and not raw.isdigit():
        flash(_("Thông báo không hợp lệ."), "error")
        return redirect(url_for("notifications.index"))
    ids = [int(raw)] if raw is not None else None
    attempt(lambda: notification_reads.mark_read(current_user, ids), _("Đã đánh dấu đã đọc."))
    return redirect(url_for("notifications.index"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    """Per kind: a mail at once, the daily digest, or nothing."""
    form = PlainForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("Phiên làm việc đã hết hạn; hãy thử lại."), "error")
            return redirect(url_for("notifications.preferences"))
        wanted = {kind: request.form.get(f"mode-{kind}", "") for kind in prefs.KINDS}
        wanted = {k: v for k, v in wanted.items() if v}
        try:
            changed = prefs.set_modes(current_user, wanted)
        except WorkflowError as error:
            flash(error.message, "error")
        else:
            if changed:
                flash(_("Đã lưu lựa chọn nhận thông báo."), "success")
            else:
                flash(_("Không có gì thay đổi."), "info")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html",
        form=form,
        modes=prefs.modes_for(current_user),
        kinds=prefs.KINDS,
        labels=KIND_LABELS,
        mode_labels=MODE_LABELS,
        mode_order=prefs.MODES,
    )


def _bad_link() -> tuple[str, int]:
    return (
        render_template(
            "notifications/unsubscribe.html",
            bad=True,
            message=_(
                "Liên kết hủy nhận thư không hợp lệ hoặc đã bị sửa. Không có gì thay đổi. "
                "Hãy đăng nhập và chọn cách nhận thông báo trong trang «Nhận thông báo»."
            ),
        ),
        400,
    )


@bp.route("/unsubscribe/<token>", methods=["GET"])
def unsubscribe_confirm(token: str) -> str | tuple[str, int]:
    """The page a person reaches from a mail's link: what will stop, and a button."""
    found = read_token(token)
    if found is None:
        return _bad_link()
    _subscriber, kind = found
    return render_template(
        "notifications/unsubscribe.html",
        bad=False,
        done=None,
        token=token,
        kind_label=KIND_LABELS.get(kind, kind),
    )


@bp.route("/unsubscribe/<token>", methods=["POST"])
@csrf.exempt  # RFC 8058: mail clients post "List-Unsubscribe=One-Click" with no session
def unsubscribe(token: str) -> str | tuple[str, int]:
    """One-click unsubscribe: turns the token's kind off for its subscriber, no login."""
    found = read_token(token)
    if found is None:
        return _bad_link()
    subscriber, kind = found
    try:
        changed = prefs.unsubscribe(subscriber, kind)
    except WorkflowError:
        return _bad_link()
    return render_template(
        "notifications/unsubscribe.html",
        bad=False,
        done=True,
        already=not changed,
        kind_label=KIND_LABELS.get(kind, kind),
    )
