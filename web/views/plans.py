"""A plan's page: its items with lead and coordinating units, state and sub-task roll-up."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import Plan, Role, Task, TaskUnit, UnitGroup, UnitRole, db
from reports.plan_views import matrix as build_matrix
from reports.plan_views import plan_progress
from reports.progress import paginate_rows, search_clauses
from reports.visibility import visible_plans
from web import params
from web.exports import FORMATS, Column, export_response
from workflow.import_permissions import can_import
from workflow.plan_editing import can_edit_plan
from workflow.rollup import progress
from workflow.state_machine import STATE_LABELS

bp = Blueprint("plans", __name__, url_prefix="/plans")


def _items(plan_id: int) -> list[Task]:
    """The plan's top-level items in document order, sub-tasks and units loaded."""
    units = selectinload(Task.units)
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
            .order_by(Task.position)
            .options(
                units.selectinload(TaskUnit.unit),
                units.selectinload(TaskUnit.group).selectinload(UnitGroup.members),
                selectinload(Task.subtasks).selectinload(Task.lead_unit),
                selectinload(Task.lead_unit),
            )
        ).scalars()
    )


def _may_view(plan: Plan, items: list[Task]) -> bool:
    """Admins, inspectors and coordinators see every plan; members see the plans their unit
    tracks, issued, leads or coordinates an item of."""
    if current_user.role in (Role.ADMIN, Role.INSPECTOR, Role.COORDINATOR):
        return True
    unit_id = current_user.unit_id
    if unit_id in (plan.tracking_unit_id, plan.issuer_id):
        return True
    for task in items:
        if task.lead_unit_id == unit_id or any(s.lead_unit_id == unit_id for s in task.subtasks):
            return True
        for row in task.units:
            if row.unit_id == unit_id:
                return True
            if row.group is not None and any(m.id == unit_id for m in row.group.members):
                return True
    return False


def _row(task: Task) -> dict[str, Any]:
    names = {role: [tu.display_name for tu in task.units if tu.role == role] for role in UnitRole}
    review = {
        role: [tu.mention for tu in task.units if tu.role == role and tu.needs_review]
        for role in UnitRole
    }
    done, counted = progress([s.state for s in task.subtasks])
    return {
        "task": task,
        "lead": names[UnitRole.LEAD],
        "coordinating": names[UnitRole.COORDINATING],
        "lead_review": review[UnitRole.LEAD],
        "coordinating_review": review[UnitRole.COORDINATING],
        "subtasks": task.subtasks,
        "rollup": f"{done}/{counted}" if task.subtasks else None,
    }


def _plan_columns() -> list[Column]:
    return [
        Column(gettext("STT"), lambda r: r["task"].number),
        Column(gettext("Mục"), lambda r: r["task"].section),
        Column(gettext("Nội dung"), lambda r: r["task"].title),
        Column(gettext("Đơn vị chủ trì"), lambda r: "; ".join(r["lead"])),
        Column(gettext("Đơn vị phối hợp"), lambda r: "; ".join(r["coordinating"])),
        Column(gettext("Thời gian"), lambda r: r["task"].timeframe_text),
        Column(gettext("Hạn"), lambda r: r["task"].due_on),
        Column(gettext("Trạng thái"), lambda r: gettext(STATE_LABELS[r["task"].state])),
        Column(gettext("Tiến độ nhiệm vụ con"), lambda r: r["rollup"] or ""),
    ]


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int) -> Any:
    """The plan's items: STT, content, lead, coordinating, timeframe, state."""
    plan = db.get_or_404(Plan, plan_id)
    items = _items(plan_id)
    if not _may_view(plan, items):
        abort(403)
    rows = [_row(t) for t in items]
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return export_response(rows, _plan_columns(), fmt, "ke-hoach")
    return render_template(
        "plans/show.html",
        plan=plan,
        rows=rows,
        overall=plan_progress(items),
        can_edit=can_edit_plan(plan, current_user),
    )


def _may_list_all() -> bool:
    # Coordinators read every plan (to reuse and cascade them), as plans.show allows.
    return current_user.role in (Role.ADMIN, Role.INSPECTOR, Role.COORDINATOR)


@bp.route("/")
@login_required
def index() -> Any:
    """List the plans the user may read, searchable without diacritics."""
    q = (request.args.get("q") or "").strip()
    query = sa.select(Plan).order_by(Plan.issued_on.desc().nulls_last(), Plan.id.desc())
    if not _may_list_all():
        query = query.where(visible_plans(current_user))
    if q:
        query = query.where(*search_clauses(Plan.search_text, q))
    columns = [
        Column(gettext("Số"), lambda p: p.number),
        Column(gettext("Ngày ban hành"), lambda p: p.issued_on),
        Column(gettext("Cơ quan ban hành"), lambda p: p.issuer_name),
        Column(gettext("Tiêu đề"), lambda p: p.title),
    ]
    fmt = request.args.get("format")
    if fmt in FORMATS:
        return export_response(db.session.execute(query).scalars(), columns, fmt, "ke-hoach")
    page = paginate_rows(query, params.page_arg(), 50)
    return render_template("plans/index.html", page=page, q=q, can_create=can_import(current_user))


@bp.route("/<int:plan_id>/matrix")
@login_required
def matrix(plan_id: int) -> Any:
    """Units × items with lead and coordinating marks, groups expanded, per-unit counts."""
    plan = db.get_or_404(Plan, plan_id)
    items = _items(plan_id)
    if not _may_view(plan, items):
        abort(403)
    grid = build_matrix(items)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        marks = {"lead": "C", "coordinating": "P"}
        columns = [
            Column(gettext("Đơn vị"), lambda r: r.name),
            Column(gettext("Chủ trì"), lambda r: r.lead),
            Column(gettext("Phối hợp"), lambda r: r.coordinating),
        ] + [
            Column(
                task.number,
                lambda r, tid=task.id: (
                    marks[r.cells[tid].role] + ("*" if r.cells[tid].via_group else "")
                    if tid in r.cells
                    else ""
                ),
            )
            for task in grid.items
        ]
        return export_response(grid.rows, columns, fmt, "ma-tran-trach-nhiem")
    return render_template("plans/matrix.html", plan=plan, grid=grid)
