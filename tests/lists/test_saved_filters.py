"""Saved filters: a person's named filter sets above a list; per person and audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g

from models import SavedFilter, db
from tests.foundation.web import csrf_token, login
from tests.lists.helpers import event_total, events, flashes

QUERY = "state=assigned&quarter=2024-Q3&page=4&format=csv&csrf_token=x"


def _post(client, url: str, **data: str):  # noqa: ANN001, ANN202
    token = csrf_token(client.get("/my-tasks").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _save(client, name: str, query: str = QUERY, list_name: str = "units.mine"):  # noqa: ANN001, ANN202
    return _post(client, "/lists/filters", list=list_name, name=name, query=query)


def _mine(username_id: int) -> list[SavedFilter]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(SavedFilter)
            .where(SavedFilter.user_id == username_id)
            .order_by(SavedFilter.id)
        ).scalars()
    )


def test_save_keeps_only_the_filter_and_shows_it_above_the_list(client, users):
    login(client, "gdtx.member")
    response = _save(client, "  Việc chưa bắt đầu   quý III ")
    # Back to the list, filtered as saved.
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-tasks?quarter=2024-Q3&state=assigned")
    (saved,) = _mine(users("gdtx.member").id)
    assert saved.name == "Việc chưa bắt đầu quý III"
    assert saved.query == "quarter=2024-Q3&state=assigned", "paging and format are not a filter"
    page = client.get("/my-tasks").get_data(as_text=True)
    assert f'data-filter="{saved.id}"' in page
    assert 'href="/my-tasks?quarter=2024-Q3&amp;state=assigned"' in page
    (event,) = events("filter.save")
    assert event.object_id == saved.id and event.actor_id == users("gdtx.member").id
    assert event.after["query"] == saved.query


def test_rename_and_delete_are_audited(client, users):
    login(client, "gdtx.member")
    _save(client, "A")
    (saved,) = _mine(users("gdtx.member").id)
    _post(client, f"/lists/filters/{saved.id}/rename", name="Quá hạn", next="/my-tasks")
    assert "Đã đổi tên bộ lọc." in flashes(client)
    assert _mine(users("gdtx.member").id)[0].name == "Quá hạn"
    (renamed,) = events("filter.rename")
    assert renamed.before == {"name": "A"} and renamed.after == {"name": "Quá hạn"}
    _post(client, f"/lists/filters/{saved.id}/delete", next="/my-tasks")
    assert "Đã xóa bộ lọc." in flashes(client)
    assert _mine(users("gdtx.member").id) == []
    (deleted,) = events("filter.delete")
    assert deleted.object_id == saved.id and deleted.before["name"] == "Quá hạn"


def test_another_user_neither_sees_nor_changes_my_filter(demo_app, users):
    mine = demo_app.test_client()
    login(mine, "gdtx.member")
    _save(mine, "Của tôi")
    (saved,) = _mine(users("gdtx.member").id)

    other = demo_app.test_client()
    login(other, "gdtx.member2")
    count = event_total()
    assert f'data-filter="{saved.id}"' not in other.get("/my-tasks").get_data(as_text=True)
    assert "Của tôi" not in other.get("/my-tasks").get_data(as_text=True)
    _post(other, f"/lists/filters/{saved.id}/rename", name="Của bạn")
    assert "Không tìm thấy bộ lọc này." in flashes(other)
    _post(other, f"/lists/filters/{saved.id}/delete")
    assert "Không tìm thấy bộ lọc này." in flashes(other)
    (still,) = _mine(users("gdtx.member").id)
    assert still.name == "Của tôi" and event_total() == count


def test_bad_input_says_why_and_saves_nothing(client, users):
    login(client, "gdtx.member")
    _save(client, "Trùng")
    count = event_total()
    cases = [
        (dict(name="   "), "Hãy đặt tên cho bộ lọc."),
        (dict(name="x" * 81), "Tên bộ lọc dài quá 80 ký tự."),
        (dict(name="Trùng"), "Bạn đã có bộ lọc tên «Trùng» cho danh sách này."),
        (dict(name="Trống", query="page=2&format=csv"), "Danh sách đang không lọc gì"),
        (dict(name="Lạ", list_name="admin.users"), "Danh sách không hợp lệ."),
    ]
    for kwargs, message in cases:
        _save(client, **kwargs)
        assert message in flashes(client), kwargs
    assert len(_mine(users("gdtx.member").id)) == 1 and event_total() == count
    _post(client, "/lists/filters/999999/delete")
    assert "Không tìm thấy bộ lọc này." in flashes(client)


def test_the_same_name_may_serve_two_lists(client, users):
    login(client, "gdtx.member")
    _save(client, "Quá hạn", "overdue=1")
    _save(client, "Quá hạn", "overdue=1", list_name="tasks.index")
    assert len(_mine(users("gdtx.member").id)) == 2
    assert 'data-filter="' in client.get("/tasks/?overdue=1").get_data(as_text=True)


def _count(client, count_queries, url: str) -> int:  # noqa: ANN001
    db.session.remove()
    g.pop("_login_user", None)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_saved_filters_cost_one_statement_however_many(client, users, count_queries):
    login(client, "gdtx.member")
    none = _count(client, count_queries, "/my-tasks")
    _save(client, "Một", "state=assigned")
    one = _count(client, count_queries, "/my-tasks")
    for i in range(5):
        _save(client, f"Thêm {i}", f"state=in_progress&quarter=2024-Q{i % 4 + 1}")
    six = _count(client, count_queries, "/my-tasks")
    assert none == one == six
