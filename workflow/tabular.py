"""Tables of rows as CSV and XLSX bytes: no web here, so reports and exports share it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from workflow.clock import to_local


@dataclass(frozen=True)
class Column:
    """A column: its header and how to get a cell from a row."""

    header: str
    value: Callable[[Any], Any]


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
    """UTF-8 with a byte-order mark, so Excel shows the diacritics right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([_cell(c.value(row), True) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Any], columns: list[Column], title: str = "PlanWork") -> bytes:
    """One sheet, a header row, dates formatted dd/mm/yyyy."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "PlanWork")
    sheet.append([c.header for c in columns])
    for row in rows:
        cells = []
        for column in columns:
            value = _cell(column.value(row), False)
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = (
                    "dd/mm/yyyy hh:mm" if isinstance(value, datetime) else "dd/mm/yyyy"
                )
                value = cell
            cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
