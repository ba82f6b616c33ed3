"""The /api/v1 blueprint, shared by the modules that add its routes."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request

from web.api.errors import register_blueprint_handlers
from workflow.errors import InvalidInput

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="PlanWork")
register_blueprint_handlers(bp)

# The errors each kind of operation may answer besides its own (documented in the spec, so
# a client, and Schemathesis, know every status it can meet).
READ_ERRORS = [400]
WRITE_ERRORS = [400, 403, 409]


def holds_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character in any string, key or value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


@bp.before_request
def _no_nul_in_json() -> None:
    # web/params.py refuses NUL in the path, the query and forms; a JSON body is the API's
    # own way in, so it is checked here, before any view reads it.
    if request.is_json and holds_nul(request.get_json(silent=True)):
        raise InvalidInput(
            "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL); yêu cầu đã bị từ chối."
        )
