"""The user's own account pages under /account: profile, password, reset by mail.

The reset pages are open to anonymous visitors; asking for a link answers the same
whether or not the address has an account (workflow.account).
"""

from __future__ import annotations

import math

from flask import Blueprint, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from notifications.account_mail import queue_reset_mail
from notifications.render import base_url
from web.views.auth import SESSION_GENERATION
from web.views.calendar import personal_feed_url
from workflow import account as account_service
from workflow.account import ResetMail, ResetThrottled
from workflow.errors import WorkflowError

bp = Blueprint("profile", __name__, url_prefix="/account")


class ProfileForm(FlaskForm):
    full_name = StringField(
        _l("Họ tên"), validators=[DataRequired(_l("Cần họ tên.")), Length(max=200)]
    )
    email = EmailField(
        _l("Địa chỉ thư"), validators=[DataRequired(_l("Cần địa chỉ thư.")), Length(max=200)]
    )
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=30)])


class PasswordForm(FlaskForm):
    current = PasswordField(
        _l("Mật khẩu hiện tại"), validators=[DataRequired(_l("Cần mật khẩu hiện tại."))]
    )
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Cần mật khẩu mới."))])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(_l("Hãy nhập lại mật khẩu mới."))]
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Địa chỉ thư của tài khoản"),
        validators=[DataRequired(_l("Hãy nhập địa chỉ thư của tài khoản."))],
    )


class ResetForm(FlaskForm):
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(_l("Cần mật khẩu mới."))])
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"), validators=[DataRequired(_l("Hãy nhập lại mật khẩu mới."))]
    )


def _flash_form_errors(form: FlaskForm) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit() -> str | Response:
    """Show and change the user's name, mail address and phone."""
    # Posted values win over the account's (Flask-WTF reads the form data first).
    form = ProfileForm(obj=current_user)
    if form.is_submitted():
        if not form.validate():
            _flash_form_errors(form)
        else:
            try:
                account_service.update_profile(
                    current_user.id,
                    full_name=form.full_name.data or "",
                    email=form.email.data or "",
                    phone=form.phone.data,
                )
            except WorkflowError as error:
                flash(error.message, "error")
            else:
                flash(gettext("Đã lưu thông tin cá nhân."), "success")
                return redirect(url_for("profile.edit"))
    return render_template(
        "account/profile.html",
        form=form,
        feed_url=personal_feed_url(current_user.id),
        link_next=url_for("profile.edit"),
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    """Change the password; every other session of the user ends, this one stays."""
    form = PasswordForm()
    if form.is_submitted():
        if not form.validate():
            _flash_form_errors(form)
        else:
            try:
                generation = account_service.change_own_password(
                    current_user.id, form.current.data, form.new.data, form.confirm.data
                )
            except WorkflowError as error:
                flash(error.message, "error")
            else:
                # The generation was raised to end the other sessions: keep this one.
                session[SESSION_GENERATION] = generation
                flash(
                    gettext("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc."),
                    "success",
                )
                return redirect(url_for("profile.edit"))
    return render_template("account/password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request() -> str | Response:
    """Ask for a reset link by mail; the same answer for every well-formed address."""
    form = ResetRequestForm()
    if form.is_submitted():
        if not form.validate():
            _flash_form_errors(form)
        else:
            try:
                account_service.request_password_reset(form.email.data or "", _deliver)
            except ResetThrottled as error:
                flash(error.message, "error")
                response = make_response(
                    render_template("account/reset_request.html", form=form), 429
                )
                response.headers["Retry-After"] = str(
                    max(1, math.ceil(error.retry_after.total_seconds()))
                )
                return response
            except WorkflowError as error:
                flash(error.message, "error")
            else:
                flash(
                    gettext(
                        "Nếu địa chỉ này thuộc một tài khoản đang hoạt động, một liên kết đặt "
                        "lại mật khẩu đã được gửi tới đó. Liên kết có hiệu lực trong 1 giờ."
                    ),
                    "info",
                )
                return redirect(url_for("auth.login"))
    return render_template("account/reset_request.html", form=form)


def _deliver(mail: ResetMail) -> None:
    # BASE_URL, never the request's Host header: a forged Host must not receive the token.
    link = base_url() + url_for("profile.reset", token=mail.token)
    queue_reset_mail(mail, link)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> str | Response | tuple[str, int]:
    """Set a new password from the mailed link (one use, within the hour)."""
    if not account_service.reset_link_is_valid(token):
        flash(
            gettext(
                "Liên kết đặt lại mật khẩu không còn hiệu lực (đã dùng hoặc quá 1 giờ). "
                "Hãy yêu cầu một liên kết mới."
            ),
            "error",
        )
        return render_template("account/reset_request.html", form=ResetRequestForm()), 410
    form = ResetForm()
    if form.is_submitted():
        if not form.validate():
            _flash_form_errors(form)
        else:
            try:
                account_service.reset_password(token, form.new.data, form.confirm.data)
            except WorkflowError as error:
                flash(error.message, "error")
            else:
                flash(gettext("Đã đặt mật khẩu mới. Hãy đăng nhập."), "success")
                return redirect(url_for("auth.login"))
    return render_template("account/reset.html", form=form, token=token)
