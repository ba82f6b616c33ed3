"""Template filters: dates as Vietnamese write them, quarters as "Quý II/2024"."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from models import TaskState
from workflow.clock import to_local, today
from workflow.state_machine import EVENT_LABELS, STATE_LABELS

ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}

ACTION_LABELS = {
    "task.create": "Tạo nhiệm vụ",
    "task.start": "Bắt đầu thực hiện",
    "task.report": "Gửi báo cáo",
    "task.verify": "Xác nhận hoàn thành",
    "task.return": "Trả lại",
    "task.reopen": "Mở lại",
    "task.cancel": "Hủy nhiệm vụ",
    "task.rollup": "Cập nhật theo nhiệm vụ con",
    "task.contribute": "Đơn vị phối hợp đóng góp",
    "task.update": "Sửa nhiệm vụ",
    "task.reassign": "Giao lại đơn vị chủ trì",
}


def vn_date(value: date | datetime | None) -> str:
    """22/04/2024; datetimes are shown in Vietnam time with hours."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = to_local(value)
        return local.strftime("%d/%m/%Y %H:%M") if local else ""
    return value.strftime("%d/%m/%Y")


def period_label(period: str | None) -> str:
    """ "2024-Q2" → "Quý II/2024"; "2024-09" → "Tháng 9/2024"; "2024" → "Năm 2024"."""
    if not period:
        return "Không thời hạn"
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return f"Quý {ROMAN.get(quarter, quarter)}/{year}"
    if "-" in period:
        year, month = period.split("-")
        return f"Tháng {int(month)}/{year}"
    return f"Năm {period}"


def days_left(due: date | None, state: TaskState) -> str:
    """ "còn 5 ngày" / "quá hạn 3 ngày" for open tasks."""
    if due is None or state in (TaskState.VERIFIED, TaskState.CANCELLED, TaskState.REPORTED):
        return ""
    delta = (due - today()).days
    if delta < 0:
        return f"quá hạn {-delta} ngày"
    if delta == 0:
        return "hạn hôm nay"
    return f"còn {delta} ngày"


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.add_template_filter(vn_date)
    app.add_template_filter(period_label)
    app.jinja_env.globals.update(
        STATE_LABELS=STATE_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        days_left=days_left,
    )
