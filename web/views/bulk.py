"""Bulk actions on checked rows of a task list, and the saved filters above the lists.

Thin: every change goes through workflow.bulk_actions / workflow.saved_filters, every read
through reports.lists; the page shows workflow's summary and comes back to the list.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import Role
from reports import lists
from reports.progress import parse_period
from web import params
from web.exports import FORMATS, export_response, task_columns
from web.filters import period_label
from workflow import bulk_actions, clock
from workflow import saved_filters as filter_service
from workflow.errors import WorkflowError

bp = Blueprint("bulk", __name__, url_prefix="/lists")

# The lists with a bulk bar or saved filters, and where each returns.
LIST_TITLES = {
    "units.mine": "Việc của đơn vị",
    "tasks.index": "Danh sách nhiệm vụ",
}


@bp.app_template_global()
def saved_filter_links(list_name: str) -> list[lists.SavedLink]:
    """The current user's saved filters of a list, for its partial (one statement)."""
    return lists.saved_filters(current_user, list_name)


@bp.app_template_global()
def may_bulk_act() -> bool:
    """Whether the list shows checkboxes and the bulk bar: people who act on tasks."""
    return current_user.is_authenticated and current_user.role in (Role.MEMBER, Role.COORDINATOR)


def _back() -> Response:
    target = params.local_path(request.form.get("next"))
    return redirect(target or url_for("units.mine"))


def _flash_outcome(outcome: bulk_actions.Outcome) -> None:
    lines = outcome.summary()
    category = "success" if outcome.done and not outcome.refused else "warning"
    if not outcome.done:
        category = "error"
    for line in lines:
        flash(line, category)


@bp.route("/bulk", methods=["POST"])
@login_required
def apply() -> str | Response:
    """Run the chosen action on the checked tasks (start, remind, reassign, export)."""
    action = request.form.get("action", "")
    raw_ids = request.form.getlist("ids")
    try:
        if action in ("start", "remind"):
            if action == "start":
                outcome = bulk_actions.start(raw_ids, current_user)
            else:
                outcome = bulk_actions.remind(raw_ids, current_user, request.form.get("note"))
            _flash_outcome(outcome)
            return _back()
        if action == "reassign":
            return _reassign(raw_ids)
        fmt = action.removeprefix("export_")
        if action.startswith("export_") and fmt in FORMATS:
            ids = bulk_actions.parse_selection(raw_ids)
            tasks, unseen = lists.selected_tasks(current_user, ids)
            if unseen:
                flash(
                    gettext(
                        "%(n)s nhiệm vụ đã chọn không tồn tại hoặc bạn không được xem; "
                        "không có gì được xuất. Hãy tải lại trang rồi chọn lại.",
                        n=unseen,
                    ),
                    "error",
                )
                return _back()
            return export_response(tasks, task_columns(), fmt, "nhiem-vu-da-chon")
    except WorkflowError as error:
        flash(error.message, "error")
        return _back()
    flash(gettext("Hãy chọn một thao tác cho các nhiệm vụ đã chọn."), "error")
    return _back()


def _reassign(raw_ids: list[str]) -> str | Response:
    """Giving tasks to another unit asks first: a page naming the tasks, the unit and the
    reason, whose button asks once more; only that confirmed form changes anything."""
    if request.form.get("confirm") == "1":
        outcome = bulk_actions.reassign(
            raw_ids, current_user, request.form.get("unit_id"), request.form.get("reason", "")
        )
        _flash_outcome(outcome)
        return _back()
    if current_user.role != Role.COORDINATOR:
        flash(gettext("Chỉ điều phối viên mới được giao lại nhiệm vụ."), "error")
        return _back()
    ids = bulk_actions.parse_selection(raw_ids)
    tasks, unseen = lists.selected_tasks(current_user, ids)
    if unseen:
        flash(
            gettext(
                "%(n)s nhiệm vụ đã chọn không tồn tại hoặc bạn không được xem; không có gì "
                "thay đổi. Hãy tải lại trang rồi chọn lại.",
                n=unseen,
            ),
            "error",
        )
        return _back()
    return render_template(
        "lists/reassign.html",
        tasks=tasks,
        units=lists.reassign_targets(),
        next=params.local_path(request.form.get("next")) or url_for("units.mine"),
    )


def _list_url(list_name: str, query: str = "") -> str:
    base = url_for(list_name if list_name in LIST_TITLES else "units.mine")
    return f"{base}?{query}" if query else base


@bp.route("/filters", methods=["POST"])
@login_required
def save_filter() -> Response:
    """Save the list's current filter under a name."""
    list_name = request.form.get("list", "")
    query = request.form.get("query", "")
    try:
        filter_service.save(current_user, list_name, request.form.get("name"), query)
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(gettext("Đã lưu bộ lọc."), "success")
    return redirect(_list_url(list_name, filter_service.clean_query(query)))


@bp.route("/filters/<int:filter_id>/rename", methods=["POST"])
@login_required
def rename_filter(filter_id: int) -> Response:
    """Rename one of the user's saved filters."""
    try:
        filter_service.rename(current_user, filter_id, request.form.get("name"))
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(gettext("Đã đổi tên bộ lọc."), "success")
    return _back_to_list()


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
@login_required
def delete_filter(filter_id: int) -> Response:
    """Delete one of the user's saved filters."""
    try:
        filter_service.delete(current_user, filter_id)
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(gettext("Đã xóa bộ lọc."), "success")
    return _back_to_list()


def _back_to_list() -> Response:
    target = params.local_path(request.form.get("next"))
    return redirect(target or _list_url(request.form.get("list", "")))


def filter_query(args: dict[str, str]) -> str:
    """The query string a saved filter keeps from the current page's arguments."""
    return filter_service.clean_query(urlencode(list(args.items())))


bp.add_app_template_global(filter_query, "saved_filter_query")
bp.add_app_template_global(bulk_actions.MAX_TASKS, "bulk_max")
bp.add_app_template_global(parse_period, "parse_period")


@bp.app_template_global()
def quarter_choices(
    quarters: list[str] | None = None, selected: str | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The options of a quarter <select>, per year: "Cả năm 2026", then its quarters
    ("Quý I/2026" …). `quarters`: the ones to offer (the dashboard's span of work); by
    default the whole of the years from two before today's to the next. The selected value
    is always offered."""
    if quarters is None:
        this_year = clock.today().year
        quarters = [f"{y}-Q{q}" for y in range(this_year - 2, this_year + 2) for q in (1, 2, 3, 4)]
    offered = list(quarters)
    if selected and selected not in offered and not selected.isdigit():
        offered.append(selected)
    years: dict[str, list[tuple[str, str]]] = {}
    for quarter in sorted(offered):
        year = quarter.split("-")[0]
        years.setdefault(year, [(year, gettext("Cả năm %(year)s", year=year))])
        years[year].append((quarter, period_label(quarter)))
    if selected and selected.isdigit() and selected not in years:
        years[selected] = [(selected, gettext("Cả năm %(year)s", year=selected))]
    return sorted(years.items())
