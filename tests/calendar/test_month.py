"""The month calendar of deadlines: the right tasks on the right days, overdue marked,
another unit's calendar only for those who follow many units, bad months answered."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask import g

from models import Task, Unit, db
from tests.calendar.support import MONTH, TODAY, YEAR, day_cell, month_plan, tasks_on_page
from tests.foundation.web import login, logout
from tests.ui.support import make_plan
from workflow import assignees


def _unit_id(code: str) -> int:
    return db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalar_one()


def test_unit_month_lists_each_task_on_its_due_day(client, users) -> None:
    ids = month_plan(users)
    login(client, "tccb.member")
    response = client.get(f"/calendar/?y={YEAR}&m={MONTH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Tháng 3/2031" in html
    # Monday first, Vietnamese names.
    heads = html[html.index('<table class="cal-grid"') :]
    assert heads.index(">T2<") < heads.index(">T3<") < heads.index(">CN<")
    # TCCB's two March tasks; not Công đoàn's, not April's.
    assert tasks_on_page(html) == {ids["1"], ids["2"]}
    overdue = day_cell(html, date(2031, 3, 5))
    assert f'data-task="{ids["1"]}"' in overdue and "overdue" in overdue and "Quá hạn" in overdue
    upcoming = day_cell(html, date(2031, 3, 20))
    assert f'data-task="{ids["2"]}"' in upcoming and "overdue" not in upcoming
    assert f'href="/tasks/{ids["2"]}"' in upcoming
    assert 'aria-current="date"' in day_cell(html, TODAY)
    assert "y=2031&amp;m=2" in html and "y=2031&amp;m=4" in html
    # The next month holds task 4.
    april = client.get("/calendar/?y=2031&m=4").get_data(as_text=True)
    assert tasks_on_page(april) == {ids["4"]}


def test_a_reported_task_past_its_day_is_not_overdue(client, users) -> None:
    ids = month_plan(users)
    db.session.execute(sa.update(Task).where(Task.id == ids["1"]).values(state="reported"))
    db.session.commit()
    login(client, "tccb.member")
    html = client.get(f"/calendar/?y={YEAR}&m={MONTH}").get_data(as_text=True)
    cell = day_cell(html, date(2031, 3, 5))
    assert f'data-task="{ids["1"]}"' in cell and "overdue" not in cell and "Đã báo cáo" in cell


def test_cancelled_tasks_have_no_deadline_to_show(client, users) -> None:
    ids = month_plan(users)
    db.session.execute(sa.update(Task).where(Task.id == ids["2"]).values(state="cancelled"))
    db.session.commit()
    login(client, "tccb.member")
    html = client.get(f"/calendar/?y={YEAR}&m={MONTH}").get_data(as_text=True)
    assert tasks_on_page(html) == {ids["1"]}


def test_a_coordinating_unit_sees_the_task_it_supports(client, users) -> None:
    ids = month_plan(users)
    task = db.session.get(Task, ids["3"])
    from models import TaskUnit, UnitRole

    db.session.add(
        TaskUnit(task=task, unit_id=_unit_id("TCCB"), role=UnitRole.COORDINATING, mention="TCCB")
    )
    db.session.commit()
    login(client, "tccb.member")
    html = client.get(f"/calendar/?y={YEAR}&m={MONTH}").get_data(as_text=True)
    assert tasks_on_page(html) == {ids["1"], ids["2"], ids["3"]}
    assert "role-coordinating" in day_cell(html, date(2031, 3, 7))


def test_my_assigned_tasks(client, users) -> None:
    ids = month_plan(users)
    assignees.assign(ids["2"], users("tccb.coordinator"), [users("tccb.member").id])
    login(client, "tccb.member")
    html = client.get(f"/calendar/?y={YEAR}&m={MONTH}&view=mine").get_data(as_text=True)
    assert tasks_on_page(html) == {ids["2"]}
    logout(client)
    login(client, "tccb.coordinator")
    html = client.get(f"/calendar/?y={YEAR}&m={MONTH}&view=mine").get_data(as_text=True)
    assert tasks_on_page(html) == set()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("tccb.member", 403),  # a member sees only their own unit
        ("cdn.member", 403),
        ("pgd-q3.coordinator", 200),  # a coordinator may choose any unit...
        ("gdtx.coordinator", 200),
        ("sgddt.inspector", 200),
        ("sgddt.admin", 200),
    ],
)
def test_another_units_calendar(client, users, username: str, status: int) -> None:
    ids = month_plan(users)
    login(client, username)
    target = _unit_id("CDN") if username == "tccb.member" else _unit_id("TCCB")
    response = client.get(f"/calendar/?y={YEAR}&m={MONTH}&unit={target}")
    assert response.status_code == status
    if username == "pgd-q3.coordinator":
        # ...but sees there only what they may see: nothing of a plan they have no part in.
        assert tasks_on_page(response.get_data(as_text=True)) == set()
    elif status == 200:
        assert tasks_on_page(response.get_data(as_text=True)) == {ids["1"], ids["2"]}


def test_unknown_unit_is_404(client, users) -> None:
    login(client, "sgddt.admin")
    assert client.get("/calendar/?unit=999999").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("y=abc&m=3", "Năm phải là số từ 2000 đến 2100."),
        ("y=1999&m=3", "Năm phải là số từ 2000 đến 2100."),
        ("y=99999999999999999999&m=3", "Năm phải là số từ 2000 đến 2100."),
        ("y=2031&m=13", "Tháng phải là số từ 1 đến 12."),
        ("y=2031&m=0", "Tháng phải là số từ 1 đến 12."),
        ("y=2031&m=-1", "Tháng phải là số từ 1 đến 12."),
        ("y=2031&m=3.5", "Tháng phải là số từ 1 đến 12."),
        ("y=2031&m=3&unit=abc", "Không tìm thấy đơn vị."),
    ],
)
def test_bad_month_parameters_get_a_clear_message(client, users, query: str, message: str) -> None:
    month_plan(users)
    login(client, "tccb.member")
    response = client.get(f"/calendar/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    # The page still shows a month (this one) to go on from.
    assert "Tháng 3/2031" in html


def test_month_edges_have_no_link_beyond(client, users) -> None:
    login(client, "tccb.member")
    html = client.get("/calendar/?y=2000&m=1").get_data(as_text=True)
    assert 'id="cal-prev"' not in html and 'id="cal-next"' in html
    html = client.get("/calendar/?y=2100&m=12").get_data(as_text=True)
    assert 'id="cal-next"' not in html and 'id="cal-prev"' in html


def _cold_count(client, count_queries, url: str) -> tuple[int, str]:  # noqa: ANN001
    # A cold request: nothing cached in the session or in `g` by an earlier request.
    db.session.remove()
    for name in list(vars(g)):
        g.pop(name, None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


@pytest.mark.parametrize("view", ["", "&view=mine"])
def test_statements_do_not_grow_with_the_month(client, users, count_queries, view: str) -> None:
    ids = month_plan(users)
    assignees.assign(ids["2"], users("tccb.coordinator"), [users("tccb.member").id])
    login(client, "tccb.member")
    url = f"/calendar/?y={YEAR}&m={MONTH}{view}"
    few, html = _cold_count(client, count_queries, url)
    assert len(tasks_on_page(html)) == (1 if view else 2)
    # Twenty more TCCB tasks in March, in another plan, assigned to the member too.
    more = make_plan(
        users,
        "CAL2/2031",
        [(str(i), f"Việc thêm {i}", date(YEAR, MONTH, 1 + i), "TCCB") for i in range(20)],
    )
    for i in range(20):
        assignees.assign(more[str(i)], users("tccb.coordinator"), [users("tccb.member").id])
    many, html = _cold_count(client, count_queries, url)
    assert len(tasks_on_page(html)) == (1 if view else 2) + 20
    assert many == few


def test_navigation_has_the_calendar_link(client, users) -> None:
    login(client, "tccb.member")
    html = client.get("/my-tasks").get_data(as_text=True)
    assert 'href="/calendar/"' in html and ">Lịch<" in html
