"""The unit page and the task page run a fixed number of SQL statements, whatever the data."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g

from models import Unit, UnitGroup, db
from tests.foundation.helpers import find_task
from tests.foundation.web import login
from workflow import task_reports
from workflow import tasks as svc
from workflow.plans import ItemInput, PlanInput, UnitRef, create_plan


def _grow(users, n_items: int) -> None:  # noqa: ANN001
    """Add a plan whose items GDTX leads and TCCB coordinates, some through a group."""
    ids = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    group = db.session.execute(
        sa.select(UnitGroup.id).where(UnitGroup.code == "G-PHONG-SO")
    ).scalar_one()
    items = [
        ItemInput(
            number=str(i + 1),
            title=f"Nhiệm vụ bổ sung {i + 1}",
            periods=[f"2024-Q{i % 4 + 1}"],
            due_on=date(2024, 3 * (i % 4 + 1), 28),
            leads=[UnitRef("Phòng GDTX-CN&ĐH", unit_id=ids["GDTX"])],
            coordinating=[UnitRef("Phòng TCCB", unit_id=ids["TCCB"])]
            if i % 2
            else [UnitRef("Các phòng thuộc Sở", group_id=group)],
        )
        for i in range(n_items)
    ]
    create_plan(
        PlanInput(
            number=f"{n_items}/KH-TEST",
            title="Kế hoạch thử",
            issuer_name="Sở",
            tracking_unit_id=ids["GDTX"],
            items=items,
        ),
        users("sgddt.admin"),
    )


def _count(client, count_queries, url: str) -> int:  # noqa: ANN001
    # A cold session, as a new request in production has: nothing cached from set-up.
    # The test keeps one app context across requests; drop what it caches, as production
    # starts every request with a fresh one.
    db.session.remove()
    g.pop("_login_user", None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def test_unit_page_query_count_does_not_grow(client, users, count_queries):
    login(client, "tccb.coordinator")
    _grow(users, 40)
    # Measured once the page is full (it paginates), then again with three times the tasks.
    small = _count(client, count_queries, "/my-tasks")
    _grow(users, 41)
    _grow(users, 42)
    large = _count(client, count_queries, "/my-tasks")
    assert "Nhiệm vụ bổ sung 1<" in client.get("/my-tasks").get_data(as_text=True)
    assert large == small


def test_coordinator_unit_page_with_reports_to_verify(client, users, count_queries):
    login(client, "gdtx.coordinator")

    def report(number: str) -> None:
        task = find_task("2417/KH-SGDĐT", number)
        svc.start_task(task.id, users("gdtx.member"), expected_version=None)
        task_reports.submit_report(
            task.id, users("gdtx.member"), expected_version=None, text="Xong"
        )

    report("2.1")
    small = _count(client, count_queries, "/my-tasks")
    for number in ("2.2", "3.1", "3.2", "1.1"):
        report(number)
    _grow(users, 30)
    assert "Chờ xác nhận (5)" in client.get("/my-tasks").get_data(as_text=True)
    assert _count(client, count_queries, "/my-tasks") == small


def test_task_page_query_count_does_not_grow(client, users, count_queries):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "gdtx.coordinator2")
    svc.start_task(task_id, users("gdtx.member"), expected_version=None)

    def round_of_work(i: int) -> None:
        task_reports.submit_report(
            task_id, users("gdtx.member"), expected_version=None, text=f"Lần {i}"
        )
        svc.return_task(task_id, users("gdtx.coordinator"), expected_version=None, reason="Lại")
        for who in ("vps.member", "hkh.member", "cttt.member"):
            task_reports.add_contribution(task_id, users(who), text=f"Góp ý {i}")

    round_of_work(0)
    small = _count(client, count_queries, f"/tasks/{task_id}")
    for i in range(1, 5):
        round_of_work(i)
    large = _count(client, count_queries, f"/tasks/{task_id}")
    assert "Góp ý 4" in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert large == small


def test_fanned_out_task_page_query_count_is_fixed(client, users, count_queries):
    # A parent must not query once per sub-task: 22 and 24 sub-tasks cost the same, and
    # a parent costs at most a couple of statements more than a single task.
    item6 = find_task("4403/KH-SGDĐT", "6").id  # 22 sub-tasks
    item9 = find_task("4403/KH-SGDĐT", "9").id  # 24 sub-tasks
    single = find_task("4403/KH-SGDĐT", "4").id
    login(client, "gdtx.coordinator")
    n6 = _count(client, count_queries, f"/tasks/{item6}")
    n9 = _count(client, count_queries, f"/tasks/{item9}")
    assert n6 == n9
    assert n6 <= _count(client, count_queries, f"/tasks/{single}") + 2
