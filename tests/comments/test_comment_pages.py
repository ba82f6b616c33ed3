"""Comments through the task page: the form, the thread, mentions as links, edits."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Comment, db
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login, logout

PLAN, ITEM = "4403/KH-SGDĐT", "2"  # TCCB leads, CDN coordinates, GDTX tracks


def _post_comment(client, task_id: int, text: str):  # noqa: ANN001, ANN202
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    return client.post(
        f"/tasks/{task_id}/comments",
        data={"csrf_token": csrf_token(page), "text": text},
        follow_redirects=True,
    )


def _last_comment_html(page: str) -> str:
    return page.split('class="entry entry-comment"')[-1].split("</li>")[0]


def test_comment_with_mentions_shows_in_the_thread(client):  # noqa: ANN001
    task_id = find_task(PLAN, ITEM).id
    login(client, "tccb.member")
    response = _post_comment(
        client, task_id, "Nhờ @gdtx.coordinator và @CDN xem; @thcs-lqd8.member thì không."
    )
    page = response.get_data(as_text=True)
    assert "Đã gửi bình luận." in page
    entry = _last_comment_html(page)
    assert re.search(r'<a class="mention mention-user"[^>]*>@gdtx.coordinator</a>', entry)
    assert re.search(r'<a class="mention mention-unit"[^>]*>@CDN</a>', entry)
    # Someone who cannot see the task stays plain text: no link, no name in a title.
    assert "@thcs-lqd8.member thì không." in entry
    assert not re.search(r"<a[^>]*>@thcs-lqd8.member", entry)
    # The thread ends with the comment, after the task's creation.
    assert page.index("Tạo nhiệm vụ") < page.index('class="entry entry-comment"')


def test_someone_who_cannot_see_the_task_cannot_post(client):  # noqa: ANN001
    task_id = find_task(PLAN, ITEM).id
    login(client, "thcs-lqd8.member")
    page = client.get("/my-tasks").get_data(as_text=True)
    response = client.post(
        f"/tasks/{task_id}/comments", data={"csrf_token": csrf_token(page), "text": "Xin chào"}
    )
    assert response.status_code == 403
    assert db.session.execute(sa.select(sa.func.count(Comment.id))).scalar_one() == 0


def test_empty_comment_says_why_and_saves_nothing(client):  # noqa: ANN001
    task_id = find_task(PLAN, ITEM).id
    login(client, "tccb.member")
    page = _post_comment(client, task_id, "   ").get_data(as_text=True)
    assert "Bình luận cần có nội dung." in page
    assert db.session.execute(sa.select(sa.func.count(Comment.id))).scalar_one() == 0


def test_only_the_author_edits_and_the_thread_says_edited(client):  # noqa: ANN001
    task_id = find_task(PLAN, ITEM).id
    login(client, "tccb.member")
    page = _post_comment(client, task_id, "Bản đầu").get_data(as_text=True)
    comment_id = db.session.execute(sa.select(Comment.id)).scalar_one()
    assert f'action="/tasks/comments/{comment_id}/edit"' in page
    logout(client)

    login(client, "gdtx.coordinator")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'action="/tasks/comments/{comment_id}/edit"' not in page  # not offered
    page = client.post(
        f"/tasks/comments/{comment_id}/edit",
        data={"csrf_token": csrf_token(page), "text": "Sửa hộ"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Chỉ người viết mới được sửa bình luận của mình." in page
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).text == "Bản đầu"
    logout(client)

    login(client, "tccb.member")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    page = client.post(
        f"/tasks/comments/{comment_id}/edit",
        data={"csrf_token": csrf_token(page), "text": "Bản sửa"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Đã sửa bình luận." in page
    entry = _last_comment_html(page)
    assert "Bản sửa" in entry and "đã sửa" in entry


def test_inspector_reads_the_thread_but_has_no_comment_form(client, users):  # noqa: ANN001
    from workflow import comments

    task_id = find_task(PLAN, ITEM).id
    comments.add_comment(task_id, users("tccb.member"), text="Đã gửi dự thảo")
    login(client, "sgddt.inspector")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Đã gửi dự thảo" in page and 'id="comment-form"' not in page
