"""The dashboard counts the QĐ 42 groups exactly, and every figure links to its tasks."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from reports import progress
from tests.foundation.web import login
from tests.ui.support import FROZEN, href, make_plan, task_ids_on, walk
from workflow import clock


@pytest.fixture
def scenario(demo_app, users):  # noqa: ANN001
    """Eight tasks of one plan walked to known states; the clock ends at 15/06/2024."""
    clock.freeze(datetime(2024, 5, 1, 5))
    t = make_plan(
        users,
        "99/KH-UI",
        [
            ("A", "Đúng hạn", date(2024, 6, 30), "TCCB"),
            ("B", "Báo cáo trễ", date(2024, 5, 31), "TCCB"),
            ("C", "Đang làm", date(2024, 6, 30), "TCCB"),
            ("D", "Quá hạn chưa làm", date(2024, 5, 31), "VPS"),
            ("E", "Sắp đến hạn", date(2024, 6, 20), "VPS"),
            ("F", "Báo cáo kịp, chờ xác nhận", date(2024, 5, 31), "VPS"),
            ("G", "Đã hủy", date(2024, 6, 30), "VPS"),
            ("H", "Quý sau", date(2024, 9, 30), "VPS"),
        ],
    )
    walk(users, t["A"], "tccb.member", "start", "report", "verify", on=datetime(2024, 6, 1, 5))
    walk(users, t["F"], "vps.member", "start", "report", on=datetime(2024, 5, 20, 5))
    walk(users, t["B"], "tccb.member", "start", "report", "verify", on=datetime(2024, 6, 10, 5))
    walk(users, t["C"], "tccb.member", "start", on=datetime(2024, 6, 12, 5))
    walk(users, t["G"], "vps.member", "cancel", on=FROZEN)
    return t


def test_four_groups_and_states_are_counted_exactly(scenario, users):  # noqa: ANN001
    board = progress.dashboard(users("gdtx.coordinator"), None, scenario["plan"])
    assert board.quarter == "2024-Q2"
    assert board.total.buckets == {
        "done_on_time": 1,  # A
        "done_late": 1,  # B: reported after its deadline, then verified
        "open_in_time": 3,  # C, E, and F (reported on time, awaiting verification)
        "open_overdue": 1,  # D
    }
    assert board.total.states == {
        "assigned": 2,
        "in_progress": 1,
        "reported": 1,
        "verified": 2,
        "cancelled": 1,
    }
    by_unit = {row.label: row.tally.buckets for row in board.units}
    assert by_unit["Phòng Tổ chức cán bộ"] == {
        "done_on_time": 1,
        "done_late": 1,
        "open_in_time": 1,
        "open_overdue": 0,
    }
    assert by_unit["Văn phòng Sở"]["open_overdue"] == 1
    # Who is behind comes first.
    assert board.units[0].label == "Văn phòng Sở"
    assert [t.number for t in board.overdue] == ["D"]
    assert [t.number for t in board.due_soon] == ["E"]
    (plan_row,) = board.plans
    assert (plan_row.tally.done, plan_row.tally.counted) == (2, 6)
    # Next quarter holds only H.
    later = progress.dashboard(users("gdtx.coordinator"), "2024-Q3", scenario["plan"])
    assert later.total.buckets["open_in_time"] == 1 and later.total.counted == 1


def test_figures_link_to_exactly_their_tasks(scenario, client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    page = client.get(f"/dashboard/?plan={scenario['plan']}").get_data(as_text=True)
    assert "Quý II/2024" in page  # the current quarter by default
    expected = {
        "fig-done_on_time": {"A"},
        "fig-done_late": {"B"},
        "fig-open_in_time": {"C", "E", "F"},
        "fig-open_overdue": {"D"},
        "fig-state-reported": {"F"},
        "fig-state-cancelled": {"G"},
        "overdue-all": {"D"},
        "due-soon-all": {"E"},
    }
    for element_id, numbers in expected.items():
        listed = client.get(href(page, element_id)).get_data(as_text=True)
        assert task_ids_on(listed) == {scenario[n] for n in numbers}, element_id
    count = re.search(r'id="fig-open_in_time"><span class="num">(\d+)', page)
    assert count and count.group(1) == "3"


def test_unit_chart_links_and_quarter_selection(scenario, client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    page = client.get(f"/dashboard/?plan={scenario['plan']}").get_data(as_text=True)
    assert "<svg" in page and 'class="seg-open_overdue"' in page
    vps_row = page.split('id="units"')[1].split("Văn phòng Sở")[0].rsplit("<tr", 1)[1]
    unit_id = re.search(r'data-unit="(\d+)"', vps_row).group(1)
    listed = client.get(
        f"/tasks/?quarter=2024-Q2&plan={scenario['plan']}&leaves=1&unit={unit_id}"
    ).get_data(as_text=True)
    assert task_ids_on(listed) == {scenario[n] for n in "DEFG"}
    q3 = client.get(f"/dashboard/?plan={scenario['plan']}&quarter=2024-Q3").get_data(as_text=True)
    assert "Quý III/2024" in q3
    assert task_ids_on(client.get(href(q3, "fig-total")).get_data(as_text=True)) == {scenario["H"]}


def test_members_count_only_what_they_may_see(scenario, users):  # noqa: ANN001
    board = progress.dashboard(users("tccb.member"), "2024-Q2", scenario["plan"])
    assert board.total.counted == 3  # A, B, C: TCCB's own
    assert board.overdue == []


def test_empty_quarter_points_to_the_nearest_quarter_with_work(client):
    # The demo's plans fall due from 2024-Q2 to 2025-Q2; late 2026 has nothing due.
    clock.freeze(datetime(2026, 11, 23, 3))
    login(client, "gdtx.coordinator")
    html = client.get("/dashboard/").get_data(as_text=True)
    hint = re.search(r'id="nearest-quarter">(.*?)</p>', html, re.S).group(1)
    assert "quarter=2025-Q2" in hint and "Quý II/2025" in hint
    assert '<option value="2024-Q2"' in html  # every quarter with work can be chosen
    busy = client.get("/dashboard/?quarter=2024-Q4").get_data(as_text=True)
    assert 'id="nearest-quarter"' not in busy
