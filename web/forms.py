"""WTForms forms; CSRF comes with FlaskForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"), validators=[DataRequired(_l("Hãy nhập tên đăng nhập."))]
    )
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Hãy nhập mật khẩu."))])


class TransitionForm(FlaskForm):
    event = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    reason = TextAreaField(_l("Lý do"), validators=[Optional(), Length(max=5000)])


class ReportForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    text = TextAreaField(
        _l("Nội dung báo cáo"),
        validators=[DataRequired(_l("Báo cáo cần có nội dung.")), Length(max=50_000)],
    )
    files = MultipleFileField(_l("Tệp đính kèm"))


class ContributionForm(FlaskForm):
    text = TextAreaField(
        _l("Nội dung đóng góp"),
        validators=[DataRequired(_l("Đóng góp cần có nội dung.")), Length(max=20_000)],
    )
    files = MultipleFileField(_l("Tệp đính kèm"))
