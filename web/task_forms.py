"""Forms of the task page beyond the foundation's: reassign, deadline, requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from web.params import coerce_id

REASON = [DataRequired(_l("Hãy nêu lý do.")), Length(max=5000)]


class ReassignForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    unit_id = SelectField(_l("Đơn vị chủ trì mới"), coerce=coerce_id)
    reason = TextAreaField(_l("Lý do giao lại"), validators=REASON)


class DueDateForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    due_on = DateField(_l("Hạn mới"), validators=[DataRequired(_l("Hãy chọn ngày."))])
    reason = TextAreaField(_l("Lý do đổi hạn"), validators=REASON)


class ExtensionForm(FlaskForm):
    due_on = DateField(_l("Hạn đề nghị"), validators=[DataRequired(_l("Hãy chọn ngày."))])
    reason = TextAreaField(_l("Lý do xin gia hạn"), validators=REASON)


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Lý do"), validators=[Length(max=5000)])


class QuestionForm(FlaskForm):
    question = TextAreaField(
        _l("Nội dung cần giải trình"),
        validators=[DataRequired(_l("Hãy nêu nội dung cần giải trình.")), Length(max=5000)],
    )


class ExplanationForm(FlaskForm):
    explanation = TextAreaField(
        _l("Nội dung giải trình"),
        validators=[DataRequired(_l("Hãy nhập nội dung giải trình.")), Length(max=5000)],
    )
