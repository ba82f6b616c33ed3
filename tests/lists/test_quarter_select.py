"""The quarter filter is a choice in the app's own labels; what it cannot read it says so."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from reports.progress import parse_period
from tests.foundation.web import login
from workflow import clock


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    clock.freeze(datetime(2026, 12, 2, 3))  # 02/12/2026 in Vietnam: Quý IV/2026
    yield
    clock.freeze(None)


def _count(page: str) -> int:
    return int(re.search(r"(\d+) nhiệm vụ</p>", page).group(1))


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("2024-Q2", "2024-Q2"),
        ("2024-q2", "2024-Q2"),
        ("Q2/2024", "2024-Q2"),
        ("Quý II/2024", "2024-Q2"),
        ("quy iv/2026", "2026-Q4"),
        ("2024", "2024"),
        ("Cả năm 2024", "2024"),
        ("Năm 2024", "2024"),
        ("2024-Q5", None),
        ("Quý V/2024", None),
        ("hôm qua", None),
        ("99999", None),
        ("", None),
    ],
)
def test_the_spellings_people_use_are_read(typed, period):
    assert parse_period(typed) == period


def test_workspace_offers_a_select_in_the_apps_labels(client):
    login(client, "gdtx.member")
    page = client.get("/my-tasks").get_data(as_text=True)
    select = re.search(r'<select id="w-quarter" name="quarter">(.*?)</select>', page, re.S)
    assert select, "the quarter filter is a <select>"
    assert 'type="text" name="quarter"' not in page
    options = select.group(1)
    for label in ("Cả năm 2026", "Quý I/2026", "Quý IV/2026", "Cả năm 2024", "Quý II/2024"):
        assert f">{label}<" in options
    assert '<option value="">Tất cả</option>' in options  # the workspace shows all by default


def test_a_chosen_quarter_or_year_filters_and_stays_selected(client):
    login(client, "gdtx.member")
    every = _count(client.get("/my-tasks").get_data(as_text=True))
    page = client.get("/my-tasks?quarter=Quý III/2024").get_data(as_text=True)
    assert '<option value="2024-Q3" selected>Quý III/2024</option>' in page
    q3 = _count(page)
    year = client.get("/my-tasks?quarter=2024").get_data(as_text=True)
    assert '<option value="2024" selected>Cả năm 2024</option>' in year
    assert 0 < q3 <= _count(year) <= every
    assert 'id="quarter-refused"' not in year


def test_a_value_it_cannot_read_is_said_and_all_is_shown(client):
    login(client, "gdtx.member")
    every = _count(client.get("/my-tasks").get_data(as_text=True))
    page = client.get("/my-tasks?quarter=quý 7 năm ngoái").get_data(as_text=True)
    assert "Không hiểu giá trị quý «quý 7 năm ngoái»; hãy chọn trong danh sách." in page
    assert "Đang hiện mọi nhiệm vụ." in page
    assert _count(page) == every
    listing = client.get("/tasks/?quarter=2024-Q9").get_data(as_text=True)
    assert 'id="quarter-refused"' in listing


def test_dashboard_defaults_to_the_current_quarter_and_offers_whole_years(client):
    login(client, "gdtx.coordinator")
    page = client.get("/dashboard/").get_data(as_text=True)
    select = re.search(r'<select id="d-quarter" name="quarter">(.*?)</select>', page, re.S)
    assert select and '<option value="2026-Q4" selected>Quý IV/2026</option>' in select.group(1)
    assert ">Cả năm 2026<" in select.group(1) and '<option value="">' not in select.group(1)
    year = client.get("/dashboard/?quarter=Cả năm 2024").get_data(as_text=True)
    assert "Tổng quan · Năm 2024" in year
    assert '<option value="2024" selected>Cả năm 2024</option>' in year
    bad = client.get("/dashboard/?quarter=Q9").get_data(as_text=True)
    assert "Không hiểu giá trị quý «Q9»" in bad and "Đang hiện quý hiện tại." in bad
    assert "Tổng quan · Quý IV/2026" in bad
