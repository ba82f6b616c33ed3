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
    # reports.action_labels.ACTION_LABELS (audit pages, task timelines)
    _l("Tạo nhiệm vụ"),
    _l("Cập nhật theo nhiệm vụ con"),
    _l("Đơn vị phối hợp đóng góp"),
    _l("Bình luận"),
    _l("Sửa bình luận"),
    _l("Sửa nhiệm vụ"),
    _l("Giao lại đơn vị chủ trì"),
    _l("Xin gia hạn"),
    _l("Đồng ý gia hạn"),
    _l("Từ chối gia hạn"),
    _l("Yêu cầu giải trình"),
    _l("Giải trình"),
    _l("Giao người thực hiện"),
    _l("Bỏ giao người thực hiện"),
    _l("Theo dõi nhiệm vụ"),
    _l("Bỏ theo dõi nhiệm vụ"),
    _l("Tạo kế hoạch"),
    _l("Sửa thông tin kế hoạch"),
    _l("Thu hồi kế hoạch"),
    _l("Chuyển vị trí nhiệm vụ"),
    _l("Đăng nhập"),
    _l("Tạo người dùng"),
    _l("Tổng hợp đăng nhập sai"),
    _l("Giao chỉ số"),
    _l("Nhập số liệu chỉ số"),
    _l("Sửa thông tin ký gửi báo cáo"),
    _l("Yêu cầu xử lý nền"),
    _l("Tạo mã truy cập API"),
    _l("Thu hồi mã truy cập API"),
    _l("Sửa người dùng"),
    _l("Đặt lại mật khẩu"),
    _l("Thêm đơn vị"),
    _l("Sửa đơn vị"),
    _l("Thêm tên gọi khác của đơn vị"),
    _l("Bỏ tên gọi khác của đơn vị"),
    _l("Sáp nhập đơn vị"),
    _l("Giải thể đơn vị"),
    _l("Tạo nhóm đơn vị"),
    _l("Sửa nhóm đơn vị"),
    _l("Nhập danh mục đơn vị"),
    # workflow.indicators.RATING_LABELS
    _l("Xuất sắc"),
    _l("Rất tốt"),
    _l("Tốt"),
    _l("Khá"),
    _l("Yếu"),
    # workflow.report_settings.LABELS (the report settings form)
    _l("Chữ viết tắt trong số văn bản"),
    _l("Địa danh"),
    _l("Cơ quan chủ quản"),
    _l("Kính gửi"),
    _l("Nơi nhận"),
    _l("Thẩm quyền ký"),
    _l("Chức vụ người ký"),
    _l("Họ tên người ký"),
)
