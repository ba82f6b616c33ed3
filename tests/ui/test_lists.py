"""Search without diacritics, visibility in SQL, pagination, CSV/XLSX exports, workspace."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from models import Task, User, db
from reports import progress
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login
from tests.ui.support import make_plan, task_ids_on
from workflow import permissions
from workflow.tasks import task_loader_options

ITEM7 = "Đẩy mạnh thực hiện chuyển đổi số"


@pytest.mark.parametrize("query", ["chuyen doi so", "CHUYỂN ĐỔI SỐ", "chuyển đổi số"])
def test_search_ignores_diacritics_and_case(client, query):  # noqa: ANN001
    login(client, "vps.member")
    page = client.get("/tasks/", query_string={"q": query}).get_data(as_text=True)
    assert task_ids_on(page) == {find_task("4403/KH-SGDĐT", "7").id}


def test_search_respects_visibility(client):  # noqa: ANN001
    login(client, "thcs-lqd8.member")
    page = client.get("/tasks/?q=chuyen+doi+so").get_data(as_text=True)
    assert ITEM7 not in page and task_ids_on(page) == set()
    plans = client.get("/plans/?q=hoc+tap").get_data(as_text=True)
    assert "4403/KH-SGDĐT" not in plans


def test_plan_search_without_diacritics(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    page = client.get("/plans/?q=xay+dung+xa+hoi+hoc+tap").get_data(as_text=True)
    assert "4403/KH-SGDĐT" in page and "2417/KH-SGDĐT" not in page


def test_search_text_follows_edits(demo_app, users):  # noqa: ANN001
    from workflow import task_edits

    task = find_task("2417/KH-SGDĐT", "1.2")
    task_edits.update_task(
        task.id,
        users("gdtx.coordinator"),
        expected_version=None,
        reason="Sửa tên",
        changes={"title": "Tuyên dương điển hình học tập suốt đời"},
    )
    found = progress.all_tasks(progress.TaskFilter(q="dien hinh suot doi"), users("sgddt.admin"))
    assert [t.id for t in found] == [task.id]


@pytest.mark.parametrize("username", ["tccb.member", "pgd-q1.member", "cdn.member", "vps.member"])
def test_sql_visibility_agrees_with_can_view(demo_app, users, username):  # noqa: ANN001
    user = users(username)
    listed = {t.id for t in progress.all_tasks(progress.TaskFilter(), user)}
    every = db.session.execute(sa.select(Task).options(*task_loader_options())).scalars()
    allowed = {t.id for t in every if permissions.can_view(t, user)}
    assert listed == allowed and listed


def test_task_list_paginates_and_exports_every_row(client, users):  # noqa: ANN001
    make_plan(
        users,
        "120/KH-UI",
        [(str(i), f"Việc phân trang {i}", date(2024, 6, 1 + i % 28), "TCCB") for i in range(120)],
    )
    login(client, "tccb.member")
    first = client.get("/tasks/?q=phan+trang").get_data(as_text=True)
    assert "120 nhiệm vụ" in first and "Trang 1/3" in first
    seen = task_ids_on(first)
    assert len(seen) == 50
    third = client.get("/tasks/?q=phan+trang&page=3").get_data(as_text=True)
    assert len(task_ids_on(third)) == 20 and not (task_ids_on(third) & seen)
    body = client.get("/tasks/?q=phan+trang&format=csv").get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Kế hoạch", "STT", "Nội dung"] and len(rows) == 121
    assert re.fullmatch(r"\d\d/\d\d/2024", rows[1][6])
    book = load_workbook(io.BytesIO(client.get("/tasks/?q=phan+trang&format=xlsx").data))
    sheet = list(book.active.iter_rows(values_only=True))
    assert len(sheet) == 121 and sheet[1][2].startswith("Việc phân trang")
    assert sheet[1][6].date() == date(2024, 6, 1)


def test_workspace_filters_and_in_place_action(client, users):  # noqa: ANN001
    plan = make_plan(
        users,
        "97/KH-UI",
        [
            ("1", "Việc quý hai", date(2024, 6, 30), "TCCB"),
            ("2", "Việc quý ba", date(2024, 9, 30), "TCCB"),
        ],
    )
    login(client, "tccb.member")
    page = client.get(f"/my-tasks?plan={plan['plan']}").get_data(as_text=True)
    lead = page.split('id="lead"')[1].split('id="coordinating"')[0]
    assert task_ids_on(lead) == {plan["1"], plan["2"]}
    assert "Quý II/2024" in lead and "Quý III/2024" in lead
    q3 = client.get(f"/my-tasks?plan={plan['plan']}&quarter=2024-Q3").get_data(as_text=True)
    assert task_ids_on(q3) == {plan["2"]}
    # Start task 1 in place: the form posts to tasks.transition and comes back here.
    url = f"/my-tasks?plan={plan['plan']}"
    row = lead.split(f'data-task="{plan["1"]}"')[1].split("</tr>")[0]
    assert 'value="start"' in row
    response = client.post(
        f"/tasks/{plan['1']}/transition",
        data={"csrf_token": csrf_token(page), "event": "start", "version": 1, "next": url},
    )
    assert response.headers["Location"].endswith(url)
    db.session.expire_all()
    assert db.session.get(Task, plan["1"]).state == "in_progress"
    started = client.get(f"/my-tasks?plan={plan['plan']}&state=in_progress").get_data(as_text=True)
    assert task_ids_on(started) == {plan["1"]}
    assert "Gửi báo cáo" in started  # the next action, linking to the report form
    # Not an open redirect.
    evil = client.post(
        f"/tasks/{plan['2']}/transition",
        data={"csrf_token": csrf_token(page), "event": "start", "version": 1, "next": "//evil"},
    )
    assert evil.headers["Location"].endswith(f"/tasks/{plan['2']}")


def test_workspace_export_has_both_roles(client):  # noqa: ANN001
    login(client, "tccb.member")
    rows = list(csv.reader(io.StringIO(client.get("/my-tasks?format=csv").get_data(as_text=True))))
    roles = {r[0] for r in rows[1:]}
    assert rows[0][0].endswith("Vai trò") and roles == {"Chủ trì", "Phối hợp"}


def test_inspector_sees_no_actions(client):  # noqa: ANN001
    login(client, "sgddt.inspector")
    page = client.get("/my-tasks").get_data(as_text=True)
    assert 'name="event"' not in page
    assert db.session.execute(sa.select(User).where(User.username == "sgddt.inspector")).scalar()
