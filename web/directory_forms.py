"""Forms of the directory pages: import upload and confirm, merge, retire, district users.

CSRF comes with FlaskForm; the workflow checks everything again.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from models import Role
from web.admin_forms import EMAIL, ROLE_LABELS
from web.params import coerce_id

REASON = _l("Lý do (ví dụ: số quyết định)")


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Tệp danh mục (CSV UTF-8 hoặc XLSX)"))


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    reason = StringField(REASON, validators=[Optional(), Length(max=1000)])


class MergeForm(FlaskForm):
    sources = TextAreaField(
        _l("Mã các đơn vị được sáp nhập (mỗi dòng một mã)"),
        validators=[DataRequired(_l("Hãy nhập mã đơn vị được sáp nhập.")), Length(max=4000)],
    )
    successor = StringField(
        _l("Mã đơn vị tiếp nhận"),
        validators=[DataRequired(_l("Hãy nhập mã đơn vị tiếp nhận.")), Length(max=40)],
    )
    new_name = StringField(
        _l("Tên mới của đơn vị tiếp nhận (nếu đổi)"), validators=[Optional(), Length(max=300)]
    )
    reason = StringField(REASON, validators=[DataRequired(_l("Hãy nêu lý do.")), Length(max=1000)])


class RetireForm(FlaskForm):
    unit = StringField(
        _l("Mã đơn vị giải thể"),
        validators=[DataRequired(_l("Hãy nhập mã đơn vị.")), Length(max=40)],
    )
    successor = StringField(
        _l("Mã đơn vị kế thừa (nếu có)"), validators=[Optional(), Length(max=40)]
    )
    reason = StringField(REASON, validators=[DataRequired(_l("Hãy nêu lý do.")), Length(max=1000)])


class SchoolUserForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Cần tên đăng nhập.")), Length(max=80)],
    )
    full_name = StringField(
        _l("Họ tên"), validators=[DataRequired(_l("Cần họ tên.")), Length(max=200)]
    )
    email = EmailField(
        _l("Thư điện tử"),
        validators=[
            Optional(),
            Regexp(EMAIL, message=_l("Địa chỉ thư điện tử không hợp lệ.")),
            Length(max=200),
        ],
    )
    unit_id = SelectField(_l("Đơn vị"), coerce=coerce_id, validate_choice=False)
    role = SelectField(
        _l("Vai trò"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in (Role.MEMBER, Role.COORDINATOR)],
    )
    password = PasswordField(
        _l("Mật khẩu ban đầu"),
        validators=[DataRequired(_l("Cần mật khẩu ban đầu.")), Length(max=200)],
    )


class ToggleForm(FlaskForm):
    """A bare POST with its CSRF token (activate or deactivate a user)."""


class ResetPasswordForm(FlaskForm):
    """A district office sets a new password for one of its schools' accounts."""

    password = PasswordField(
        _l("Mật khẩu mới"),
        validators=[DataRequired(_l("Cần mật khẩu mới.")), Length(max=200)],
    )
