"""One export helper for every list: the rows a page shows, as CSV or XLSX.

A page describes its columns once (`Column`), renders them as HTML, and hands the same
columns and the same filtered rows to `export_response` for `?format=csv|xlsx`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from workflow.clock import to_local

FORMATS = ("csv", "xlsx")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def export_response(
    rows: Iterable[Any], columns: list[Column], fmt: str, basename: str
) -> Response:
    """A download of the rows in `fmt` ("csv" or "xlsx")."""
    if fmt == "xlsx":
        body, mimetype = to_xlsx(rows, columns), XLSX_MIME
    else:
        body, mimetype, fmt = to_csv(rows, columns), "text/csv; charset=utf-8", "csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    return response


def lead_names(task: Any) -> str:
    """The lead unit as the plan names it (a fanned-out parent lists every lead)."""
    if task.lead_unit is not None:
        return task.lead_unit.name
    return ", ".join(tu.display_name for tu in task.units if tu.role == "lead")


def coordinating_names(task: Any) -> str:
    """The coordinating units as the plan names them."""
    return "; ".join(tu.display_name for tu in task.units if tu.role == "coordinating")


def task_columns() -> list[Column]:
    """The columns of every task list export (headers in the user's language)."""
    from flask_babel import gettext

    from workflow.state_machine import STATE_LABELS

    return [
        Column(gettext("Kế hoạch"), lambda t: t.plan.number or t.plan.title[:60]),
        Column(gettext("STT"), lambda t: t.number),
        Column(gettext("Nội dung"), lambda t: t.title),
        Column(gettext("Đơn vị chủ trì"), lead_names),
        Column(gettext("Đơn vị phối hợp"), coordinating_names),
        Column(gettext("Thời gian"), lambda t: t.timeframe_text),
        Column(gettext("Hạn"), lambda t: t.due_on),
        Column(gettext("Trạng thái"), lambda t: gettext(STATE_LABELS[t.state])),
        Column(gettext("Báo cáo trễ hạn"), lambda t: gettext("có") if t.reported_late else ""),
    ]
