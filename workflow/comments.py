"""Discussion on a task: add and edit comments, with @mentions and attachments.

Anyone who may see a task may comment on it; only the author edits a comment, and only
while the task is open (assigned, in progress or reported). Each change writes its audit
event on the task in the same transaction (task.comment, task.comment_edit; an edit keeps
the previous text in the event's `before`) and sends `comment_added` after the flush,
inside the unit of work, naming the people to tell.

A mention is "@" followed by a username ("@gdtx.member") or a unit code ("@PGD-Q1"). It
resolves only to an active person or unit that can see the task; anything else stays
plain text and tells nobody, so a mention cannot leak a task to someone outside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from models import Comment, Role, Task, Unit, User, db
from workflow import audit, clock, permissions
from workflow.attachments import UploadedFile, store_attachments
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.signals import comment_added
from workflow.tasks import load_task
from workflow.transaction import unit_of_work

COMMENT_MAX_CHARS = 20_000
# "@" not preceded by a word character (so "a@b.vn" is not a mention), then a name that
# starts and ends with a letter or digit: "@gdtx.member." mentions "gdtx.member".
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


@dataclass(frozen=True)
class _UnitAsViewer:
    """A unit's ordinary member, to ask permissions.can_view whether the unit sees a task
    (the visibility rule stays in one place)."""

    unit_id: int
    role: Role = Role.MEMBER


def mention_tokens(text: str) -> list[str]:
    """The @tokens of a text, in order, each once (case kept as typed)."""
    seen: dict[str, str] = {}
    for match in MENTION.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), match.group(1))
    return list(seen.values())


@dataclass(frozen=True)
class Resolved:
    """What a text's mentions resolved to: stored on the comment, and who to tell."""

    mentions: list[dict[str, Any]]
    user_ids: set[int]


def resolve_mentions(task: Task, text: str, author: User) -> Resolved:
    """Resolve the text's @tokens to people and units that can see `task` (three statements
    at most, whatever the number of mentions); the author is never told of their own."""
    tokens = {t.lower(): t for t in mention_tokens(text)}
    if not tokens:
        return Resolved([], set())
    people = {
        u.username.lower(): u
        for u in db.session.execute(
            sa.select(User).where(sa.func.lower(User.username).in_(tokens), User.active.is_(True))
        ).scalars()
    }
    units = {
        u.code.lower(): u
        for u in db.session.execute(
            sa.select(Unit).where(sa.func.lower(Unit.code).in_(tokens), Unit.active.is_(True))
        ).scalars()
    }
    mentions: list[dict[str, Any]] = []
    user_ids: set[int] = set()
    unit_ids: list[int] = []
    for key, token in tokens.items():
        person = people.get(key)
        if person is not None:
            if permissions.can_view(task, person):
                mentions.append({"token": token, "kind": "user", "id": person.id})
                user_ids.add(person.id)
            continue
        unit = units.get(key)
        if unit is not None and permissions.can_view(task, _UnitAsViewer(unit.id)):  # type: ignore[arg-type]
            mentions.append({"token": token, "kind": "unit", "id": unit.id})
            unit_ids.append(unit.id)
    if unit_ids:
        # A unit is told through its working staff (not inspectors or admins of it).
        user_ids.update(
            db.session.execute(
                sa.select(User.id).where(
                    User.unit_id.in_(unit_ids),
                    User.active.is_(True),
                    User.role.in_(permissions.ACTING_ROLES),
                )
            ).scalars()
        )
    user_ids.discard(author.id)
    return Resolved(mentions, user_ids)


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Bình luận cần có nội dung.")
    if len(text) > COMMENT_MAX_CHARS:
        raise InvalidInput(
            "Bình luận dài quá %(comment_max_chars)s ký tự.",
            comment_max_chars=COMMENT_MAX_CHARS,
        )
    return text


def add_comment(
    task_id: int, actor: User, *, text: str, files: list[UploadedFile] | None = None
) -> int:
    """Add a comment to a task the actor can see; returns the comment's id."""
    text = _clean(text)
    with unit_of_work():
        task = load_task(task_id)
        if not permissions.can_view(task, actor):
            raise PermissionDenied("Bạn không có quyền xem nhiệm vụ này.")
        resolved = resolve_mentions(task, text, actor)
        comment = Comment(
            task_id=task.id,
            author_id=actor.id,
            text=text,
            mentions=resolved.mentions,
            created_at=clock.now(),
        )
        db.session.add(comment)
        db.session.flush()
        stored = store_attachments(files or [], task=task, uploader=actor)
        comment.attachments.extend(stored)
        audit.record(
            "task.comment",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            after={
                "comment_id": comment.id,
                "text": text,
                "mentions": [m["token"] for m in resolved.mentions],
                "attachments": [a.filename for a in stored],
            },
        )
        db.session.flush()
        comment_added.send(
            task,
            comment_id=comment.id,
            actor=actor,
            edited=False,
            mentioned_user_ids=sorted(resolved.user_ids),
        )
        comment_id = comment.id
    return comment_id


def can_edit_comment(task: Task, comment: Comment, user: User) -> bool:
    """The author, while they can still see the task and the task is open."""
    return (
        comment.author_id == user.id
        and task.state in permissions.OPEN_STATES
        and permissions.can_view(task, user)
    )


def edit_comment(comment_id: int, actor: User, *, text: str) -> None:
    """The author rewrites a comment; the previous text stays in the audit event.

    People mentioned for the first time by the edit are told; those already mentioned
    are not told twice."""
    text = _clean(text)
    with unit_of_work():
        comment = db.session.get(Comment, comment_id)
        if comment is None:
            raise NotFound("Không tìm thấy bình luận.")
        task = load_task(comment.task_id)
        if comment.author_id != actor.id:
            raise PermissionDenied("Chỉ người viết mới được sửa bình luận của mình.")
        if not can_edit_comment(task, comment, actor):
            raise PermissionDenied("Nhiệm vụ đã kết thúc; không sửa bình luận được nữa.")
        if text == comment.text:
            raise InvalidInput("Nội dung bình luận không thay đổi.")
        before_text, before_mentions = comment.text, list(comment.mentions or [])
        already = resolve_mentions(task, before_text, actor).user_ids
        resolved = resolve_mentions(task, text, actor)
        comment.text = text
        comment.mentions = resolved.mentions
        comment.edited_at = clock.now()
        audit.record(
            "task.comment_edit",
            actor=actor,
            object_type="task",
            object_id=task.id,
            plan_id=task.plan_id,
            before={
                "comment_id": comment.id,
                "text": before_text,
                "mentions": [m["token"] for m in before_mentions],
            },
            after={
                "comment_id": comment.id,
                "text": text,
                "mentions": [m["token"] for m in resolved.mentions],
            },
        )
        db.session.flush()
        new_people = resolved.user_ids - already
        if new_people:
            comment_added.send(
                task,
                comment_id=comment.id,
                actor=actor,
                edited=True,
                mentioned_user_ids=sorted(new_people),
            )
