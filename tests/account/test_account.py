"""Account self-service: profile, password change, reset by mailed link, kept language."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import g
from werkzeug.security import check_password_hash

from models import AuditEvent, OutboxMessage, PasswordReset, User, db
from notifications.policy import load_policy
from notifications.sender import send_pending
from tests.foundation.web import csrf_token, login
from tests.notifications.conftest import smtp  # noqa: F401  (a real SMTP server)
from workflow import clock

PASSWORD = "planwork-demo"
NEW = "a-new-password-42"


def _post(client, page_url: str, url: str, data: dict):  # noqa: ANN001
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == action)).scalars()
    )


def _other_browser(client):  # noqa: ANN001
    # The test's app context (and its `g`) is shared: forget the first client's user.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    return client.application.test_client()


def test_change_password_needs_the_current_one_and_ends_other_sessions(client, users):
    login(client, "gdtx.member")
    other = _other_browser(client)
    login(other, "gdtx.member")
    g.pop("_login_user", None)

    # A wrong current password changes nothing.
    response = _post(
        client,
        "/account/password",
        "/account/password",
        {"current": "wrong-password", "new": NEW, "confirm": NEW},
    )
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)
    db.session.expire_all()
    assert check_password_hash(users("gdtx.member").password_hash, PASSWORD)
    assert _events("account.password_change") == []

    # Mismatched confirmation is refused too.
    response = _post(
        client,
        "/account/password",
        "/account/password",
        {"current": PASSWORD, "new": NEW, "confirm": NEW + "x"},
    )
    assert "không khớp" in response.get_data(as_text=True)

    response = _post(
        client,
        "/account/password",
        "/account/password",
        {"current": PASSWORD, "new": NEW, "confirm": NEW},
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = users("gdtx.member")
    assert check_password_hash(user.password_hash, NEW)
    (event,) = _events("account.password_change")
    assert event.object_id == user.id and event.actor_id == user.id
    # This session goes on, the other browser's ended.
    g.pop("_login_user", None)
    assert client.get("/my-tasks").status_code == 200
    g.pop("_login_user", None)
    assert other.get("/my-tasks").status_code == 302


def test_profile_is_edited_by_its_owner_and_audited(client, users):
    login(client, "gdtx.member")
    response = _post(
        client,
        "/account/profile",
        "/account/profile",
        {"full_name": "Nguyễn Văn Mới", "email": "moi@example.vn", "phone": "+84 912 345 678"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = users("gdtx.member")
    assert (user.full_name, user.email, user.phone) == (
        "Nguyễn Văn Mới",
        "moi@example.vn",
        "+84 912 345 678",
    )
    (event,) = _events("account.profile")
    assert event.after["phone"] == "+84 912 345 678" and event.before["phone"] is None
    assert event.before["email"] == "gdtx.member@planwork.demo"

    # A malformed address is refused and nothing changes.
    response = _post(
        client,
        "/account/profile",
        "/account/profile",
        {"full_name": "X", "email": "not-an-address", "phone": ""},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert users("gdtx.member").full_name == "Nguyễn Văn Mới"
    assert len(_events("account.profile")) == 1


def _ask_reset(client, address: str):  # noqa: ANN001
    return _post(client, "/account/reset", "/account/reset", {"email": address})


def _reset_rows() -> list[OutboxMessage]:
    return list(
        db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.event == "password_reset")
        ).scalars()
    )


def test_reset_by_mailed_link_once_within_the_hour(client, users, smtp):  # noqa: F811
    known = _ask_reset(client, "GDTX.member@planwork.demo")
    unknown = _ask_reset(client, "nobody@example.vn")
    # The same answer whether or not the address is an account's.
    assert known.status_code == unknown.status_code == 302
    page_known = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "liên kết đặt lại mật khẩu" in page_known
    (row,) = _reset_rows()
    assert row.recipient == "gdtx.member@planwork.demo"
    # The token is stored only hashed.
    stored = db.session.execute(sa.select(PasswordReset.token_hash)).scalars().all()
    link = re.search(r"https?://\S+/account/reset/(\S+)", row.body_text)
    assert link and link.group(1) not in stored

    send_pending(load_policy())
    (mail,) = [m for m in smtp.received if m.recipients == ["gdtx.member@planwork.demo"]]
    token = re.search(r"/account/reset/(\S+)", mail.text()).group(1)

    login(_other_browser(client), "gdtx.member")  # a session to be ended by the reset
    g.pop("_login_user", None)
    url = f"/account/reset/{token}"
    response = _post(client, url, url, {"new": NEW, "confirm": NEW})
    assert response.status_code == 302
    db.session.expire_all()
    user = users("gdtx.member")
    assert check_password_hash(user.password_hash, NEW)
    assert user.session_generation >= 1
    assert len(_events("account.password_reset")) == 1
    # Single use.
    assert client.get(url).status_code == 410
    login(client, "gdtx.member", NEW)


def test_reset_link_expires_after_an_hour(client, users):
    _ask_reset(client, "gdtx.member@planwork.demo")
    (row,) = _reset_rows()
    token = re.search(r"/account/reset/(\S+)", row.body_text).group(1)
    url = f"/account/reset/{token}"
    assert client.get(url).status_code == 200
    clock.freeze(clock.now() + timedelta(minutes=61))
    assert client.get(url).status_code == 410
    page = client.get("/account/reset").get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(page), "new": NEW, "confirm": NEW})
    assert response.status_code == 410
    db.session.expire_all()
    assert check_password_hash(users("gdtx.member").password_hash, PASSWORD)


def test_reset_requests_are_rate_limited_alike_for_known_and_unknown(client):
    for address in ("gdtx.member@planwork.demo", "nobody@example.vn"):
        statuses = [_ask_reset(client, address).status_code for _ in range(4)]
        assert statuses == [302, 302, 302, 429], (address, statuses)
    # Only the three accepted requests of the real account queued a mail.
    assert len(_reset_rows()) == 3


def test_language_chosen_on_the_login_page_is_kept_on_the_account(client, users):
    page = client.get("/login").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(page), "lang": "en", "next": "/login"})
    assert users("gdtx.member").locale in (None, "vi")
    login(client, "gdtx.member")
    db.session.expire_all()
    assert users("gdtx.member").locale == "en"
    assert _events("user.locale")
    # Another browser, no choice made there: the account's language.
    other = _other_browser(client)
    login(other, "gdtx.member")
    assert '<html lang="en">' in other.get("/my-tasks").get_data(as_text=True)


def test_profile_pages_speak_english(client):
    login(client, "gdtx.member")
    page = client.get("/account/password").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(page), "lang": "en", "next": "/"})
    response = _post(
        client,
        "/account/password",
        "/account/password",
        {"current": "wrong-password", "new": NEW, "confirm": NEW},
    )
    html = response.get_data(as_text=True)
    assert "The current password is wrong." in html


def test_inactive_or_missing_user_cannot_request_reset(client):
    db.session.execute(sa.update(User).where(User.username == "gdtx.member").values(active=False))
    db.session.commit()
    assert _ask_reset(client, "gdtx.member@planwork.demo").status_code == 302
    assert _reset_rows() == []
