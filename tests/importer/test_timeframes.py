"""Every row of the DESIGN.md Timeframes table, and the OCR-damaged quarter numerals."""

from __future__ import annotations

from datetime import date

import pytest

from importer.timeframes import parse_timeframe

ROWS = [
    ("Quý II năm 2024", ["2024-Q2"], date(2024, 6, 30)),
    ("Quý II/2024", ["2024-Q2"], date(2024, 6, 30)),
    ("quý 2 năm 2024", ["2024-Q2"], date(2024, 6, 30)),
    (
        "quý III, IV năm 2024 và quý I, II năm 2025",
        ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"],
        date(2025, 6, 30),
    ),
    ("6 tháng đầu năm 2025", ["2025-Q1", "2025-Q2"], date(2025, 6, 30)),
    ("6 tháng cuối năm 2025", ["2025-Q3", "2025-Q4"], date(2025, 12, 31)),
    ("tháng 9, 10 năm 2024", ["2024-09", "2024-10"], date(2024, 10, 31)),
    ("trong tháng 9 và tháng 10 năm 2024", ["2024-09", "2024-10"], date(2024, 10, 31)),
    (
        "từ tháng 8 đến tháng 12/2025",
        ["2025-08", "2025-09", "2025-10", "2025-11", "2025-12"],
        date(2025, 12, 31),
    ),
    ("năm 2024", ["2024"], date(2024, 12, 31)),
    ("trước ngày 15 tháng 01 năm 2025", ["2025-01"], date(2025, 1, 15)),
    ("trước ngày 15/01/2025", ["2025-01"], date(2025, 1, 15)),
    ("năm học 2025-2026", ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"], date(2026, 5, 31)),
    ("Quy 11 nam 2024", ["2024-Q2"], date(2024, 6, 30)),
    ("Quy Il ndm 2024", ["2024-Q2"], date(2024, 6, 30)),
    ("Quy 111 nam 2024", ["2024-Q3"], date(2024, 9, 30)),
    ("Quy 11l nam 2024", ["2024-Q3"], date(2024, 9, 30)),
    ("Quy 1V nam 2024", ["2024-Q4"], date(2024, 12, 31)),
    ("quy 1V nam 2024 va quy |, 1l nam 2025", ["2024-Q4", "2025-Q1", "2025-Q2"], date(2025, 6, 30)),
    # Forms of the genre beyond the DESIGN.md table.
    ("năm học 2024 – 2025", ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"], date(2025, 5, 31)),
    ("Trước 15/01/2025", ["2025-01"], date(2025, 1, 15)),
    ("Tháng 4-5/2025", ["2025-04", "2025-05"], date(2025, 5, 31)),
    ("Quý I, II/2025", ["2025-Q1", "2025-Q2"], date(2025, 6, 30)),
    (
        "từ tháng 10/2024 đến tháng 2/2025",
        ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"],
        date(2025, 2, 28),
    ),
    ("tir thang 11/2024 dén thang 1/2025", ["2024-11", "2024-12", "2025-01"], date(2025, 1, 31)),
    ("từ Quý IV/2024 đến Quý II/2025", ["2024-Q4", "2025-Q1", "2025-Q2"], date(2025, 6, 30)),
    ("từ ngày 01/10/2024 đến ngày 30/11/2024", ["2024-10", "2024-11"], date(2024, 11, 30)),
]


@pytest.mark.parametrize("text, periods, due", ROWS, ids=[r[0] for r in ROWS])
def test_table_rows(text, periods, due):
    tf = parse_timeframe(text, 2024)
    assert tf.periods == periods
    assert tf.due == due
    assert tf.understood


def test_year_left_out_is_the_plans_year():
    assert parse_timeframe("Quý IV", 2023).periods == ["2023-Q4"]
    assert parse_timeframe("6 tháng cuối năm", 2026).periods == ["2026-Q3", "2026-Q4"]


def test_every_quarter_recurring():
    tf = parse_timeframe("hằng quý", 2024)
    assert tf.periods == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert tf.due == date(2024, 12, 31)
    assert tf.recurrence == "quarterly"


def test_yearly_with_named_date():
    tf = parse_timeframe("hằng năm, trước ngày 10 tháng 12 hằng năm", 2024)
    assert tf.recurrence == "yearly"
    assert tf.due == date(2024, 12, 10)
    ocr = parse_timeframe("truée ngay 10 thang 12 hang nim", 2025)
    assert (ocr.recurrence, ocr.due) == ("yearly", date(2025, 12, 10))


def test_ongoing_has_no_periods():
    tf = parse_timeframe("thường xuyên", 2024)
    assert tf.ongoing and tf.periods == [] and tf.due is None and tf.understood


def test_staff_change_keeps_date_and_notes_recurrence():
    tf = parse_timeframe("tháng 7 năm 2024 và khi có thay đổi nhân sự", 2024)
    assert tf.periods == ["2024-07"] and tf.due == date(2024, 7, 31)
    assert tf.notes == ["và khi có thay đổi nhân sự"]


def test_ocr_quarter_gap_is_closed_only_for_ocr_numerals():
    assert parse_timeframe("quy 11 va IV nam 2024", 2024).periods == ["2024-Q3", "2024-Q4"]
    assert parse_timeframe("quý II và IV năm 2024", 2024).periods == ["2024-Q2", "2024-Q4"]


def test_nonsense_is_not_understood():
    tf = parse_timeframe("theo tiến độ chung", 2024)
    assert not tf.understood and tf.periods == [] and tf.due is None


def test_periods_ending_in_the_same_month_keep_one_order_whatever_the_hash_seed():
    """Sorting by end month alone left ties in set order, which changes with PYTHONHASHSEED."""
    import subprocess
    import sys

    code = (
        "from importer.timeframes import parse_timeframe;"
        "print(parse_timeframe('Quý IV/2024, tháng 12/2024 và cả năm 2024').periods)"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
        ).stdout
        for seed in range(8)
    }
    assert len(outputs) == 1, outputs
