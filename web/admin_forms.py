"""Administration forms (units, groups, aliases, users); CSRF comes with FlaskForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from models import Role, UnitKind
from web.params import coerce_id, coerce_optional_id

# A light shape check only: the mail server is the real judge of an address.
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

KIND_LABELS = {
    UnitKind.AUTHORITY: _l("Cơ quan ban hành"),
    UnitKind.DEPARTMENT: _l("Phòng thuộc Sở"),
    UnitKind.DISTRICT_OFFICE: _l("Phòng GD&ĐT quận, huyện"),
    UnitKind.SCHOOL: _l("Trường học"),
    UnitKind.ORGANIZATION: _l("Tổ chức, đoàn thể"),
}
ROLE_LABELS = {
    Role.ADMIN: _l("Quản trị"),
    Role.COORDINATOR: _l("Điều phối"),
    Role.MEMBER: _l("Thành viên"),
    Role.INSPECTOR: _l("Kiểm tra"),
}


class UnitForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), validators=[Optional(), Length(max=40)])
    name = StringField(
        _l("Tên đơn vị"), validators=[DataRequired(_l("Cần tên đơn vị.")), Length(max=300)]
    )
    kind = SelectField(
        _l("Loại đơn vị"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()]
    )
    parent_id = SelectField(_l("Đơn vị cấp trên"), coerce=coerce_optional_id, validate_choice=False)
    email = EmailField(
        _l("Thư điện tử liên hệ"),
        validators=[
            Optional(),
            Regexp(EMAIL, message=_l("Địa chỉ thư điện tử không hợp lệ.")),
            Length(max=200),
        ],
    )
    active = BooleanField(_l("Đang hoạt động"), default=True)


class GroupForm(FlaskForm):
    name = StringField(
        _l("Tên nhóm"), validators=[DataRequired(_l("Cần tên nhóm.")), Length(max=300)]
    )
    members = SelectMultipleField(_l("Thành viên"), coerce=coerce_id, validate_choice=False)


class AliasForm(FlaskForm):
    text = StringField(
        _l("Tên gọi khác"), validators=[DataRequired(_l("Hãy nhập tên gọi khác.")), Length(max=300)]
    )


class UserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[Optional(), Length(max=80)])
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
        _l("Vai trò"), choices=[SelectChoice(r.value, v) for r, v in ROLE_LABELS.items()]
    )
    active = BooleanField(_l("Đang hoạt động"), default=True)
    password = PasswordField(_l("Mật khẩu ban đầu"), validators=[Optional(), Length(max=200)])


class PasswordResetForm(FlaskForm):
    new_password = PasswordField(
        _l("Mật khẩu mới"), validators=[DataRequired(_l("Hãy nhập mật khẩu mới.")), Length(max=200)]
    )
