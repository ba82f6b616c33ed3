"""Comments on a task: who may add and edit, what mentions resolve to, what is audited and
who the `comment_added` signal names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from models import Attachment, Comment, Role, TaskState, User, db
from tests.foundation.helpers import event_count, events_for, find_task
from workflow import comments
from workflow import tasks as task_service
from workflow.attachments import UploadedFile
from workflow.errors import InvalidInput, PermissionDenied
from workflow.signals import comment_added

# 4403/KH-SGDĐT item 2: TCCB leads, Công đoàn ngành (CDN) coordinates, GDTX tracks.
PLAN, ITEM = "4403/KH-SGDĐT", "2"


@pytest.fixture
def task(demo_app):  # noqa: ANN001
    return find_task(PLAN, ITEM)


@pytest.fixture
def told() -> Iterator[list[dict]]:
    """What comment_added announced, one dict per send."""
    sent: list[dict] = []

    def receiver(sender, **kwargs) -> None:  # noqa: ANN001
        sent.append({"task_id": sender.id, **kwargs})

    comment_added.connect(receiver)
    yield sent
    comment_added.disconnect(receiver)


def _unit_staff(code: str) -> set[int]:
    from models import Unit

    return set(
        db.session.execute(
            sa.select(User.id)
            .join(Unit, User.unit_id == Unit.id)
            .where(
                Unit.code == code,
                User.active.is_(True),
                User.role.in_([Role.MEMBER, Role.COORDINATOR]),
            )
        ).scalars()
    )


def test_anyone_who_sees_the_task_comments_and_it_is_audited(task, users, told):  # noqa: ANN001
    for who in ("tccb.member", "cdn.member", "gdtx.coordinator", "sgddt.inspector"):
        comments.add_comment(task.id, users(who), text=f"Ý kiến của {who}")
    rows = db.session.execute(sa.select(Comment).where(Comment.task_id == task.id)).scalars().all()
    assert [c.author.username for c in rows] == [
        "tccb.member",
        "cdn.member",
        "gdtx.coordinator",
        "sgddt.inspector",
    ]
    audited = [e for e in events_for(task.id) if e.action == "task.comment"]
    assert [e.after["text"] for e in audited] == [c.text for c in rows]
    assert [e.after["comment_id"] for e in audited] == [c.id for c in rows]
    assert audited[0].actor_id == users("tccb.member").id
    assert len(told) == 4 and all(t["mentioned_user_ids"] == [] for t in told)


def test_someone_who_cannot_see_the_task_cannot_comment(task, users, told):  # noqa: ANN001
    before = event_count()
    for who in ("thcs-lqd8.member", "pgd-q3.coordinator"):
        with pytest.raises(PermissionDenied):
            comments.add_comment(task.id, users(who), text="Tôi xem được không?")
    assert db.session.execute(sa.select(sa.func.count(Comment.id))).scalar_one() == 0
    assert event_count() == before and told == []


def test_empty_comment_is_refused_and_changes_nothing(task, users):  # noqa: ANN001
    before = event_count()
    with pytest.raises(InvalidInput, match="Bình luận cần có nội dung"):
        comments.add_comment(task.id, users("tccb.member"), text="   ")
    assert event_count() == before


def test_mentions_resolve_only_to_people_and_units_who_see_the_task(task, users, told):  # noqa: ANN001
    author = users("tccb.member")
    comment_id = comments.add_comment(
        task.id,
        author,
        text=(
            "Nhờ @gdtx.coordinator xem, @CDN góp ý; @thcs-lqd8.member và @PGD-Q3 không liên "
            "quan; @khong.co.ai cũng vậy; thư gửi tccb@sgddt.vn. Cả @tccb.member."
        ),
    )
    comment = db.session.get(Comment, comment_id)
    assert [(m["token"], m["kind"]) for m in comment.mentions] == [
        ("gdtx.coordinator", "user"),
        ("CDN", "unit"),
        ("tccb.member", "user"),
    ]
    (sent,) = told
    expected = ({users("gdtx.coordinator").id} | _unit_staff("CDN")) - {author.id}
    assert set(sent["mentioned_user_ids"]) == expected
    assert users("thcs-lqd8.member").id not in sent["mentioned_user_ids"]
    assert not _unit_staff("PGD-Q3") & set(sent["mentioned_user_ids"])
    # The author mentioning themself is not told.
    assert author.id not in sent["mentioned_user_ids"]
    assert sent["comment_id"] == comment_id and sent["edited"] is False
    event = [e for e in events_for(task.id) if e.action == "task.comment"][-1]
    assert event.after["mentions"] == ["gdtx.coordinator", "CDN", "tccb.member"]


def test_an_inactive_person_is_not_mentioned(task, users, told):  # noqa: ANN001
    person = users("gdtx.coordinator")
    person.active = False
    db.session.commit()
    comments.add_comment(task.id, users("tccb.member"), text="Hỏi @gdtx.coordinator")
    assert told[0]["mentioned_user_ids"] == []


def test_only_the_author_edits_and_the_old_text_stays_in_the_trail(task, users, told):  # noqa: ANN001
    author = users("cdn.member")
    comment_id = comments.add_comment(task.id, author, text="Bản đầu")
    with pytest.raises(PermissionDenied, match="Chỉ người viết"):
        comments.edit_comment(comment_id, users("gdtx.coordinator"), text="Sửa hộ")
    comments.edit_comment(comment_id, author, text="Bản sửa, nhờ @gdtx.coordinator")
    comment = db.session.get(Comment, comment_id)
    assert comment.text == "Bản sửa, nhờ @gdtx.coordinator" and comment.edited_at is not None
    (event,) = [e for e in events_for(task.id) if e.action == "task.comment_edit"]
    assert event.before["text"] == "Bản đầu"
    assert event.after["text"] == "Bản sửa, nhờ @gdtx.coordinator"
    assert event.actor_id == author.id
    # Only the person newly mentioned is told, once.
    assert told[-1]["edited"] is True
    assert told[-1]["mentioned_user_ids"] == [users("gdtx.coordinator").id]
    sends = len(told)
    comments.edit_comment(comment_id, author, text="Bản sửa lần hai, vẫn @gdtx.coordinator")
    assert len(told) == sends


def test_no_edit_once_the_task_has_ended(task, users):  # noqa: ANN001
    author = users("tccb.member")
    comment_id = comments.add_comment(task.id, author, text="Trước khi huỷ")
    task_service.cancel_task(
        task.id, users("gdtx.coordinator"), expected_version=None, reason="Không còn cần"
    )
    assert find_task(PLAN, ITEM).state == TaskState.CANCELLED
    before = event_count()
    with pytest.raises(PermissionDenied, match="đã kết thúc"):
        comments.edit_comment(comment_id, author, text="Sau khi huỷ")
    assert db.session.get(Comment, comment_id).text == "Trước khi huỷ"
    assert event_count() == before


def test_comment_keeps_its_attachments(task, users):  # noqa: ANN001
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    comment_id = comments.add_comment(
        task.id,
        users("tccb.member"),
        text="Kèm dự thảo",
        files=[UploadedFile("du-thao.pdf", pdf)],
    )
    comment = db.session.get(Comment, comment_id)
    assert [a.filename for a in comment.attachments] == ["du-thao.pdf"]
    assert comment.attachments[0].task_id == task.id
    event = [e for e in events_for(task.id) if e.action == "task.comment"][-1]
    assert event.after["attachments"] == ["du-thao.pdf"]


def test_a_refused_attachment_refuses_the_comment(task, users):  # noqa: ANN001
    before = event_count()
    with pytest.raises(InvalidInput):
        comments.add_comment(
            task.id,
            users("tccb.member"),
            text="Kèm tệp lạ",
            files=[UploadedFile("virus.exe", b"MZ\x90\x00binary")],
        )
    assert event_count() == before
    assert db.session.execute(sa.select(sa.func.count(Comment.id))).scalar_one() == 0
    assert (
        db.session.execute(
            sa.select(sa.func.count(Attachment.id)).where(Attachment.filename == "virus.exe")
        ).scalar_one()
        == 0
    )
