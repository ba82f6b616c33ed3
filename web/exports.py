"""One export helper for every list: the rows a page shows, as CSV or XLSX.

A page describes its columns once (`Column`), renders them as HTML, and hands the same
columns and the same filtered rows to `export_response` for `?format=csv|xlsx`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, current_app

from reports.tabular import Column, to_csv, to_xlsx

FORMATS = ("csv", "xlsx")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(
    rows: Iterable[Any], columns: list[Column], fmt: str, basename: str
) -> Response:
    """A download of the rows in `fmt` ("csv" or "xlsx"); above EXPORT_INLINE_MAX_ROWS rows,
    a redirect to a background job that writes the same file (jobs/tasks.py: export)."""
    from web.views.jobs import defer_download, in_job

    if not in_job():
        rows = list(rows)
        if len(rows) > int(current_app.config.get("EXPORT_INLINE_MAX_ROWS", 5000)):
            return defer_download(fmt)
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
