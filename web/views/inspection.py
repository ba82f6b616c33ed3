"""Inspection pages: a plan or a unit as of a past date, a task's timeline, the year-end
report, the inspection pack, and indicators (framework, assignments, values).

Who may open what (also listed in docs for the authorization table):
- plan as-of, plan year-end, plan pack: inspectors, admins, coordinators of the plan's
  tracking unit;
- unit as-of, unit year-end, unit pack: inspectors, admins, coordinators of that unit;
- task timeline: whoever may see the task;
- indicators: everyone signed in reads; a unit's members and coordinators enter its
  values; admins and coordinators assign.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from models import IndicatorAssignment, IndicatorValue, Plan, Role, Unit, User, db
from reports import indicators as indicator_reports
from reports.asof import plan_as_of, plan_numbers, task_timeline, unit_as_of
from reports.audit_exports import action_label
from reports.unit_names import unit_name_on
from web import params
from web.feedback import attempt
from web.views.jobs import submit
from workflow import clock, indicator_framework, permissions
from workflow import indicators as indicator_service
from workflow import report_settings as settings_service
from workflow import tasks as task_service
from workflow.errors import WorkflowError
from workflow.state_machine import STATE_LABELS

bp = Blueprint("inspection", __name__)


def may_inspect_plan(user: User, plan: Plan) -> bool:
    return user.role in (Role.INSPECTOR, Role.ADMIN) or (
        user.role == Role.COORDINATOR and user.unit_id == plan.tracking_unit_id
    )


def may_inspect_unit(user: User, unit: Unit) -> bool:
    return user.role in (Role.INSPECTOR, Role.ADMIN) or (
        user.role == Role.COORDINATOR and user.unit_id == unit.id
    )


def _plan(plan_id: int) -> Plan:
    plan = db.get_or_404(Plan, plan_id)
    if not may_inspect_plan(current_user, plan):
        abort(403)
    return plan


def _unit(unit_id: int) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    if not may_inspect_unit(current_user, unit):
        abort(403)
    return unit


def _day() -> date:
    return params.date_arg("date") or clock.today()


def _year() -> int:
    return params.year_arg()


@bp.route("/inspection")
@login_required
def home() -> str:
    """Where an inspector or coordinator starts: pick a plan or unit, a date, a year."""
    if current_user.role in (Role.INSPECTOR, Role.ADMIN):
        plans = list(db.session.execute(sa.select(Plan).order_by(Plan.number)).scalars())
    elif current_user.role == Role.COORDINATOR:
        plans = list(
            db.session.execute(
                sa.select(Plan).where(Plan.tracking_unit_id == current_user.unit_id)
            ).scalars()
        )
    else:
        abort(403)
    return render_template(
        "inspection/home.html", plans=plans, today=clock.today(), year=clock.today().year
    )


@bp.route("/plans/<int:plan_id>/as-of")
@login_required
def plan_asof(plan_id: int) -> str:
    """The plan's items as they stood at the end of ?date=dd/mm/yyyy (Vietnam time)."""
    plan = _plan(plan_id)
    day = _day()
    tasks = plan_as_of(plan.id, day)
    return render_template(
        "inspection/asof.html", title=plan.label, plan=plan, unit=None, day=day, tasks=tasks,
        plan_labels={plan.id: plan.label}, STATE_LABELS=STATE_LABELS,
    )  # fmt: skip


@bp.route("/units/<int:unit_id>/as-of")
@login_required
def unit_asof(unit_id: int) -> str:
    """The tasks the unit led at the end of ?date=dd/mm/yyyy."""
    unit = _unit(unit_id)
    day = _day()
    tasks = unit_as_of(unit.id, day)
    return render_template(
        # The unit as it was called that day (renamed or merged since: its old name).
        "inspection/asof.html", title=unit_name_on(unit.id, day) or unit.name, plan=None,
        unit=unit, day=day, tasks=tasks,
        plan_labels=plan_numbers({t.plan_id for t in tasks if t.plan_id}),
        STATE_LABELS=STATE_LABELS,
    )  # fmt: skip


@bp.route("/tasks/<int:task_id>/timeline")
@login_required
def timeline(task_id: int) -> str:
    """Who did what to the task, when and why: its audit events, oldest first."""
    try:
        task = task_service.load_task(task_id)
    except WorkflowError:
        abort(404)
    if not permissions.can_view(task, current_user):
        abort(403)
    return render_template(
        "inspection/timeline.html", task=task, events=task_timeline(task.id),
        action_label=action_label, STATE_LABELS=STATE_LABELS,
    )  # fmt: skip


@bp.route("/plans/<int:plan_id>/year-end.<fmt>")
@login_required
def plan_yearend(plan_id: int, fmt: str) -> Response:
    """The plan's year-end report (?year=2024) as DOCX or the task list as XLSX."""
    plan = _plan(plan_id)
    year = _year()
    return _yearend(fmt, f"bao-cao-{year}-ke-hoach-{plan.id}", year, plan_id=plan.id)


@bp.route("/units/<int:unit_id>/year-end.<fmt>")
@login_required
def unit_yearend(unit_id: int, fmt: str) -> Response:
    """The unit's year-end report (?year=2024) as DOCX or XLSX."""
    unit = _unit(unit_id)
    year = _year()
    return _yearend(fmt, f"bao-cao-{year}-{unit.code.lower()}", year, unit_id=unit.id)


def _yearend(fmt: str, name: str, year: int, **scope: int) -> Response:
    # The report reads a year of audit history: the worker writes it (jobs/tasks.py).
    if fmt not in ("docx", "xlsx"):
        abort(404)
    params = {"format": fmt, "year": year, "download_name": f"{name}.{fmt}", **scope}
    return submit("yearend", params, **scope)


@bp.route("/units/<int:unit_id>/report-settings", methods=["GET", "POST"])
@login_required
def report_settings(unit_id: int) -> str | Response:
    """How the unit numbers, addresses and signs its reports: its coordinators and admins
    edit it; an empty field uses the default shown beside it (workflow/report_settings.py)."""
    unit = db.get_or_404(Unit, unit_id)
    if not settings_service.can_edit(current_user, unit.id):
        abort(403)
    row = settings_service.stored(unit.id)
    typed = {name: getattr(row, name) if row else "" for name in settings_service.FIELDS}
    if request.method == "POST":
        typed = {name: request.form.get(name, "") for name in settings_service.FIELDS}
        saved = attempt(
            lambda: settings_service.save(
                unit.id,
                current_user,
                settings_service.SettingsInput(**typed),
                expected_version=params.form_int("version"),
            ),
            _("Đã lưu thông tin ký gửi báo cáo."),
        )
        if saved is not None:
            return redirect(url_for("inspection.report_settings", unit_id=unit.id))
    units = settings_service.all_units()
    return render_template(
        "inspection/report_settings.html", unit=unit, typed=typed,
        version=row.version if row else "", labels=settings_service.LABELS,
        suggested=settings_service.as_form(settings_service.defaults(unit, units)),
        year=clock.today().year - 1,
    )  # fmt: skip


def _period() -> tuple[date, date]:
    year = _year()
    start = params.date_arg("from") or date(year, 1, 1)
    end = params.date_arg("to") or date(year, 12, 31)
    if end < start:
        abort(400)
    return start, end


@bp.route("/plans/<int:plan_id>/inspection-pack.zip")
@login_required
def plan_pack(plan_id: int) -> Response:
    """The plan's inspection pack for ?from=&to= (default: ?year=, the whole year)."""
    plan = _plan(plan_id)
    start, end = _period()
    return _pack(start, end, f"ho-so-kiem-tra-ke-hoach-{plan.id}.zip", plan_id=plan.id)


@bp.route("/units/<int:unit_id>/inspection-pack.zip")
@login_required
def unit_pack(unit_id: int) -> Response:
    """The unit's inspection pack for the period."""
    unit = _unit(unit_id)
    start, end = _period()
    return _pack(start, end, f"ho-so-kiem-tra-{unit.code.lower()}.zip", unit_id=unit.id)


def _pack(start: date, end: date, name: str, **scope: int) -> Response:
    # A pack verifies the whole chain and zips a year of reports: the worker builds it.
    params = {"from": start.isoformat(), "to": end.isoformat(), "download_name": name, **scope}
    return submit("inspection_pack", params, **scope)


@bp.route("/indicators")
@login_required
def indicators() -> str:
    """The framework, and the user's unit's assignments and values for ?year=."""
    indicator_framework.ensure_framework()
    year = _year()
    unit_id = current_user.unit_id
    assigned = {
        a.indicator_id: a
        for a in db.session.execute(
            sa.select(IndicatorAssignment).where(
                IndicatorAssignment.unit_id == unit_id, IndicatorAssignment.year == year
            )
        ).scalars()
    }
    values = {
        v.indicator_id: v
        for v in db.session.execute(
            sa.select(IndicatorValue).where(
                IndicatorValue.unit_id == unit_id, IndicatorValue.year == year
            )
        ).scalars()
    }
    return render_template(
        "inspection/indicators.html", standards=indicator_reports.framework(), year=year,
        assigned=assigned, values=values, display=indicator_reports.display_value,
        can_enter=indicator_service.can_enter(current_user, unit_id),
        can_assign=indicator_service.can_assign(current_user),
        ratings=indicator_service.RATING_LABELS,
    )  # fmt: skip


@bp.route("/indicators/<int:indicator_id>/value", methods=["POST"])
@login_required
def enter_value(indicator_id: int) -> Response:
    """Record the user's unit's value of an indicator for a year (audited)."""
    year = params.form_year()
    # The fields are read inside the call, so a value that does not parse is flashed
    # like any refusal of the service.
    attempt(
        lambda: indicator_service.enter_value(
            indicator_id,
            current_user.unit_id,
            year,
            current_user,
            indicator_service.ValueInput(
                number=params.form_float("number"),
                change=request.form.get("change") or None,
                rating=params.form_int(
                    "rating", maximum=100, message=_("Mức đánh giá không hợp lệ.")
                ),
                note=request.form.get("note"),
            ),
            task_id=params.form_int("task_id", message=_("Số nhiệm vụ không hợp lệ.")),
        ),
        _("Đã lưu số liệu chỉ số."),
    )
    return redirect(url_for("inspection.indicators", year=year))


@bp.route("/indicators/<int:indicator_id>/assign", methods=["POST"])
@login_required
def assign_indicator(indicator_id: int) -> Response:
    """Give an indicator to a unit (by code) for a year, with an optional target."""
    year = params.form_year()
    code = request.form.get("unit_code", "").strip()
    unit = db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        flash(_("Không tìm thấy đơn vị có mã này."), "error")
        return redirect(url_for("inspection.indicators", year=year))
    try:
        indicator_service.assign(
            indicator_id, unit.id, year, current_user,
            target_text=request.form.get("target_text") or None,
            target_value=params.form_float("target_value"),
        )  # fmt: skip
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(_("Đã giao chỉ số cho %(unit)s.", unit=unit.name), "success")
    return redirect(url_for("inspection.indicators", year=year))
