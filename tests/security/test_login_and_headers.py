"""Login throttling, security headers, session cookies and uploads checked by content."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from models import Attachment, AuditEvent, Task, db
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login
from workflow import clock, task_reports
from workflow import tasks as task_service
from workflow.attachments import UploadedFile
from workflow.errors import InvalidInput
from workflow.login_security import FAILURES_BEFORE_DELAY, FIRST_DELAY


def _try(client, username: str, password: str, addr: str = "10.0.0.7"):  # noqa: ANN001
    page = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page)},
        environ_base={"REMOTE_ADDR": addr},
    )


def _events(action: str) -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    ).scalar_one()


def test_login_is_throttled_after_repeated_failures(client):
    for _ in range(FAILURES_BEFORE_DELAY):
        assert _try(client, "gdtx.member", "wrong-password").status_code == 200
    assert _events("user.login_failed") == FAILURES_BEFORE_DELAY
    # From this address the next attempt must wait, and the password is not checked.
    response = _try(client, "gdtx.member", "planwork-demo")
    assert response.status_code == 429
    assert "quá nhiều lần" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    # Refusals are counted in the security log, not appended to the audit trail (M1).
    assert _events("user.login_throttled") == 0
    assert _events("user.login") == 0
    # Another address, or another user from this address, is not affected.
    assert _try(client, "gdtx.member", "planwork-demo", addr="10.0.0.8").status_code == 302


def test_throttle_is_per_username_and_lifts_after_the_delay(client):
    for _ in range(FAILURES_BEFORE_DELAY):
        _try(client, "gdtx.member", "wrong-password")
    assert _try(client, "tccb.member", "planwork-demo").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/my-tasks").text)})
    assert _try(client, "gdtx.member", "planwork-demo").status_code == 429
    clock.freeze(clock.now() + FIRST_DELAY + timedelta(seconds=1))
    assert _try(client, "gdtx.member", "planwork-demo").status_code == 302


def test_security_headers_on_pages(client):
    response = client.get("/login")
    headers = response.headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    # Review L (CSP): no <base> hijack, forms post only here, no framing by anyone.
    for directive in ("base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cache-Control"] == "no-store"
    # Served over plain HTTP in tests (secure cookies off): no HSTS.
    assert "Strict-Transport-Security" not in headers


def test_session_cookie_flags(client):
    login(client, "gdtx.member")
    cookie = client.get_cookie("session", domain="planwork.test")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


@pytest.fixture
def secure_app(demo_app: Flask) -> Flask:
    demo_app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    return demo_app


def test_secure_deployment_sends_hsts_and_secure_cookies(secure_app):
    client = secure_app.test_client()
    page = client.get("/login", base_url="https://planwork.test")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    response = client.post(
        "/login",
        base_url="https://planwork.test",
        # Over HTTPS Flask-WTF also checks that the form came from this site.
        headers={"Referer": "https://planwork.test/login"},
        data={
            "username": "gdtx.member",
            "password": "planwork-demo",
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    set_cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_settings_read_secure_cookies_from_the_environment(monkeypatch):
    import importlib

    import config.settings as settings

    monkeypatch.setenv("PLANWORK_SECURE_COOKIES", "1")
    try:
        reloaded = importlib.reload(settings)
        assert reloaded.Settings.SESSION_COOKIE_SECURE is True
        assert reloaded.Settings.SESSION_COOKIE_HTTPONLY is True
        assert reloaded.Settings.SESSION_COOKIE_SAMESITE == "Lax"
    finally:
        monkeypatch.delenv("PLANWORK_SECURE_COOKIES")
        importlib.reload(settings)


def test_forms_without_csrf_token_are_refused(client):
    login(client, "gdtx.member")
    task_id = find_task("2417/KH-SGDĐT", "1.2").id
    response = client.post(f"/tasks/{task_id}/transition", data={"event": "start", "version": 1})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Task, task_id).state.value == "assigned"


def test_uploads_are_checked_by_content_not_by_name(client, users):
    task = find_task("2417/KH-SGDĐT", "1.2")
    member = users("gdtx.member")
    started = task_service.start_task(task.id, member, expected_version=task.version)
    # An executable renamed to .pdf, and HTML renamed to .png, are refused.
    for name, data in (
        ("bao-cao.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        ("anh.png", b"<html><script>alert(1)</script></html>"),
        ("bang.docx", b"PK\x03\x04" + b"\x00" * 40),  # a zip, but not a Word document
    ):
        with pytest.raises(InvalidInput):
            task_reports.submit_report(
                task.id,
                member,
                expected_version=started.version,
                text="Báo cáo",
                files=[UploadedFile(name, data)],
            )
    assert db.session.execute(sa.select(sa.func.count(Attachment.id))).scalar_one() == 0

    # Through the web: the refusal is shown, nothing is stored.
    login(client, "gdtx.member")
    page = client.get("/my-tasks").get_data(as_text=True)
    response = client.post(
        f"/tasks/{task.id}/report",
        data={
            "csrf_token": csrf_token(page),
            "version": started.version,
            "text": "Báo cáo",
            "files": [(__import__("io").BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "bao-cao.pdf")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert db.session.execute(sa.select(sa.func.count(Attachment.id))).scalar_one() == 0

    # A real PDF is accepted and served back as a download, never inline.
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    task_reports.submit_report(
        task.id,
        member,
        expected_version=started.version,
        text="Báo cáo",
        files=[UploadedFile("bao-cao.pdf", pdf)],
    )
    attachment = db.session.execute(sa.select(Attachment)).scalar_one()
    assert attachment.content_type == "application/pdf"
    download = client.get(f"/tasks/attachments/{attachment.id}")
    assert download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
