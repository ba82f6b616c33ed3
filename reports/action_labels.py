"""What each audit action is called in Vietnamese: one table for pages, exports and mails."""

ACTION_LABELS: dict[str, str] = {
    "task.create": "Tạo nhiệm vụ",
    "task.start": "Bắt đầu thực hiện",
    "task.report": "Gửi báo cáo",
    "task.verify": "Xác nhận hoàn thành",
    "task.return": "Trả lại",
    "task.reopen": "Mở lại",
    "task.cancel": "Hủy nhiệm vụ",
    "task.rollup": "Cập nhật theo nhiệm vụ con",
    "task.contribute": "Đơn vị phối hợp đóng góp",
    "task.comment": "Bình luận",
    "task.comment_edit": "Sửa bình luận",
    "task.update": "Sửa nhiệm vụ",
    "task.reassign": "Giao lại đơn vị chủ trì",
    "task.extension_request": "Xin gia hạn",
    "task.extension_grant": "Đồng ý gia hạn",
    "task.extension_refuse": "Từ chối gia hạn",
    "task.explanation_request": "Yêu cầu giải trình",
    "task.explanation_answer": "Giải trình",
    "task.assign": "Giao người thực hiện",
    "task.unassign": "Bỏ giao người thực hiện",
    "task.follow": "Theo dõi nhiệm vụ",
    "task.unfollow": "Bỏ theo dõi nhiệm vụ",
    "plan.create": "Tạo kế hoạch",
    "plan.update": "Sửa thông tin kế hoạch",
    "plan.withdraw": "Thu hồi kế hoạch",
    "task.move": "Chuyển vị trí nhiệm vụ",
    "user.login": "Đăng nhập",
    "user.create": "Tạo người dùng",
    "security.login_failures_summary": "Tổng hợp đăng nhập sai",
    "indicator.assign": "Giao chỉ số",
    "indicator.value": "Nhập số liệu chỉ số",
    "unit.report_settings": "Sửa thông tin ký gửi báo cáo",
    "job.request": "Yêu cầu xử lý nền",
    "token.create": "Tạo mã truy cập API",
    "token.revoke": "Thu hồi mã truy cập API",
}


def action_label(action: str) -> str:
    """The Vietnamese name of an audit action, or the action code when it has none."""
    return ACTION_LABELS.get(action, action)
