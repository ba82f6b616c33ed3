"""API errors: JSON with a stable code for programs and the Vietnamese message for people.

Every error of /api/v1 has the body {"code": …, "message": …, "detail": {…}}. `code` never
changes once published (clients branch on it); `message` is the text the web shows, in
Vietnamese whatever the token's user chose for the interface, so a log or a support call
reads the same everywhere. The HTML pages keep their own handlers (web/errors.py): these
apply to the API blueprint only, plus the routing errors under /api/ (web/errors.py asks
`is_api_request` before drawing a page).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from apiflask import HTTPError
from flask import Flask, Response, jsonify, request
from flask_babel import force_locale, gettext
from werkzeug.exceptions import HTTPException

from workflow.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleObject,
    TransitionNotAllowed,
    WorkflowError,
)

API_PREFIX = "/api/"


class ScopeDenied(PermissionDenied):
    """A read token asked for a change (code "insufficient_scope")."""


# The stable codes, by HTTP status when nothing more precise is known.
CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "server_error",
    503: "database_unavailable",
}
# Domain refusals, by their class (most precise first).
CODES_BY_ERROR: tuple[tuple[type[WorkflowError], str], ...] = (
    (ScopeDenied, "insufficient_scope"),
    (StaleObject, "stale_object"),
    (TransitionNotAllowed, "transition_not_allowed"),
    (PermissionDenied, "forbidden"),
    (NotFound, "not_found"),
    (InvalidInput, "invalid_input"),
)


def messages() -> dict[int, str]:
    """The Vietnamese message of each status (translated when asked, so wrapped)."""
    return {
        400: gettext("Yêu cầu không hợp lệ."),
        401: gettext(
            "Thiếu mã truy cập hoặc mã không hợp lệ, đã bị thu hồi. "
            "Hãy gửi tiêu đề «Authorization: Bearer <mã>»."
        ),
        403: gettext("Bạn không có quyền thực hiện thao tác này."),
        404: gettext("Không tìm thấy dữ liệu bạn yêu cầu."),
        405: gettext("Thao tác không được hỗ trợ."),
        409: gettext("Dữ liệu vừa thay đổi; hãy tải lại rồi thử lại."),
        413: gettext("Tệp tải lên quá lớn."),
        415: gettext("Kiểu nội dung của yêu cầu không được hỗ trợ."),
        422: gettext("Dữ liệu gửi lên không hợp lệ."),
        429: gettext("Quá nhiều yêu cầu; hãy thử lại sau."),
        500: gettext("Đã có lỗi trong hệ thống. Dữ liệu của bạn không bị thay đổi."),
        503: gettext(
            "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Thao tác chưa được thực hiện; "
            "hãy thử lại sau ít phút."
        ),
    }


def is_api_request() -> bool:
    """Whether the current request is for the JSON API (even one no route matched)."""
    return request.path.startswith(API_PREFIX)


def json_error(
    status: int,
    message: str | None = None,
    code: str | None = None,
    detail: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The JSON error response; the message defaults to the status's Vietnamese one."""
    with force_locale("vi"):
        text = str(message) if message else messages().get(status, messages()[400])
    response = jsonify(
        {
            "code": code or CODES_BY_STATUS.get(status, "error"),
            "message": text,
            "detail": detail or {},
        }
    )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def workflow_error(error: WorkflowError) -> Response:
    """A domain refusal as JSON: its own message, a code from its class."""
    code = next((c for cls, c in CODES_BY_ERROR if isinstance(error, cls)), None)
    status = error.status if error.status in CODES_BY_STATUS else 400
    return json_error(status, error.message, code or CODES_BY_STATUS[status])


def http_exception(error: HTTPException) -> Response:
    """A werkzeug HTTP error (abort, 405, 413, …) raised inside an API route, as JSON."""
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return json_error(status, headers=headers)


def apiflask_error(error: HTTPError) -> Response:
    """APIFlask's own errors: input validation (422) and authentication (401)."""
    status = error.status_code
    detail = error.detail if isinstance(error.detail, dict) else {}
    headers = dict(error.headers or {})
    if status == 401:
        # Say how to authenticate (RFC 6750), whatever the client sent.
        headers.setdefault("WWW-Authenticate", 'Bearer realm="PlanWork API"')
    return json_error(status, detail=detail, headers=headers)


def register_blueprint_handlers(blueprint: Any) -> None:
    """Install the handlers on the API blueprint (once, before it is first registered)."""
    from web.errors import is_outage

    @blueprint.errorhandler(WorkflowError)
    def _workflow(error: WorkflowError) -> Response:
        return workflow_error(error)

    @blueprint.errorhandler(sa.exc.DBAPIError)
    @blueprint.errorhandler(sa.exc.TimeoutError)
    def _database(error: sa.exc.SQLAlchemyError) -> Response:
        if not is_outage(error):
            raise error
        from models import db

        db.session.rollback()
        return json_error(503, headers={"Retry-After": "30"})

    # By status code as well as by class: Flask looks for a handler of the status first,
    # and the app has one for each status it draws a page for.
    for status in CODES_BY_STATUS:
        if status not in (409, 422, 503):
            blueprint.register_error_handler(status, http_exception)
    blueprint.register_error_handler(HTTPException, http_exception)


def register_app(app: Flask) -> None:
    """APIFlask raises its HTTPError for validation and authentication; it is not an
    HTTPException, so the app-wide callback is the place to shape it (only the API
    raises it: the HTML pages never use APIFlask's input or auth)."""
    app.error_processor(apiflask_error)
