"""Labels kept as data in workflow/ and the views, marked here for `pybabel extract`.

Templates translate them as `_(STATE_LABELS[state])`: a variable that extraction cannot
see. Listing the literals here puts them in the catalogue; tests/i18n checks that every
label in those dictionaries is listed and translated, so a new state cannot slip by.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MARKED = (
    # workflow.state_machine.STATE_LABELS
    _l("Đã giao"),
    _l("Đang thực hiện"),
    _l("Đã báo cáo"),
    _l("Đã xác nhận"),
    _l("Đã hủy"),
    # workflow.state_machine.EVENT_LABELS
    _l("Bắt đầu thực hiện"),
    _l("Gửi báo cáo"),
    _l("Xác nhận hoàn thành"),
    _l("Trả lại"),
    _l("Mở lại"),
    _l("Hủy nhiệm vụ"),
    # reports.progress.BUCKET_LABELS (Quyết định 42/2014/QĐ-TTg)
    _l("Hoàn thành đúng hạn"),
    _l("Hoàn thành quá hạn"),
    _l("Chưa hoàn thành trong hạn"),
    _l("Chưa hoàn thành quá hạn"),
    # web.views.outbox.STATE_LABELS
    _l("Chờ gửi"),
    _l("Đang gửi"),
    _l("Đã gửi"),
    _l("Gửi thất bại"),
    _l("Không cần gửi"),
    # Values that workflow refusals fill into their messages (workflow.errors.translate):
    # workflow.inputs.check_due_date's default label, workflow.unit_merge's open work.
    _l("Hạn"),
    _l("còn nhiệm vụ đang thực hiện"),
    _l("còn người dùng"),
    _l("còn đơn vị cấp dưới"),
)
