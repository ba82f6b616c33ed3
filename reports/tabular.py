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
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from workflow.clock import to_local

# openpyxl (~10 MB in a web worker, with lxml and Pillow) is imported by the functions that
# write a workbook, not here: every web worker imports this module, few export (issue 12).
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell import Cell
    from openpyxl.styles import Alignment, Font
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
    in memory. Add sheets with `create_sheet`, a table's header with `append_header` and
    rows with `append_row`; `workbook_bytes` finishes the sheets and returns the file."""
    from openpyxl import Workbook

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
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Assigning "=…" made it a formula: the type is set after the value, on purpose.
        cell.data_type = "s"
    if number_format is not None:
        cell.number_format = number_format
    return cell


# Layout of a sheet (review 2026-12, finding 26: every column 13 wide, no frozen header, no
# filter). A streaming sheet writes its column widths and frozen pane before its first
# row, so the first SAMPLE_ROWS rows wait in memory to be measured; the rest stream as
# before. The filter is written at the end, when the last row is known.
SAMPLE_ROWS = 500
MIN_WIDTH, MAX_WIDTH = 6, 60  # in characters; longer columns wrap instead of widening
DATE_FORMAT, DATETIME_FORMAT = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"


@cache
def _cell_class() -> type[Cell]:
    from openpyxl.cell import Cell

    return Cell


@cache
def _wrap() -> Alignment:
    from openpyxl.styles import Alignment

    return Alignment(wrap_text=True, vertical="top")


@cache
def _header_font() -> Font:
    from openpyxl.styles import Font

    return Font(bold=True)


@dataclass
class _Layout:
    """What `append_row` knows of a sheet: rows waiting to be measured, then counts."""

    header: bool = False
    pending: list[list[Any]] = field(default_factory=list)
    started: bool = False
    rows: int = 0
    columns: int = 0
    wrap: frozenset[int] = frozenset()


def _layout(sheet: WriteOnlyWorksheet) -> _Layout:
    layout = getattr(sheet, "_planwork_layout", None)
    if layout is None:
        layout = _Layout()
        sheet._planwork_layout = layout  # type: ignore[attr-defined]
    return layout


def text_width(value: Any) -> int:
    """How many characters wide a value shows: its longest line, Vietnamese letters one
    each whether precomposed or built from combining marks, East Asian wide letters two."""
    if isinstance(value, _cell_class()):
        value = value.value
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len("dd/mm/yyyy hh:mm")
    if isinstance(value, date):
        return len("dd/mm/yyyy")
    widest = 0
    for line in str(value).splitlines() or [""]:
        width = 0
        for char in unicodedata.normalize("NFC", line):
            if unicodedata.combining(char):
                continue
            width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        widest = max(widest, width)
    return widest


def _to_cell(sheet: WriteOnlyWorksheet, value: Any, wrap: bool, header: bool) -> Any:
    """One value as written: formula-like text kept as text (H3), dates as real dates shown
    dd/mm/yyyy, long text wrapped, header cells bold."""
    if isinstance(value, _cell_class()):
        return value
    if value is None:
        return None
    if isinstance(value, datetime):
        return xlsx_cell(sheet, value, DATETIME_FORMAT)
    if isinstance(value, date):
        return xlsx_cell(sheet, value, DATE_FORMAT)
    if not (header or (wrap and isinstance(value, str))):
        return xlsx_cell(sheet, value)
    cell = xlsx_cell(sheet, value, "General")
    if header:
        cell.font = _header_font()
    else:
        cell.alignment = _wrap()
    return cell


def _write(sheet: WriteOnlyWorksheet, layout: _Layout, values: list[Any]) -> None:
    header = layout.header and layout.rows == 0
    sheet.append([_to_cell(sheet, v, i in layout.wrap, header) for i, v in enumerate(values)])
    layout.rows += 1
    layout.columns = max(layout.columns, len(values))


def _start(sheet: WriteOnlyWorksheet, layout: _Layout) -> None:
    """Fit the columns to the rows waiting, freeze the header, then write those rows."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    wrap = set()
    for row in layout.pending:
        for i, value in enumerate(row):
            width = text_width(value)
            widths[i] = max(widths.get(i, 0), width)
            if width > MAX_WIDTH or (isinstance(value, str) and "\n" in value):
                wrap.add(i)
    for i, width in widths.items():
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    layout.wrap = frozenset(wrap)
    if layout.header:
        sheet.freeze_panes = "A2"
    layout.started = True
    pending, layout.pending = layout.pending, []
    for row in pending:
        _write(sheet, layout, row)


def append_header(sheet: WriteOnlyWorksheet, headers: Iterable[Any]) -> None:
    """Make the sheet a table: this first row is its header, kept in view when scrolling
    (frozen) and given a filter over every row below it."""
    layout = _layout(sheet)
    if layout.started or layout.pending:
        raise ValueError("the header must be the sheet's first row")
    layout.header = True
    append_row(sheet, headers)


def append_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Append one row to a sheet of `new_workbook()`, every string kept as text (H3)."""
    layout = _layout(sheet)
    row = list(values)
    if layout.started:
        _write(sheet, layout, row)
        return
    layout.pending.append(row)
    if len(layout.pending) >= SAMPLE_ROWS:
        _start(sheet, layout)


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file, each sheet's columns fitted and each
    table's header frozen and filtered."""
    from openpyxl.utils import get_column_letter

    for sheet in book.worksheets:
        layout = _layout(sheet)
        if not layout.started:
            _start(sheet, layout)
        if layout.header and layout.columns:
            last = get_column_letter(layout.columns)
            sheet.auto_filter.ref = f"A1:{last}{max(layout.rows, 1)}"
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


def _xlsx_value(value: Any) -> Any:
    value = _cell(value, False)
    return None if isinstance(value, str) and value == "" else value


def to_xlsx(rows: Iterable[Any], columns: list[Column], title: str = "PlanWork") -> bytes:
    """One sheet: a frozen, filtered header row, fitted columns, dates shown dd/mm/yyyy
    (cells as in H3)."""
    book = new_workbook()
    sheet = book.create_sheet(title=title[:31] or "PlanWork")
    append_header(sheet, [c.header for c in columns])
    for row in rows:
        # Empty cells stay empty (no "" string), so the filter offers them as blanks.
        append_row(sheet, [_xlsx_value(c.value(row)) for c in columns])
    return workbook_bytes(book)
