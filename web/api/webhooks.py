"""Webhooks through /api/v1: list, register, change, rotate the secret, delete, ping, and
the delivery log with redelivery. The same services and permissions as the web pages
(workflow/webhooks.py): a unit's coordinators their unit's hooks, administrators all."""

from __future__ import annotations

from typing import Any

from apiflask import Schema, fields
from apiflask.validators import Length, OneOf, Range
from marshmallow import RAISE

from models.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from web.api.auth import api_user, auth, write_scope
from web.api.blueprint import bp
from web.api.schemas import MAX_LIMIT, PageNumberIn, UtcDateTime
from workflow import webhooks as service
from workflow.webhook_urls import MAX_URL_CHARS

TAG = ["Webhook"]
ERRORS = [400, 403, 404]


class WebhookIn(Schema):
    url = fields.String(
        required=True,
        validate=Length(min=1, max=MAX_URL_CHARS),
        metadata={"description": "https:// URL nhận sự kiện (không chứa tên đăng nhập)."},
    )
    event_types = fields.List(
        fields.String(validate=OneOf(service.EVENT_TYPES)),
        load_default=list,
        validate=Length(max=len(service.EVENT_TYPES)),
        metadata={"description": "Chỉ gửi các loại sự kiện này; rỗng: mọi sự kiện."},
    )
    department_wide = fields.Boolean(
        load_default=False,
        metadata={"description": "Toàn Sở (mọi nhiệm vụ); chỉ quản trị viên."},
    )


class WebhookPatchIn(Schema):
    url = fields.String(validate=Length(min=1, max=MAX_URL_CHARS))
    event_types = fields.List(
        fields.String(validate=OneOf(service.EVENT_TYPES)),
        validate=Length(max=len(service.EVENT_TYPES)),
    )
    active = fields.Boolean()


class WebhookOut(Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null: toàn Sở."}
    )
    url = fields.String(required=True)
    event_types = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    secret_rotated_at = UtcDateTime(required=True, allow_none=True)


class WebhookListOut(Schema):
    items = fields.List(fields.Nested(WebhookOut), required=True)


class WebhookDetailOut(WebhookOut):
    """One hook on its own (a class of its own: apispec warns on a schema both nested and
    returned)."""


class SecretOut(Schema):
    id = fields.Integer(required=True)
    secret = fields.String(
        required=True,
        metadata={"description": "Khóa bí mật ký HMAC-SHA256; chỉ hiện lần này."},
    )


class PingOut(Schema):
    event_id = fields.Integer(required=True)


class DeliveryPageIn(PageNumberIn):
    limit = fields.Integer(load_default=service.PAGE_SIZE, validate=Range(1, MAX_LIMIT))


class DeliveryOut(Schema):
    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    event_type = fields.String(required=True)
    status = fields.String(required=True, validate=OneOf([s.value for s in DeliveryStatus]))
    attempts = fields.Integer(required=True)
    last_status_code = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    next_attempt_at = UtcDateTime(required=True)
    delivered_at = UtcDateTime(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)
    payload = fields.Dict(required=True)


class DeliveryPageOut(Schema):
    items = fields.List(fields.Nested(DeliveryOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)


def _hook(hook: Webhook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "unit_id": hook.unit_id,
        "url": hook.url,
        "event_types": list(hook.event_types or []),
        "active": hook.active,
        "created_at": hook.created_at,
        "secret_rotated_at": hook.secret_rotated_at,
    }


def _delivery(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "status": row.status.value,
        "attempts": row.attempts,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "next_attempt_at": row.next_attempt_at,
        "delivered_at": row.delivered_at,
        "created_at": row.created_at,
        "payload": row.payload,
    }


@bp.get("/webhooks")
@bp.auth_required(auth)
@bp.output(WebhookListOut)
@bp.doc(tags=TAG, summary="Các webhook người dùng quản lý", responses=ERRORS)
def webhooks() -> dict[str, Any]:
    """Administrators: every hook; a unit's coordinators: their unit's."""
    return {"items": [_hook(h) for h in service.hooks_for(api_user())]}


@bp.post("/webhooks")
@bp.auth_required(auth)
@write_scope
@bp.input(WebhookIn, location="json", unknown=RAISE)
@bp.output(SecretOut, status_code=201)
@bp.doc(tags=TAG, summary="Đăng ký webhook (trả về khóa bí mật một lần)", responses=ERRORS)
def create_webhook(json_data: dict[str, Any]) -> dict[str, Any]:
    """Register a hook for the caller's unit (or the whole department, administrators)."""
    created = service.create_webhook(
        api_user(),
        url=json_data["url"],
        event_types=json_data.get("event_types") or [],
        department_wide=json_data.get("department_wide", False),
    )
    return {"id": created.webhook_id, "secret": created.secret}


@bp.get("/webhooks/<int:hook_id>")
@bp.auth_required(auth)
@bp.output(WebhookDetailOut)
@bp.doc(tags=TAG, summary="Một webhook", responses=ERRORS)
def webhook(hook_id: int) -> dict[str, Any]:
    """One hook the caller manages."""
    return _hook(service.get_hook(hook_id, api_user()))


@bp.patch("/webhooks/<int:hook_id>")
@bp.auth_required(auth)
@write_scope
@bp.input(WebhookPatchIn, location="json", unknown=RAISE)
@bp.output(WebhookDetailOut)
@bp.doc(tags=TAG, summary="Sửa, tắt hoặc bật webhook", responses=ERRORS)
def update_webhook(hook_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    """Change the URL, the event filter, or turn the hook off and on."""
    service.update_webhook(
        hook_id,
        api_user(),
        url=json_data.get("url"),
        event_types=json_data.get("event_types"),
        active=json_data.get("active"),
    )
    return _hook(service.get_hook(hook_id, api_user()))


@bp.delete("/webhooks/<int:hook_id>")
@bp.auth_required(auth)
@write_scope
@bp.output({}, status_code=204)
@bp.doc(tags=TAG, summary="Xóa webhook và nhật ký gửi", responses=ERRORS)
def delete_webhook(hook_id: int) -> tuple[str, int]:
    """Delete the hook with its delivery log (audited)."""
    service.delete_webhook(hook_id, api_user())
    return "", 204


@bp.post("/webhooks/<int:hook_id>/rotate-secret")
@bp.auth_required(auth)
@write_scope
@bp.output(SecretOut)
@bp.doc(tags=TAG, summary="Đổi khóa bí mật (trả về khóa mới một lần)", responses=ERRORS)
def rotate_webhook_secret(hook_id: int) -> dict[str, Any]:
    """A new secret; the old one stops signing at once."""
    created = service.rotate_secret(hook_id, api_user())
    return {"id": created.webhook_id, "secret": created.secret}


@bp.post("/webhooks/<int:hook_id>/ping")
@bp.auth_required(auth)
@write_scope
@bp.output(PingOut, status_code=202)
@bp.doc(tags=TAG, summary="Gửi sự kiện thử (ping)", responses=ERRORS)
def ping_webhook(hook_id: int) -> dict[str, Any]:
    """Queue a "ping" event for the hook; its delivery shows in the log."""
    return {"event_id": service.ping(hook_id, api_user())}


@bp.get("/webhooks/<int:hook_id>/deliveries")
@bp.auth_required(auth)
@bp.input(DeliveryPageIn, location="query", unknown=RAISE)
@bp.output(DeliveryPageOut)
@bp.doc(tags=TAG, summary="Nhật ký gửi của webhook", responses=ERRORS)
def webhook_deliveries(hook_id: int, query_data: dict[str, Any]) -> dict[str, Any]:
    """The hook's deliveries, newest first (page numbers)."""
    rows, total = service.deliveries(
        hook_id, api_user(), page=query_data["page"], per_page=query_data["limit"]
    )
    return {"items": [_delivery(r) for r in rows], "total": total, "page": query_data["page"]}


@bp.post("/webhooks/<int:hook_id>/deliveries/<int:delivery_id>/redeliver")
@bp.auth_required(auth)
@write_scope
@bp.output(PingOut, status_code=202)
@bp.doc(tags=TAG, summary="Gửi lại một sự kiện", responses=ERRORS)
def redeliver_webhook(hook_id: int, delivery_id: int) -> dict[str, Any]:
    """Queue a failed (or delivered) event again, same id and body."""
    return {"event_id": service.redeliver(delivery_id, api_user(), hook_id=hook_id)}
