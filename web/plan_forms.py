"""Forms of the plan pages: a plan by hand, its header, its items, withdrawal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from web.params import coerce_id

REASON_MAX = 5000
# Rows the create page starts with; "more rows" adds this many again.
ITEM_ROWS = 3


class ItemFieldsMixin:
    """The fields of one plan item, shared by the create page's rows and the item page."""

    number = StringField(_l("STT"), validators=[Optional(), Length(max=40)])
    title = TextAreaField(_l("Nội dung nhiệm vụ"), validators=[Optional(), Length(max=5000)])
    leads = TextAreaField(
        _l("Đơn vị chủ trì (mỗi dòng một đơn vị)"), validators=[Optional(), Length(max=5000)]
    )
    coordinating = TextAreaField(
        _l("Đơn vị phối hợp (mỗi dòng một đơn vị)"), validators=[Optional(), Length(max=5000)]
    )
    timeframe = StringField(_l("Thời gian thực hiện"), validators=[Optional(), Length(max=300)])
    due_on = DateField(
        _l("Hạn hoàn thành"), validators=[Optional()], format=["%Y-%m-%d", "%d/%m/%Y"]
    )


class ItemRowForm(ItemFieldsMixin, Form):
    """One row of the create page (the page's CSRF token covers it)."""


class HeaderFieldsMixin:
    """A plan's header."""

    number = StringField(_l("Số kế hoạch"), validators=[Optional(), Length(max=80)])
    issued_on = DateField(
        _l("Ngày ban hành"), validators=[Optional()], format=["%Y-%m-%d", "%d/%m/%Y"]
    )
    issuer = StringField(_l("Cơ quan ban hành"), validators=[Optional(), Length(max=300)])
    tracking_unit_id = SelectField(_l("Cơ quan thường trực (theo dõi)"), coerce=coerce_id)
    title = TextAreaField(
        _l("Tiêu đề"),
        validators=[DataRequired(_l("Kế hoạch cần có tiêu đề.")), Length(max=5000)],
    )
    year = IntegerField(
        _l("Năm"),
        validators=[
            Optional(),
            NumberRange(1900, 2200, _l("Năm của kế hoạch không hợp lệ.")),
        ],
    )
    period = StringField(_l("Giai đoạn"), validators=[Optional(), Length(max=40)])


class PlanCreateForm(HeaderFieldsMixin, FlaskForm):
    """A whole plan typed by hand: header and item rows."""

    items = FieldList(FormField(ItemRowForm), min_entries=ITEM_ROWS, max_entries=200)


class PlanHeaderForm(HeaderFieldsMixin, FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    reason = TextAreaField(_l("Lý do sửa"), validators=[Optional(), Length(max=REASON_MAX)])


class ItemForm(ItemFieldsMixin, FlaskForm):
    """Add or edit one item."""

    version = IntegerField(validators=[Optional()])
    content = TextAreaField(_l("Ghi chú, sản phẩm"), validators=[Optional(), Length(max=20000)])
    reason = TextAreaField(_l("Lý do"), validators=[Optional(), Length(max=REASON_MAX)])


class ReasonForm(FlaskForm):
    """Remove an item, withdraw a plan: a version and a required reason."""

    version = IntegerField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("Lý do"), validators=[DataRequired(_l("Hãy nêu lý do.")), Length(max=REASON_MAX)]
    )


class MoveForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    direction = HiddenField(validators=[DataRequired()])
