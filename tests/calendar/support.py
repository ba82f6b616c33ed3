"""A month of known deadlines far from the demo's dates, so every figure is exact."""

from __future__ import annotations

import re
from datetime import date, datetime

from tests.ui.support import make_plan
from workflow import clock

YEAR, MONTH = 2031, 3
# 10:00 in Vietnam on 10/03/2031: the 5th is past, the 20th to come.
NOW = datetime(2031, 3, 10, 3, 0)
TODAY = date(2031, 3, 10)


def month_plan(users) -> dict:  # noqa: ANN001
    """Plan CAL/2031 tracked by GDTX: TCCB leads 1 (due 5/3, overdue), 2 (due 20/3) and
    4 (due 2/4, next month); Công đoàn ngành leads 3 (due 7/3)."""
    clock.freeze(NOW)
    return make_plan(
        users,
        "CAL/2031",
        [
            ("1", "Rà soát đội ngũ cán bộ quản lý", date(2031, 3, 5), "TCCB"),
            ("2", "Báo cáo sơ kết quý I", date(2031, 3, 20), "TCCB"),
            ("3", "Tổ chức hội thi công đoàn", date(2031, 3, 7), "CDN"),
            ("4", "Tổng hợp kết quả bồi dưỡng", date(2031, 4, 2), "TCCB"),
        ],
    )


def day_cell(html: str, day: date) -> str:
    """The HTML of one day's cell of the month grid."""
    match = re.search(rf'<td[^>]*data-day="{day.isoformat()}"[^>]*>(.*?)</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(0)


def tasks_on_page(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'class="cal-entry[^"]*" data-task="(\d+)"', html)}
