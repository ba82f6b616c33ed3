"""Saved filters ("bộ lọc đã lưu"): a person names the filter set of a task list to come
back to it in one click; renames and deletes it. Per person, and audited like any setting
change (a filter is harmless, but who saved what is part of the account's history)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from models import SavedFilter, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound
from workflow.transaction import unit_of_work

# The lists a filter can be saved on (their endpoints) and the arguments that make a
# filter: what reports.progress.TaskFilter reads, and the dashboard's plan and sort.
# Paging, export formats and tokens are never part of a saved filter.
LISTS = ("units.mine", "tasks.index")
FILTER_KEYS = (
    "quarter",
    "plan",
    "unit",
    "state",
    "bucket",
    "overdue",
    "due_soon",
    "q",
    "leaves",
    "no_due",
    "sort",
)
MAX_NAME = 80
MAX_VALUE = 200
# A shelf of links above a list, not an archive.
MAX_PER_LIST = 30


def clean_query(query: str) -> str:
    """The filter arguments of a query string, in a fixed order, everything else dropped."""
    values: dict[str, str] = {}
    for key, value in parse_qsl(query or "", keep_blank_values=False):
        if key in FILTER_KEYS and key not in values and value.strip():
            values[key] = value.strip()[:MAX_VALUE]
    return urlencode([(k, values[k]) for k in FILTER_KEYS if k in values])


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Hãy đặt tên cho bộ lọc.")
    if len(name) > MAX_NAME:
        raise InvalidInput("Tên bộ lọc dài quá %(max)s ký tự.", max=MAX_NAME)
    return name


def _check_list(list_name: str) -> None:
    if list_name not in LISTS:
        raise InvalidInput("Danh sách không hợp lệ.")


def _taken(user: User, list_name: str, name: str, except_id: int | None = None) -> bool:
    query = sa.select(SavedFilter.id).where(
        SavedFilter.user_id == user.id,
        SavedFilter.list_name == list_name,
        SavedFilter.name == name,
    )
    if except_id is not None:
        query = query.where(SavedFilter.id != except_id)
    return db.session.execute(query.limit(1)).first() is not None


def _mine(user: User, filter_id: int) -> SavedFilter:
    """The user's own filter; anyone else's is as if it did not exist."""
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user.id:
        raise NotFound("Không tìm thấy bộ lọc này.")
    return row


def save(user: User, list_name: str, name: str | None, query: str) -> int:
    """Save the list's current filter under `name`; its id."""
    _check_list(list_name)
    name = _clean_name(name)
    cleaned = clean_query(query)
    if not cleaned:
        raise InvalidInput("Danh sách đang không lọc gì; hãy chọn điều kiện lọc rồi lưu.")
    if len(cleaned) > 1000:
        raise InvalidInput("Bộ lọc quá dài để lưu.")
    with unit_of_work():
        if _taken(user, list_name, name):
            raise InvalidInput("Bạn đã có bộ lọc tên «%(name)s» cho danh sách này.", name=name)
        count = db.session.execute(
            sa.select(sa.func.count(SavedFilter.id)).where(
                SavedFilter.user_id == user.id, SavedFilter.list_name == list_name
            )
        ).scalar_one()
        if count >= MAX_PER_LIST:
            raise InvalidInput(
                "Mỗi danh sách giữ tối đa %(max)s bộ lọc; hãy xóa bớt rồi lưu.",
                max=MAX_PER_LIST,
            )
        now = clock.now()
        row = SavedFilter(
            user_id=user.id,
            list_name=list_name,
            name=name,
            query=cleaned,
            created_at=now,
            updated_at=now,
        )
        db.session.add(row)
        db.session.flush()
        audit.record(
            "filter.save",
            actor=user,
            object_type="saved_filter",
            object_id=row.id,
            after={"list": list_name, "name": name, "query": cleaned},
        )
        saved_id = row.id
    return saved_id


def rename(user: User, filter_id: int, name: str | None) -> None:
    """Give one of the user's filters another name."""
    name = _clean_name(name)
    with unit_of_work():
        row = _mine(user, filter_id)
        if row.name == name:
            return
        if _taken(user, row.list_name, name, except_id=row.id):
            raise InvalidInput("Bạn đã có bộ lọc tên «%(name)s» cho danh sách này.", name=name)
        before = {"name": row.name}
        row.name = name
        row.updated_at = clock.now()
        audit.record(
            "filter.rename",
            actor=user,
            object_type="saved_filter",
            object_id=row.id,
            before=before,
            after={"name": name},
        )


def delete(user: User, filter_id: int) -> str:
    """Delete one of the user's filters; the list it belonged to (to go back to)."""
    with unit_of_work():
        row = _mine(user, filter_id)
        list_name = row.list_name
        audit.record(
            "filter.delete",
            actor=user,
            object_type="saved_filter",
            object_id=row.id,
            before={"list": list_name, "name": row.name, "query": row.query},
        )
        db.session.delete(row)
    return list_name
