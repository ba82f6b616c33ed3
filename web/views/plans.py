"""A plan's page: its items with lead and coordinating units, state and sub-task roll-up."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required

from models import Plan, Role, db
from reports.plan_views import (
    SUBTASKS_INLINE,
    item_page,
    matrix_data,
    matrix_sections,
    plan_counts,
)
from reports.progress import Page, paginate_rows, search_clauses
from reports.visibility import visible_plan_ids, visible_plans
from web import params
from web.exports import FORMATS, Column, export_response
from web.performance import conditional
from workflow.import_permissions import can_import
from workflow.plan_access import can_edit_plan
from workflow.state_machine import STATE_LABELS

bp = Blueprint("plans", __name__, url_prefix="/plans")

ITEMS_PER_PAGE = 50
UNITS_PER_PAGE = 50
# Above this many items the matrix opens on its first section (columns stay readable).
MATRIX_ALL_ITEMS = 40


def _may_view(plan: Plan) -> bool:
    """Admins, inspectors and coordinators see every plan; members see the plans their unit
    tracks, issued, leads or coordinates an item of (one indexed statement)."""
    if current_user.role in (Role.ADMIN, Role.INSPECTOR, Role.COORDINATOR):
        return True
    unit_id = current_user.unit_id
    if unit_id in (plan.tracking_unit_id, plan.issuer_id):
        return True
    ids = visible_plan_ids(unit_id).subquery()
    return (
        db.session.execute(sa.select(ids.c[0]).where(ids.c[0] == plan.id).limit(1)).first()
        is not None
    )


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
    if not _may_view(plan):
        abort(403)
    fmt = request.args.get("format")
    if fmt in FORMATS:
        _, rows = item_page(plan_id, None)
        return conditional(export_response(rows, _plan_columns(), fmt, "ke-hoach"))
    # A page of items at a time: a city plan has thousands of sub-tasks (issue 12).
    page, rows = item_page(plan_id, params.page_arg(), ITEMS_PER_PAGE)
    return render_template(
        "plans/show.html",
        plan=plan,
        rows=rows,
        page=page,
        overall=plan_counts(plan_id),
        can_edit=can_edit_plan(plan, current_user),
        subtasks_inline=SUBTASKS_INLINE,
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
    if not _may_view(plan):
        abort(403)
    fmt = request.args.get("format")
    sections = matrix_sections(plan_id)
    section = request.args.get("section")
    if fmt in FORMATS or section == "all" or section not in {s for s, _ in sections}:
        section = None
    # A long plan shows one section's items at a time (all on request, and in exports).
    if (
        section is None
        and fmt not in FORMATS
        and request.args.get("section") != "all"
        and len(sections) > 1
        and sum(n for _, n in sections) > MATRIX_ALL_ITEMS
    ):
        section = sections[0][0]
    grid = matrix_data(plan_id, section)
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
        return conditional(export_response(grid.rows, columns, fmt, "ma-tran-trach-nhiem"))
    # Units a page at a time (a plan fanned out to every school names 2,000 of them).
    total = len(grid.rows)
    pages = max(1, -(-total // UNITS_PER_PAGE))
    number = min(params.page_arg(), pages)
    shown = grid.rows[(number - 1) * UNITS_PER_PAGE : number * UNITS_PER_PAGE]
    page = Page(shown, total, number, UNITS_PER_PAGE)
    return render_template(
        "plans/matrix.html", plan=plan, grid=grid, page=page, sections=sections, section=section
    )
