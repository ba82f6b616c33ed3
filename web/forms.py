"""WTForms forms; CSRF comes with FlaskForm."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Hãy nhập tên đăng nhập.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Hãy nhập mật khẩu.")])


class TransitionForm(FlaskForm):
    event = HiddenField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    reason = TextAreaField("Lý do", validators=[Optional(), Length(max=5000)])


class ReportForm(FlaskForm):
    version = IntegerField(validators=[DataRequired()])
    text = TextAreaField(
        "Nội dung báo cáo",
        validators=[DataRequired("Báo cáo cần có nội dung."), Length(max=50_000)],
    )
    files = MultipleFileField("Tệp đính kèm")


class ContributionForm(FlaskForm):
    text = TextAreaField(
        "Nội dung đóng góp",
        validators=[DataRequired("Đóng góp cần có nội dung."), Length(max=20_000)],
    )
    files = MultipleFileField("Tệp đính kèm")
