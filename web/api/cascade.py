"""/api/v1/plans/{id}/rollup: the plan's roll-up down the cascade (reports/cascade.py)."""

from __future__ import annotations

from typing import Any

from apiflask import Schema, fields
from marshmallow import RAISE

from reports.cascade import LEVELS, as_json, rollup
from reports.progress import BUCKETS
from web.api.auth import auth
from web.api.blueprint import READ_ERRORS, bp
from web.api.resources import visible_plan
from web.api.schemas import PageNumberIn


class LevelOut(Schema):
    level = fields.String(required=True, metadata={"enum": list(LEVELS)})
    plans = fields.Integer(required=True, metadata={"description": "Kế hoạch cấp dưới."})
    plans_done = fields.Integer(required=True, metadata={"description": "Đã hoàn thành."})
    tasks = fields.Integer(required=True)
    buckets = fields.Dict(
        keys=fields.String(metadata={"enum": list(BUCKETS)}),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Số nhiệm vụ theo QĐ 42/2014/QĐ-TTg."},
    )


class LowerPlanOut(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    unit = fields.String(required=True)
    done = fields.Integer(required=True)
    counted = fields.Integer(required=True)


class RollupItemOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    levels = fields.List(fields.Nested(LevelOut), required=True)
    lower_plans = fields.List(fields.Nested(LowerPlanOut), required=True)


class RollupOut(Schema):
    plan_id = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total_items = fields.Integer(required=True)
    linked_plans = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(RollupItemOut), required=True)


@bp.get("/plans/<int:plan_id>/rollup")
@bp.auth_required(auth)
@bp.input(PageNumberIn, location="query", unknown=RAISE)
@bp.output(RollupOut)
@bp.doc(
    tags=["Kế hoạch"],
    summary="Triển khai ở cấp dưới: tiến độ theo cấp (Sở, Phòng GD&ĐT, trường)",
    responses=READ_ERRORS,
)
def plan_rollup(plan_id: int, query_data: dict[str, Any]) -> dict[str, Any]:
    """Per item of the plan (a page of 20), the lower plans carrying it out and their
    tasks' QĐ 42 counts, level by level."""
    visible_plan(plan_id)
    return as_json(rollup(plan_id, query_data["page"]))
