"""Error pages in the user's language; domain errors become messages, never stack traces."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from workflow.errors import WorkflowError

MESSAGES = {
    400: _l("Yêu cầu không hợp lệ."),
    403: _l("Bạn không có quyền truy cập trang này."),
    404: _l("Không tìm thấy trang hoặc dữ liệu bạn yêu cầu."),
    405: _l("Thao tác không được hỗ trợ."),
    413: _l("Tệp tải lên quá lớn."),
    500: _l("Đã có lỗi trong hệ thống. Dữ liệu của bạn không bị thay đổi."),
}


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    return (
        render_template("error.html", status=status, message=message or MESSAGES[status]),
        status,
    )


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

    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, lambda e, s=status: _page(s))
