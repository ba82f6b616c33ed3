"""The forms of a task's discussion: a new comment (with files) and an edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from workflow.comments import COMMENT_MAX_CHARS


class CommentForm(FlaskForm):
    text = TextAreaField(
        _l("Bình luận"),
        validators=[
            DataRequired(_l("Bình luận cần có nội dung.")),
            Length(max=COMMENT_MAX_CHARS),
        ],
    )
    files = MultipleFileField(_l("Tệp đính kèm"))


class CommentEditForm(FlaskForm):
    text = TextAreaField(
        _l("Sửa bình luận"),
        validators=[
            DataRequired(_l("Bình luận cần có nội dung.")),
            Length(max=COMMENT_MAX_CHARS),
        ],
    )
