"""A year of activity on the demo plans under a frozen clock, with states recorded on the way.

The demo is loaded with the clock frozen at the start of 2024 (the shared demo template is
built at today's date, which would put the plans' creation after their 2024 activity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from models import Plan, Task, Unit, User, db
from workflow import clock, task_edits, task_reports
from workflow import tasks as svc


def at(instant: datetime) -> None:
    """Freeze the clock at a naive-UTC instant."""
    clock.freeze(instant)


def user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def plan_id(number: str) -> int:
    return db.session.execute(sa.select(Plan.id).where(Plan.number == number)).scalar_one()


def task(number: str, item: str) -> Task:
    return db.session.execute(
        sa.select(Task).where(Task.plan_id == plan_id(number), Task.number == item)
    ).scalar_one()


def unit_id(code: str) -> int:
    return db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalar_one()


P4403, P2417 = "4403/KH-SGDĐT", "2417/KH-SGDĐT"
REPORT_3 = "Duy trì kết quả xóa mù chữ: tỷ lệ người biết chữ từ 15 tuổi trở lên 99,07%."


@dataclass
class Year:
    """What the walk did and the states it saw on the snapshot days."""

    snapshots: dict[date, dict[int, tuple[str, int | None, date | None]]] = field(
        default_factory=dict
    )
    verified_3_at: datetime | None = None


def snapshot() -> dict[int, tuple[str, int | None, date | None]]:
    """The current (state, lead, due) of every task: what the app showed that evening."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(Task.id, Task.state, Task.lead_unit_id, Task.due_on))
    return {r.id: (str(r.state), r.lead_unit_id, r.due_on) for r in rows}


@pytest.fixture
def year(app) -> Year:  # noqa: ANN001
    from demo.loader import load_demo

    at(datetime(2024, 1, 2, 2, 0))
    load_demo()
    walk = Year()
    member, coord, coord2 = user("gdtx.member"), user("gdtx.coordinator"), user("gdtx.coordinator2")
    trh = user("gdtrh.member")
    t3, t1, t2 = task(P4403, "3"), task(P4403, "1"), task(P4403, "2")
    t4, t5 = task(P4403, "4"), task(P4403, "5")
    t21 = task(P2417, "2.1")

    at(datetime(2024, 3, 15, 3, 0))
    svc.start_task(t3.id, trh, expected_version=None)
    walk.snapshots[date(2024, 3, 31)] = snapshot()

    at(datetime(2024, 4, 1, 3, 0))
    task_edits.reassign_lead(
        t2.id, coord, expected_version=None, unit_id=unit_id("GDTRH"), reason="Chuyển đơn vị"
    )
    at(datetime(2024, 5, 2, 3, 0))
    task_edits.update_task(
        t5.id,
        coord,
        expected_version=None,
        reason="Lùi hạn",
        changes={"due_on": date(2024, 11, 15)},
    )
    at(datetime(2024, 6, 10, 3, 0))
    svc.start_task(t21.id, member, expected_version=None)
    task_reports.submit_report(
        t21.id, member, expected_version=None, text="Đã ban hành kế hoạch 2.1"
    )
    walk.snapshots[date(2024, 6, 30)] = snapshot()

    at(datetime(2024, 7, 5, 3, 0))
    svc.verify_task(t21.id, coord, expected_version=None)
    at(datetime(2024, 8, 1, 3, 0))
    svc.start_task(t1.id, member, expected_version=None)
    # 23:30 on 30/09 in Vietnam (16:30 UTC) belongs to 30/09 …
    at(datetime(2024, 9, 30, 16, 30))
    task_reports.submit_report(t3.id, trh, expected_version=None, text=REPORT_3)
    walk.snapshots[date(2024, 9, 30)] = snapshot()
    # … 00:30 on 01/10 in Vietnam (17:30 UTC on 30/09) does not.
    at(datetime(2024, 9, 30, 17, 30))
    svc.start_task(t4.id, member, expected_version=None)

    at(datetime(2024, 10, 10, 2, 15))
    svc.verify_task(t3.id, coord2, expected_version=None)
    walk.verified_3_at = datetime(2024, 10, 10, 2, 15)
    at(datetime(2024, 11, 5, 3, 0))
    task_reports.submit_report(
        t1.id, member, expected_version=None, text="Đã tham mưu, báo cáo trễ"
    )
    at(datetime(2024, 11, 20, 3, 0))
    svc.verify_task(t1.id, coord, expected_version=None)
    walk.snapshots[date(2024, 12, 31)] = snapshot()
    at(datetime(2025, 1, 9, 3, 0))
    return walk
