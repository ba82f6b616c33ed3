"""The first web path: log in, my unit's tasks, start, report, return, verify, history."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Task, TaskState, db
from tests.foundation.helpers import event_count, find_task
from tests.foundation.web import csrf_token, login, logout


def _version(task_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Task, task_id).version


def _post_transition(client, task_id, event, reason=None):  # noqa: ANN001
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "event": event, "version": _version(task_id)}
    if reason:
        data["reason"] = reason
    return client.post(f"/tasks/{task_id}/transition", data=data, follow_redirects=True)


def test_login_page_is_vietnamese_and_rejects_bad_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Đăng nhập" in page and "Mật khẩu" in page
    response = client.post(
        "/login",
        data={"username": "gdtx.member", "password": "sai", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_pages_require_login(client):
    response = client.get("/my-tasks")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_my_tasks_shows_lead_and_coordinating_apart_by_quarter(client):
    login(client, "tccb.member")
    html = client.get("/my-tasks").get_data(as_text=True)
    lead_part, coordinating_part = html.split("<h2>Phối hợp</h2>")
    # TCCB leads 4403 item 2 and coordinates 2417's items 2.1-2.3.
    assert "Thành lập Ban chỉ đạo và Tổ giúp việc" in lead_part
    assert "Hướng dẫn các cơ sở giáo dục thành lập Ban chỉ đạo" in coordinating_part
    assert "Quý II/2024" in coordinating_part and "Quý III/2024" in coordinating_part


def test_the_whole_path_with_history(client, demo_app):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "gdtx.member")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Bắt đầu thực hiện" in page and "Xác nhận hoàn thành" not in page
    assert "Đang thực hiện" in _post_transition(client, task_id, "start").get_data(as_text=True)

    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    response = client.post(
        f"/tasks/{task_id}/report",
        data={
            "csrf_token": csrf_token(page),
            "version": _version(task_id),
            "text": "Đã tổ chức tuyên dương 25 điển hình.",
        },
        follow_redirects=True,
    )
    assert "Đã gửi báo cáo." in response.get_data(as_text=True)
    logout(client)

    login(client, "gdtx.coordinator2")
    mine = client.get("/my-tasks").get_data(as_text=True)
    assert "Chờ xác nhận (1)" in mine
    response = _post_transition(client, task_id, "return", reason="Thiếu danh sách khen thưởng")
    assert "Đang thực hiện" in response.get_data(as_text=True)
    logout(client)

    login(client, "gdtx.member")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    client.post(
        f"/tasks/{task_id}/report",
        data={
            "csrf_token": csrf_token(page),
            "version": _version(task_id),
            "text": "Bổ sung danh sách khen thưởng.",
        },
    )
    logout(client)

    login(client, "gdtx.coordinator2")
    html = _post_transition(client, task_id, "verify").get_data(as_text=True)
    assert db.session.get(Task, task_id).state == TaskState.VERIFIED
    history = html.split("<h2>Lịch sử</h2>")[1]
    steps = re.findall(r"<strong>([^<]+)</strong>", history)
    assert steps == [
        "Tạo nhiệm vụ",
        "Bắt đầu thực hiện",
        "Gửi báo cáo",
        "Trả lại",
        "Gửi báo cáo",
        "Xác nhận hoàn thành",
    ]
    assert "Lý do: Thiếu danh sách khen thưởng" in history
    assert "Điều phối viên 2" in history and "Chuyên viên" in history


def test_post_without_csrf_token_is_rejected_and_changes_nothing(client):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "gdtx.member")
    before = event_count()
    response = client.post(
        f"/tasks/{task_id}/transition", data={"event": "start", "version": _version(task_id)}
    )
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True)
    assert event_count() == before
    assert db.session.get(Task, task_id).state == TaskState.ASSIGNED


def test_login_without_csrf_token_is_rejected(client):
    response = client.post("/login", data={"username": "gdtx.member", "password": "planwork-demo"})
    assert response.status_code == 400


def test_forbidden_transition_by_form_is_refused_with_message(client):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "vps.member")  # coordinating unit: sees the task, cannot move it
    before = event_count()
    html = _post_transition(client, task_id, "start").get_data(as_text=True)
    assert "Chỉ thành viên của đơn vị chủ trì" in html
    assert event_count() == before


def test_stale_form_is_refused(client):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "gdtx.member")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    stale = _version(task_id)
    _post_transition(client, task_id, "start")
    response = client.post(
        f"/tasks/{task_id}/transition",
        data={"csrf_token": csrf_token(page), "event": "cancel", "version": stale, "reason": "x"},
        follow_redirects=True,
    )
    assert "Hãy tải lại trang" in response.get_data(as_text=True) or "tải lại" in (
        response.get_data(as_text=True)
    )


def test_other_units_task_is_forbidden(client):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "pgd-q8.member")
    assert client.get(f"/tasks/{task_id}").status_code == 403
    assert client.get("/tasks/999999").status_code == 404


def test_report_with_attachment_checked_by_content(client, demo_app):
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    login(client, "gdtx.member")
    _post_transition(client, task_id, "start")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    from io import BytesIO

    fake = client.post(
        f"/tasks/{task_id}/report",
        data={
            "csrf_token": csrf_token(page),
            "version": _version(task_id),
            "text": "Kèm tệp",
            "files": (BytesIO(b"MZ\x90\x00 not a pdf"), "baocao.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "không thuộc loại được phép" in fake.get_data(as_text=True)
    assert db.session.get(Task, task_id).state == TaskState.IN_PROGRESS
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ok = client.post(
        f"/tasks/{task_id}/report",
        data={
            "csrf_token": csrf_token(page),
            "version": _version(task_id),
            "text": "Kèm tệp",
            "files": (BytesIO(pdf), "bao-cao.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = ok.get_data(as_text=True)
    assert "bao-cao.pdf" in html
    link = re.search(r'href="(/tasks/attachments/\d+)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.data == pdf
    download.close()
    logout(client)
    login(client, "pgd-q8.member")
    assert client.get(link).status_code == 403


def test_logout_is_audited(client):
    login(client, "gdtx.member")
    logout(client)
    from models import AuditEvent

    last = db.session.execute(
        sa.select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one()
    assert last == "user.logout"
