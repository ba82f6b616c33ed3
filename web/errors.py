"""Error pages in the user's language; domain errors become messages, never stack traces."""

from __future__ import annotations

import logging
import sqlite3

import sqlalchemy as sa
from flask import Flask, current_app, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from models import db
from web.api.errors import is_api_request
from web.api.errors import json_error as api_error
from workflow.errors import WorkflowError

log = logging.getLogger(__name__)

MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    403: _l("Bạn không có quyền truy cập trang này."),
    404: _l("Không tìm thấy trang hoặc dữ liệu bạn yêu cầu."),
    405: _l("Thao tác không được hỗ trợ."),
    413: _l("Tệp tải lên quá lớn."),
    500: _l("Đã có lỗi trong hệ thống. Dữ liệu của bạn không bị thay đổi."),
    503: _l(
        "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Thao tác của bạn chưa được "
        "thực hiện; hãy thử lại sau ít phút."
    ),
}
# Seconds a client (or a proxy) should wait before retrying during a database outage.
RETRY_AFTER = 30
# The last resort when even the template cannot be rendered: no database, no template,
# no translation, but still our own page in Vietnamese rather than the server's English.
BARE_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>PlanWork</title></head><body><h1>Không thực hiện được</h1>
<p>Hệ thống đang gặp sự cố. Dữ liệu của bạn không bị thay đổi; hãy thử lại sau ít phút.</p>
</body></html>"""


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    if is_api_request():
        # Under /api/ even a path no route matched answers in JSON (web/api/errors.py).
        return api_error(status, message), status  # type: ignore[return-value]
    return (
        render_template("error.html", status=status, message=message or MESSAGES[status]),
        status,
    )


def _forget_user() -> None:
    # The signed-in user would be loaded (a query) or refreshed after the rollback (a
    # query) by the page's header and by the locale selector: show the page as to a
    # visitor instead. Flask-Login reads the user of this request from `g`.
    g._login_user = current_app.login_manager.anonymous_user()


def _rollback() -> None:
    # A failed statement leaves the transaction aborted (PostgreSQL) or the connection
    # gone (an outage): end it, whatever state it is in, before anything else runs.
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the error page must render whatever happened here
        log.warning("rollback failed while answering an error", exc_info=True)


def _safe_page(
    status: int, message: str | None = None, *, need_db: bool = True
) -> tuple[str, int, dict[str, str]]:
    """The error page, rendered without the database if it cannot be rendered with it."""
    headers = {"Retry-After": str(RETRY_AFTER)} if status == 503 else {}
    _rollback()
    if need_db:
        try:
            return (*_page(status, message), headers)
        except Exception:  # noqa: BLE001
            log.warning("error page needs the database, which failed", exc_info=True)
            _rollback()
    _forget_user()
    try:
        return (*_page(status, message), headers)
    except Exception:  # noqa: BLE001
        log.exception("error page could not be rendered")
        return BARE_PAGE, status, headers


# SQLite raises OperationalError for a missing table or a syntax error as well: only these
# mean the database file cannot be used right now.
SQLITE_UNAVAILABLE = ("unable to open", "database is locked", "disk i/o error", "no such file")


def is_outage(error: BaseException) -> bool:
    """Whether a database error means "cannot reach the database", not "bad statement"."""
    if isinstance(error, sa.exc.InterfaceError | sa.exc.TimeoutError):
        return True
    if isinstance(error, sa.exc.OperationalError):
        if isinstance(error.orig, sqlite3.Error):
            return any(text in str(error.orig).lower() for text in SQLITE_UNAVAILABLE)
        return True  # PostgreSQL: connection lost or refused, server shutting down
    return isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return _page(
            400, _l("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang.")
        )

    @app.errorhandler(WorkflowError)
    def _workflow(error: WorkflowError) -> tuple[str, int]:
        return _page(error.status if error.status in MESSAGES else 400, error.message)

    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def _database(error: sa.exc.SQLAlchemyError) -> tuple[str, int, dict[str, str]]:
        # During an outage: 503 with Retry-After, a page that needs no database, and no
        # English "Internal Server Error" from the server (review 2026-12, §8).
        if not is_outage(error):
            # A bad statement is a bug: Flask logs it (tests see it raised) and answers
            # with the 500 page below.
            raise error
        log.error("database unavailable: %s", error)
        return _safe_page(503, need_db=False)

    def _server_error(error: Exception) -> tuple[str, int, dict[str, str]]:
        original = getattr(error, "original_exception", None)
        if original is not None and is_outage(original):
            return _safe_page(503, need_db=False)
        return _safe_page(500)

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda e, s=status: _page(s))
    app.register_error_handler(500, _server_error)
