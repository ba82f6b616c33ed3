"""Inspection through /api/v1: audit events by sequence number, and year-end figures."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE

from models import Unit, db
from reports import yearend
from reports.progress import BUCKETS
from web.api import reads
from web.api import schemas as s
from web.api.auth import api_user, auth
from web.api.blueprint import READ_ERRORS, bp
from web.api.resources import visible_plan
from web.views.inspection import may_inspect_plan, may_inspect_unit
from workflow.errors import NotFound, PermissionDenied

AUDIT_REFUSAL = (
    "Chỉ thanh tra, quản trị viên và điều phối viên của cơ quan thường trực được đọc nhật ký."
)


@bp.get("/audit/events")
@bp.auth_required(auth)
@bp.input(s.AuditIn, location="query", unknown=RAISE)
@bp.output(s.AuditPageOut)
@bp.doc(
    tags=["Nhật ký kiểm tra"],
    summary="Sự kiện nhật ký theo số thứ tự (bản sao ngoại tuyến)",
    responses=[*READ_ERRORS, 403],
)
def audit_events(query_data: dict[str, Any]) -> dict[str, Any]:
    """Events after `after_seq`, in chain order, with their hashes: an inspector copies the
    whole trail page by page and re-checks the chain offline. Coordinators of a tracking
    unit read their plans' events only (`complete_chain` is then false)."""
    try:
        scope = reads.audit_scope(api_user())
    except PermissionError:
        raise PermissionDenied(AUDIT_REFUSAL) from None
    items, next_seq, head = reads.audit_events(scope, query_data["after_seq"], query_data["limit"])
    return {
        "items": items,
        "next_after_seq": next_seq,
        "head_seq": head,
        "complete_chain": scope is None,
    }


def _figures(data: yearend.YearEnd) -> dict[str, Any]:
    return {
        "year": data.year,
        "as_of": data.as_of,
        "title": data.title,
        "total": data.total,
        "counts": {bucket: data.counts[bucket] for bucket in BUCKETS},
        "items": [
            {
                "task_id": item.task.task_id,
                "plan_id": item.plan.id,
                "number": item.task.number,
                "title": item.task.title,
                "lead_unit_id": item.task.lead_unit_id,
                "lead_unit_name": item.task.lead_unit_name,
                "due_on": item.task.due_on,
                "state": item.task.state,
                "bucket": item.bucket,
                "reports": len(item.reports),
            }
            for item in data.items
        ],
    }


@bp.get("/plans/<int:plan_id>/year-end")
@bp.auth_required(auth)
@bp.input(s.YearIn, location="query", unknown=RAISE)
@bp.output(s.YearEndOut)
@bp.doc(
    tags=["Báo cáo năm"],
    summary="Số liệu báo cáo năm của một kế hoạch",
    responses=[*READ_ERRORS, 403],
)
def plan_year_end(plan_id: int, query_data: dict[str, Any]) -> dict[str, Any]:
    """The year's figures of a plan as they stood on 31/12 (QĐ 42/2014 groups and items):
    inspectors, admins, coordinators of the plan's tracking unit."""
    plan = visible_plan(plan_id)
    if not may_inspect_plan(api_user(), plan):
        raise PermissionDenied(
            "Chỉ thanh tra và cơ quan thường trực kế hoạch được xem báo cáo năm."
        )
    return _figures(yearend.gather(query_data["year"], plan_id=plan.id))


@bp.get("/units/<int:unit_id>/year-end")
@bp.auth_required(auth)
@bp.input(s.YearIn, location="query", unknown=RAISE)
@bp.output(s.YearEndOut)
@bp.doc(
    tags=["Báo cáo năm"],
    summary="Số liệu báo cáo năm của một đơn vị",
    responses=[*READ_ERRORS, 403],
)
def unit_year_end(unit_id: int, query_data: dict[str, Any]) -> dict[str, Any]:
    """The year's figures of the tasks a unit led: inspectors, admins, its coordinators."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    if not may_inspect_unit(api_user(), unit):
        raise PermissionDenied("Chỉ thanh tra và điều phối viên của đơn vị được xem báo cáo năm.")
    return _figures(yearend.gather(query_data["year"], unit_id=unit.id))
