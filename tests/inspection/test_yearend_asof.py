"""The year-end report shows the year as it stood at its end, not as the tasks stand today.

The walk of 2024 (conftest) is followed by work in 2025 that changes the 2024 tasks: a
verified item reopened and re-reported, late reports verified, a deadline moved into 2025,
a task handed to another unit. The 2024 report drawn in 2026 must still say what 2024 was.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from models import Task, db
from reports.progress import bucket_expr, bucket_of
from reports.yearend import gather
from tests.conftest import QueryCounter, finish_job
from tests.foundation.web import login
from tests.inspection.conftest import P2417, P4403, REPORT_3, at, plan_id, task, unit_id, user
from workflow import task_edits, task_reports
from workflow import tasks as svc

REPORT_2025 = "Báo cáo bổ sung năm 2025 sau khi mở lại"

# What 2024 looked like at 23:59 on 31/12/2024 (the walk in conftest): 30 items of 4403.
COUNTS_4403 = {
    "Hoàn thành đúng hạn": "1",  # item 3
    "Hoàn thành quá hạn": "1",  # item 1, reported after 31/07
    "Chưa hoàn thành trong hạn": "26",  # items 4, 6 (22 districts), 7, 8, 11
    "Chưa hoàn thành quá hạn": "2",  # items 2 and 5
}


def _following_year() -> None:
    """2025: work that rewrites today's picture of the 2024 tasks."""
    member, coord, trh = user("gdtx.member"), user("gdtx.coordinator"), user("gdtrh.member")
    t2, t3, t4, t5 = (task(P4403, n) for n in ("2", "3", "4", "5"))
    t22 = task(P2417, "2.2")
    at(datetime(2025, 1, 15, 3, 0))
    task_reports.submit_report(
        t4.id, member, expected_version=None, text="Báo cáo mục 4 (năm 2025)"
    )
    svc.verify_task(t4.id, user("gdtx.coordinator2"), expected_version=None)
    svc.start_task(t5.id, member, expected_version=None)
    task_reports.submit_report(
        t5.id, member, expected_version=None, text="Báo cáo mục 5 (năm 2025)"
    )
    svc.verify_task(t5.id, user("gdtx.coordinator2"), expected_version=None)
    at(datetime(2025, 2, 10, 3, 0))
    svc.reopen_task(t3.id, coord, expected_version=None, reason="Cần bổ sung số liệu")
    task_reports.submit_report(t3.id, trh, expected_version=None, text=REPORT_2025)
    task_edits.reassign_lead(
        t2.id, coord, expected_version=None, unit_id=unit_id("TCCB"), reason="Trả"
    )
    task_edits.update_task(
        t22.id,
        coord,
        expected_version=None,
        reason="Lùi hạn",
        changes={"due_on": date(2025, 6, 30)},
    )
    at(datetime(2026, 3, 2, 3, 0))


@pytest.fixture
def later(year):  # noqa: ANN001
    _following_year()
    return year


def test_the_2024_counts_are_those_of_the_end_of_2024(later):
    data = gather(2024, plan_id=plan_id(P4403))
    assert data.as_of == date(2024, 12, 31)
    by_number = {i.task.number: i for i in data.items}
    assert len(data.items) == 30
    assert dict(data.counts) == {
        "done_on_time": 1,
        "done_late": 1,
        "open_in_time": 26,
        "open_overdue": 2,
    }
    item3 = by_number["3"]
    assert (item3.task.state, item3.bucket) == ("verified", "done_on_time")
    assert [r.text for r in item3.reports] == [REPORT_3]
    assert by_number["4"].bucket == "open_in_time" and by_number["4"].reports == []
    assert (by_number["5"].task.state, by_number["5"].bucket) == ("assigned", "open_overdue")
    # Today the same plan counts otherwise: the rows moved on in 2025.
    rows = {t.number: t for t in db.session.execute(sa.select(Task).where(
        Task.plan_id == plan_id(P4403))).scalars()}  # fmt: skip
    assert rows["3"].state == "reported" and rows["4"].state == rows["5"].state == "verified"

    # A deadline moved into 2025 during 2025 leaves the item in the 2024 report.
    p2417 = gather(2024, plan_id=plan_id(P2417))
    assert "2.2" in {i.task.number for i in p2417.items}
    assert dict(p2417.counts) == {"done_on_time": 1, "open_in_time": 7, "open_overdue": 4}


def test_a_district_report_shows_its_office_as_it_was(later):
    """UBND quận 8 answers for Phòng GD&ĐT quận 8: the office's 2024 task as it stood
    then, and the tasks the district coordinates (the review found it an empty shell)."""
    q8 = gather(2024, unit_id=unit_id("UBND-Q8"))
    assert [(i.task.number, i.task.lead_unit_name) for i in q8.items] == [
        ("6", "Phòng Giáo dục và Đào tạo quận 8")
    ]
    assert q8.covered[0] == "Phòng Giáo dục và Đào tạo quận 8"
    assert {i.task.number for i in q8.coordinated} >= {"4", "5"}
    # Item 5 was verified in 2025: the 2024 report still shows it assigned and overdue.
    item5 = next(i for i in q8.coordinated if i.task.number == "5")
    assert (item5.task.state, item5.bucket) == ("assigned", "open_overdue")


def test_a_unit_report_follows_the_lead_as_it_was(later):
    gdtrh = gather(2024, unit_id=unit_id("GDTRH"))
    assert [i.task.number for i in gdtrh.items] == ["2", "3"]  # item 2 went back to TCCB in 2025
    assert dict(gdtrh.counts) == {"open_overdue": 1, "done_on_time": 1}
    assert gather(2024, unit_id=unit_id("TCCB")).items == []
    assert [i.task.number for i in gather(2025, unit_id=unit_id("TCCB")).items] == []  # due 2024


def test_the_2024_docx_and_xlsx_drawn_in_2026(later, app, queue_worker):  # noqa: ANN001
    client = app.test_client()
    login(client, "gdtx.coordinator")
    # The documents are written by the worker; the request queues them.
    docx = client.get(f"/plans/{plan_id(P4403)}/year-end.docx?year=2024")
    response = finish_job(client, queue_worker, docx)
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    counts = {r.cells[0].text: r.cells[1].text for r in doc.tables[1].rows[1:]}
    assert counts == COUNTS_4403
    assert "Tổng số nhiệm vụ năm 2024: 30 (tính đến ngày 31/12/2024" in text
    assert REPORT_3 in text and REPORT_2025 not in text and "(năm 2025)" not in text
    assert "- Đã hoàn thành 2/30 nhiệm vụ, trong đó 1 nhiệm vụ hoàn thành đúng hạn." in text
    next_year = text.split("III. NHIỆM VỤ TRỌNG TÂM NĂM 2025")[1]
    assert "nhiệm vụ 4:" in next_year and "nhiệm vụ 5:" in next_year
    assert "nhiệm vụ 3:" not in next_year

    book = load_workbook(
        io.BytesIO(
            finish_job(
                client,
                queue_worker,
                client.get(f"/plans/{plan_id(P4403)}/year-end.xlsx?year=2024"),
            ).data
        )
    )
    header, *rows = list(book["Nhiệm vụ"].values)
    assert len(rows) == 30
    by_number = {r[1]: r for r in rows if r[1] != "6"}
    item3, item4, item5, item2 = (by_number[n] for n in ("3", "4", "5", "2"))
    assert item3[5:11] == (
        "Đã xác nhận", "Hoàn thành đúng hạn", datetime(2024, 9, 30, 23, 30), None,
        datetime(2024, 10, 10, 9, 15), REPORT_3,
    )  # fmt: skip
    assert item4[5:11] == (
        "Đang thực hiện", "Chưa hoàn thành trong hạn", None, None, None, None
    )  # fmt: skip
    assert item5[4:7] == (datetime(2024, 11, 15), "Đã giao", "Chưa hoàn thành quá hạn")
    assert item2[3] == "Phòng Giáo dục Trung học"  # the lead at the end of 2024
    assert by_number["1"][6:9] == ("Hoàn thành quá hạn", datetime(2024, 11, 5, 10, 0), "có")


def test_in_memory_groups_agree_with_the_sql_groups(later):
    seen = set()
    for day in (date(2024, 7, 31), date(2024, 8, 1), date(2025, 1, 15), date(2026, 3, 2)):
        rows = db.session.execute(
            sa.select(Task.state, Task.reported_late, Task.due_on, bucket_expr(day).label("b"))
        ).all()
        seen |= {r.b for r in rows}
        for r in rows:
            assert bucket_of(r.state, r.reported_late, r.due_on, day) == r.b, (r, day)
    assert seen == {"done_on_time", "done_late", "open_in_time", "open_overdue"}


def test_the_report_is_rebuilt_in_a_fixed_number_of_statements(later, app):  # noqa: ANN001
    counts = []
    for kwargs in (
        {"plan_id": plan_id(P4403)},
        {"plan_id": plan_id(P2417)},
        {"unit_id": unit_id("GDTX")},
        {"unit_id": unit_id("GDTRH")},
        # A district: its Phòng GD&ĐT and schools, and the tasks it coordinates.
        {"unit_id": unit_id("UBND-Q8")},
    ):
        db.session.expunge_all()
        with QueryCounter(db.engine) as counter:
            data = gather(2024, **kwargs)
        assert data.items
        counts.append(counter.count)
    # 30 and 12 items, then 39, 2 and 1 (with 4 coordinated): the same statements whatever
    # the number of tasks or of units under the author.
    assert counts[0] == counts[1] and counts[2] == counts[3] == counts[4], counts
    assert max(counts) <= 12, counts
