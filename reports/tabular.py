"""Tables of rows as CSV and XLSX bytes: no web here, so reports and exports share it.

Every CSV and XLSX file the application writes goes through this module, because it is
the one place that keeps user text from running as a spreadsheet formula (security review
finding H3). Task titles come from imported documents, unit and user names from admins and
reasons from any member; a spreadsheet reads a cell that begins with `=`, `+`, `-`, `@`,
a tab or a carriage return as a formula (openpyxl even stores a string that begins with
`=` as a live formula). So:

- XLSX: every such string is written as a string cell (`data_type "s"`), so it shows the
  exact text and never evaluates;
- CSV: such a string gets a leading apostrophe, which Excel and LibreOffice take as "text"
  (CSV has no cell types, so the text has to carry the mark).

Only strings are neutralised: numbers and dates stay numbers and dates (a negative number
is a number, not text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell

from workflow.clock import to_local

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A column: its header and how to get a cell from a row."""

    header: str
    value: Callable[[Any], Any]


def is_formula_like(value: Any) -> bool:
    """True for a string a spreadsheet would read as a formula (H3)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_value(value: Any) -> Any:
    """The value as a CSV cell: a formula-like string gets a leading apostrophe (H3)."""
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


def csv_table(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A header and rows as CSV: UTF-8 with a byte-order mark, so Excel shows the diacritics
    right, and every cell neutralised (H3)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_value(v) for v in header])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def new_workbook() -> Workbook:
    """An empty streaming workbook: rows go straight to the file, so big exports stay small
    in memory. Add sheets with `create_sheet` and rows with `append_row`."""
    return Workbook(write_only=True)


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, number_format: str | None = None) -> Any:
    """The value as an XLSX cell: a formula-like string becomes a string cell (H3).

    Other values are returned as they are (openpyxl types them itself: numbers stay numbers,
    dates dates, and other strings are already string cells), unless a number format is
    asked for.
    """
    if value is None:
        return None
    if not is_formula_like(value) and number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Assigning "=…" made it a formula: the type is set after the value, on purpose.
        cell.data_type = "s"
    if number_format is not None:
        cell.number_format = number_format
    return cell


def append_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append one row to a sheet of `new_workbook()`, every string kept as text (H3)."""
    sheet.append([v if isinstance(v, Cell) else xlsx_cell(sheet, v) for v in values])


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any, for_csv: bool) -> Any:
    # Dates as people write them in CSV; XLSX keeps real dates so they sort and filter.
    if isinstance(value, datetime):
        local = to_local(value)
        value = local.replace(tzinfo=None) if local else None
        return value.strftime("%d/%m/%Y %H:%M") if for_csv and value else value
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if for_csv else value
    if value is None:
        return ""
    return value


def to_csv(rows: Iterable[Any], columns: list[Column]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the diacritics right (cells as in H3)."""
    return csv_table(
        [c.header for c in columns],
        ([_cell(c.value(row), True) for c in columns] for row in rows),
    )


def to_xlsx(rows: Iterable[Any], columns: list[Column], title: str = "PlanWork") -> bytes:
    """One sheet, a header row, dates formatted dd/mm/yyyy (cells as in H3)."""
    book = new_workbook()
    sheet = book.create_sheet(title=title[:31] or "PlanWork")
    append_row(sheet, [c.header for c in columns])
    for row in rows:
        cells = []
        for column in columns:
            value = _cell(column.value(row), False)
            if isinstance(value, date):
                value = xlsx_cell(
                    sheet,
                    value,
                    "dd/mm/yyyy hh:mm" if isinstance(value, datetime) else "dd/mm/yyyy",
                )
            cells.append(value)
        append_row(sheet, cells)
    return workbook_bytes(book)
