"""The user's own settings: personal access tokens for the API (create, revoke).

A new token's secret is shown once, in the answer to the form that created it: never
flashed (the flash lives in the signed but readable session cookie) and never stored.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from models import Role
from web.feedback import attempt
from workflow import tokens as token_service
from workflow.errors import WorkflowError

bp = Blueprint("account", __name__, url_prefix="/account")


class TokenForm(FlaskForm):
    name = StringField(
        _l("Tên mã (để nhận ra nó sau này)"),
        validators=[
            DataRequired(_l("Hãy đặt tên cho mã truy cập.")),
            Length(max=token_service.MAX_NAME_CHARS),
        ],
    )
    scope = SelectField(
        _l("Phạm vi"),
        choices=[
            SelectChoice("read", _l("Chỉ đọc (read)")),
            SelectChoice("write", _l("Đọc và ghi (write)")),
        ],
    )


class RevokeForm(FlaskForm):
    pass


def _form() -> TokenForm:
    form = TokenForm()
    if current_user.role == Role.INSPECTOR:
        # Inspectors change nothing: a write token is not offered (the service refuses it).
        form.scope.choices = [SelectChoice("read", _l("Chỉ đọc (read)"))]
    return form


def _page(form: TokenForm, secret: str | None = None) -> str:
    return render_template(
        "account/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=token_service.user_tokens(current_user.id),
        secret=secret,
    )


@bp.route("/tokens")
@login_required
def tokens() -> str:
    """The user's tokens and the form to create one."""
    return _page(_form())


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token() -> str:
    """Create a token; its secret is shown on this answer only."""
    form = _form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _page(form)
    try:
        created = token_service.create_token(
            current_user.id, current_user, scope=form.scope.data, name=form.name.data
        )
    except WorkflowError as error:
        flash(error.message, "error")
        return _page(form)
    flash(gettext("Đã tạo mã truy cập. Hãy sao chép ngay: mã chỉ hiện một lần."), "success")
    return _page(_form(), secret=created.secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Response:
    """Revoke one of the user's tokens."""
    if RevokeForm().validate_on_submit():
        attempt(
            lambda: token_service.revoke_token(token_id, current_user),
            gettext("Đã thu hồi mã truy cập."),
        )
    else:
        flash(gettext("Biểu mẫu không hợp lệ. Hãy thử lại."), "error")
    return redirect(url_for("account.tokens"))
