"""XLSX exports worth opening (review 2026-12, finding 26): a frozen header row, a filter
over the data, columns fitted to their text (capped, long text wrapped), dates as real
dates shown dd/mm/yyyy. Read back with openpyxl, from the writer and from the pages."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from reports.tabular import (
    MAX_WIDTH,
    SAMPLE_ROWS,
    Column,
    append_header,
    append_row,
    new_workbook,
    text_width,
    to_xlsx,
    workbook_bytes,
)
from reports.yearend import gather, yearend_xlsx
from tests.calendar.support import month_plan
from tests.foundation.web import login

LONG = "Tổ chức các hoạt động học tập suốt đời cho người dân trên địa bàn thành phố " * 3


def _columns() -> list[Column]:
    return [
        Column("STT", lambda r: r[0]),
        Column("Nội dung", lambda r: r[1]),
        Column("Hạn", lambda r: r[2]),
        Column("Lúc báo cáo", lambda r: r[3]),
        Column("Ghi chú", lambda r: r[4]),
    ]


def _sheet(body: bytes, name: str | None = None):  # noqa: ANN202
    book = load_workbook(io.BytesIO(body))
    return book[name] if name else book.worksheets[0]


def _widths(sheet) -> dict[str, float]:  # noqa: ANN001
    return {key: dim.width for key, dim in sheet.column_dimensions.items() if dim.width}


def _assert_table(sheet, columns: int, rows: int) -> None:  # noqa: ANN001
    """Header frozen, filter over header + every data row, every column given a width."""
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(columns)}{rows + 1}"
    widths = _widths(sheet)
    assert set(widths) == {get_column_letter(i) for i in range(1, columns + 1)}
    assert all(6 <= w <= MAX_WIDTH for w in widths.values())
    assert all(cell.font.b for cell in sheet[1])


@pytest.mark.parametrize("count", [3, SAMPLE_ROWS + 37])
def test_a_table_opens_frozen_filtered_and_fitted(count: int) -> None:
    rows = [
        (
            str(i + 1),
            LONG if i == 1 else "Ngắn",
            date(2026, 12, 31),
            datetime(2026, 12, 1, 1, 30),
            None,
        )
        for i in range(count)
    ]
    sheet = _sheet(to_xlsx(rows, _columns(), title="Nhiệm vụ"))
    _assert_table(sheet, 5, count)
    widths = _widths(sheet)
    assert widths["B"] == MAX_WIDTH  # capped, and the long text wraps instead
    assert widths["A"] < 10 and 10 <= widths["C"] <= 14
    assert sheet["B3"].alignment.wrap_text and sheet[f"B{count + 1}"].alignment.wrap_text
    assert not sheet["A3"].alignment.wrap_text
    due, reported = sheet["C2"], sheet["D2"]
    assert (
        due.is_date and due.number_format == "dd/mm/yyyy" and due.value.date() == date(2026, 12, 31)
    )
    assert reported.is_date and reported.number_format == "dd/mm/yyyy hh:mm"
    assert sheet["E2"].value is None  # empty stays empty (a blank for the filter)
    assert sheet.max_row == count + 1


def test_width_counts_vietnamese_letters_once_however_they_are_written() -> None:
    import unicodedata

    word = "Nguyễn Thị Hường"
    assert text_width(word) == len(word)
    assert text_width(unicodedata.normalize("NFD", word)) == len(word)
    assert text_width("dòng một\ndòng hai dài hơn") == len("dòng hai dài hơn")
    assert text_width("学习") == 4
    assert text_width(date(2026, 1, 1)) == 10


def test_formula_like_text_stays_text_in_a_fitted_column() -> None:
    planted = '=HYPERLINK("http://evil.example/","Xem")' + " chi tiết" * 10
    sheet = _sheet(to_xlsx([("1", planted, None, None, "@SUM(1)")], _columns()))
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == planted
    assert sheet["B2"].alignment.wrap_text
    assert sheet["E2"].data_type == "s" and sheet["E2"].value == "@SUM(1)"


def test_a_sheet_without_a_header_is_fitted_but_not_filtered() -> None:
    book = new_workbook()
    info = book.create_sheet("Thông tin")
    append_row(info, ["Nhật ký kiểm tra PlanWork"])
    append_row(info, ["Từ ngày", date(2026, 1, 1)])
    table = book.create_sheet("Nhật ký")
    append_header(table, ["Lúc", "Việc"])
    with pytest.raises(ValueError):
        append_header(table, ["again"])
    sheet = _sheet(workbook_bytes(book), "Thông tin")
    assert sheet.freeze_panes is None and sheet.auto_filter.ref is None
    assert _widths(sheet)["A"] >= len("Nhật ký kiểm tra PlanWork")
    assert sheet["B2"].number_format == "dd/mm/yyyy"
    # A table with no rows yet filters its header alone.
    assert _sheet(workbook_bytes_of(table_only=True)).auto_filter.ref == "A1:B1"


def workbook_bytes_of(table_only: bool) -> bytes:
    book = new_workbook()
    append_header(book.create_sheet("T"), ["Lúc", "Việc"])
    return workbook_bytes(book)


def test_the_task_list_export(client) -> None:
    login(client, "sgddt.admin")
    response = client.get("/tasks/?format=xlsx")
    assert response.status_code == 200
    sheet = _sheet(response.data)
    rows = sheet.max_row - 1
    assert rows > 10
    _assert_table(sheet, sheet.max_column, rows)
    headers = [c.value for c in sheet[1]]
    due = headers.index("Hạn") + 1
    dated = [r[due - 1] for r in sheet.iter_rows(min_row=2) if r[due - 1].value is not None]
    assert dated and all(c.is_date and c.number_format == "dd/mm/yyyy" for c in dated)
    content = get_column_letter(headers.index("Nội dung") + 1)
    assert _widths(sheet)[content] > 30


def test_the_audit_export(client) -> None:
    login(client, "sgddt.admin")
    response = client.get("/audit/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    trail = book["Nhật ký"]
    _assert_table(trail, trail.max_column, trail.max_row - 1)
    assert book["Thông tin"].auto_filter.ref is None


def test_the_year_end_workbook(users) -> None:
    ids = month_plan(users)  # the clock stands in 2031, the plan's year
    book = load_workbook(io.BytesIO(yearend_xlsx(gather(2031, plan_id=ids["plan"]))))
    tasks = book["Nhiệm vụ"]
    _assert_table(tasks, 12, tasks.max_row - 1)
    assert tasks["E1"].value == "Hạn"
    dated = [c for row in tasks.iter_rows(min_row=2) for c in row if c.is_date]
    assert dated and all(c.number_format.startswith("dd/mm/yyyy") for c in dated)
    annex = book["Phụ lục chỉ số"]
    assert annex.freeze_panes == "A2"
