"""The JSON API, /api/v1: Bearer tokens, JSON errors, an OpenAPI 3.1 document from the code.

`init_app` wires it into the app built by web.app.create_app (an APIFlask app, see the
comment there): the blueprint, its CSRF exemption (tokens only, never the session
cookie), the error shape, and the settings APIFlask writes the document with.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, request

API_TITLE = "PlanWork API"
API_VERSION = "1"
API_DESCRIPTION = (
    "Kế hoạch, mục kế hoạch, nhiệm vụ, đơn vị; chuyển trạng thái, báo cáo kèm tệp, "
    "gia hạn và giải trình; nhật ký kiểm tra theo số thứ tự; số liệu báo cáo năm. "
    "Xác thực bằng mã truy cập cá nhân: `Authorization: Bearer <mã>`. "
    "Lỗi trả về JSON {code, message, detail}: `code` ổn định, `message` tiếng Việt."
)


def only_api_blueprints(app: Flask) -> None:
    """Tell APIFlask the HTML blueprints are not part of the API. It reads
    `enable_openapi` on every blueprint with a before_request function, which a plain
    Flask blueprint lacks; set here, before each document is written, so a blueprint
    added later needs nothing."""
    for blueprint in app.blueprints.values():
        if not hasattr(blueprint, "enable_openapi"):
            blueprint.enable_openapi = False  # type: ignore[attr-defined]


def api_spec() -> dict[str, Any]:
    """The OpenAPI document of the current app, as served at /api/v1/openapi.json."""
    only_api_blueprints(current_app)
    return current_app.spec  # type: ignore[attr-defined]


def _before_spec(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        only_api_blueprints(current_app)
        return view(*args, **kwargs)

    return wrapper


def require_bodies(spec: dict[str, Any]) -> dict[str, Any]:
    """Mark a request body required when its schema has required fields (APIFlask leaves
    `requestBody.required` out, which says an empty request is fine)."""
    schemas = spec.get("components", {}).get("schemas", {})
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            for media in body.get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                if schemas.get(ref.rsplit("/", 1)[-1], {}).get("required"):
                    body["required"] = True
    return spec


def init_app(app: Flask) -> None:
    """Register /api/v1 on the app."""
    # Importing the route modules adds their routes to the blueprint (once per process).
    from web.api import cascade as _cascade  # noqa: F401  (the roll-up route)
    from web.api import changes, docs, inspection, resources, webhooks  # noqa: F401
    from web.api import contributions as _contributions  # noqa: F401  (and request lists)
    from web.api.blueprint import bp
    from web.api.errors import is_api_request, register_app
    from web.api.schemas import ErrorOut
    from web.extensions import csrf

    app.config.update(
        DESCRIPTION=API_DESCRIPTION,
        HTTP_ERROR_SCHEMA=ErrorOut,
        VALIDATION_ERROR_SCHEMA=ErrorOut,
        AUTO_OPERATION_ID=True,
        SPEC_DECORATORS=[_before_spec],
    )
    app.register_blueprint(bp)
    # No session cookie authenticates the API (web/api/auth.py), so there is no ambient
    # credential for a forged cross-site request to ride on: CSRF tokens do not apply.
    csrf.exempt(bp)
    register_app(app)
    app.spec_processor(require_bodies)

    @app.after_request
    def _allow_header(response: Response) -> Response:
        # A 405 under /api/ names the methods the path takes (RFC 9110), also when no
        # route matched the method and the app-wide error page answered.
        error = request.routing_exception
        if response.status_code == 405 and is_api_request() and error is not None:
            methods = getattr(error, "valid_methods", None)
            if methods:
                response.headers["Allow"] = ", ".join(sorted(methods))
        return response
