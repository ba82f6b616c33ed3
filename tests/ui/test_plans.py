"""Plan page (appendix shape, roll-up, progress) and the responsibility matrix."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from tests.foundation.helpers import find_task
from tests.foundation.web import login
from tests.ui.support import walk


def _row(page: str, number: str) -> str:
    return page.split(f'id="item-{number}"')[1].split('<tr class="item"')[0]


def test_plan_page_rolls_up_sub_tasks(client, users):  # noqa: ANN001
    parent = find_task("4403/KH-SGDĐT", "6")
    login(client, "gdtx.coordinator")
    page = client.get(f"/plans/{parent.plan_id}").get_data(as_text=True)
    for header in ("STT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian"):
        assert f">{header}</th>" in page
    assert '<tr class="section">' in page
    assert "0/22" in _row(page, "6")
    before = re.search(r'id="plan-progress"><progress max="(\d+)" value="(\d+)"', page).groups()
    sub = find_task("4403/KH-SGDĐT", "6", "PGD-Q1")
    walk(users, sub.id, "pgd-q1.member", "start", "report", "verify")
    page = client.get(f"/plans/{parent.plan_id}").get_data(as_text=True)
    assert "1/22" in _row(page, "6")
    after = re.search(r'id="plan-progress"><progress max="(\d+)" value="(\d+)"', page).groups()
    assert after == (before[0], str(int(before[1]) + 1))


def test_plan_page_exports_the_same_rows(client):  # noqa: ANN001
    plan_id = find_task("4403/KH-SGDĐT", "6").plan_id
    login(client, "gdtx.coordinator")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    response = client.get(f"/plans/{plan_id}?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["STT", "Mục", "Nội dung"]
    assert len(rows) - 1 == page.count('<tr class="item"')
    six = next(r for r in rows if r[0] == "6")
    assert six[-1] == "0/22"
    book = load_workbook(io.BytesIO(client.get(f"/plans/{plan_id}?format=xlsx").data))
    sheet = list(book.active.iter_rows(values_only=True))
    assert [r[0] for r in sheet[1:]] == [r[0] for r in rows[1:]]


def test_matrix_marks_lead_coordinating_and_groups(client):  # noqa: ANN001
    plan_id = find_task("4403/KH-SGDĐT", "6").plan_id
    login(client, "gdtx.coordinator")
    page = client.get(f"/plans/{plan_id}/matrix").get_data(as_text=True)

    def unit_row(name: str) -> str:
        return page.split(f">{name}</a></th>")[1].split("</tr>")[0]

    tccb = unit_row("Phòng Tổ chức cán bộ")
    assert re.search(r'data-item="2"><span class="mark-lead"[^>]*>C</span>', tccb)
    q1 = unit_row("Phòng Giáo dục và Đào tạo quận 1")
    # Item 6 names the district offices as a group: expanded, marked as via the group.
    assert re.search(r'data-item="6"><span class="mark-lead mark-group"[^>]*>C\*</span>', q1)
    lead_count = int(re.search(r'class="count-lead">(\d+)', q1).group(1))
    assert lead_count == q1.count(">C")
    csv_rows = list(
        csv.reader(
            io.StringIO(client.get(f"/plans/{plan_id}/matrix?format=csv").get_data(as_text=True))
        )
    )
    header = csv_rows[0]
    q1_csv = next(r for r in csv_rows if r[0] == "Phòng Giáo dục và Đào tạo quận 1")
    assert q1_csv[header.index("6")] == "C*" and int(q1_csv[1]) == lead_count


def test_unrelated_member_cannot_open_plan_or_matrix(client):  # noqa: ANN001
    plan_id = find_task("4403/KH-SGDĐT", "6").plan_id
    login(client, "thcs-lqd8.member")
    assert client.get(f"/plans/{plan_id}").status_code == 403
    assert client.get(f"/plans/{plan_id}/matrix").status_code == 403
    assert "4403/KH-SGDĐT" not in client.get("/plans/").get_data(as_text=True)
