"""Discussion on a task: comments, the mentions they resolved to, and their files."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db, utcnow
from models.tasks import Attachment
from models.users import User

# Files attached to a comment. A link table rather than a column on attachments, so the
# attachments table (shared with reports and contributions) keeps its shape.
comment_attachments = sa.Table(
    "comment_attachments",
    db.metadata,
    sa.Column("comment_id", sa.ForeignKey("comments.id"), primary_key=True),
    sa.Column("attachment_id", sa.ForeignKey("attachments.id"), primary_key=True),
)


class Comment(db.Model):
    """One message in a task's discussion ("trao đổi").

    `mentions` keeps what each @token resolved to when the comment was written or last
    edited: [{"token": "gdtx.member", "kind": "user" | "unit", "id": 5}]. Only people and
    units that could see the task are there; any other @token stays plain text. The text
    before an edit is kept in the audit event (task.comment_edit), not here.
    """

    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    mentions: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    author: Mapped[User] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        secondary=comment_attachments, order_by=Attachment.id
    )
