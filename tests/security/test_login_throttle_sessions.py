"""Login throttling that cannot lock people out, the security log, and sessions that end.

Each test names the finding of the 2026-12 security review it guards (H1, M1, M3,
L-timing, L-demo-hash).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash, generate_password_hash

from demo.loader import DEMO_PASSWORD
from models import AuditEvent, SecurityEventKind, SecurityLogEntry, User, db
from tests.foundation.web import csrf_token, login, logout
from workflow import audit, clock, login_security
from workflow.users import LoginThrottled, authenticate, change_password

ATTACKER = "10.0.0.7"
PROXY = "10.0.0.1"  # every client behind the office's reverse proxy or NAT


def _try(
    client: FlaskClient,
    username: str,
    password: str,
    addr: str = ATTACKER,
    headers: dict[str, str] | None = None,
):  # noqa: ANN202
    page = client.get("/login", environ_base={"REMOTE_ADDR": addr}, headers=headers)
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
        environ_base={"REMOTE_ADDR": addr},
        headers=headers,
    )


def _events(action: str | None = None) -> int:
    query = sa.select(sa.func.count(AuditEvent.id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return db.session.execute(query).scalar_one()


def _log_rows(kind: SecurityEventKind | None = None) -> int:
    query = sa.select(sa.func.count(SecurityLogEntry.id))
    if kind is not None:
        query = query.where(SecurityLogEntry.kind == kind)
    return db.session.execute(query).scalar_one()


@pytest.fixture
def cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown usernames are checked against a cheap hash, so hundreds of them are fast."""
    cheap = generate_password_hash("not-a-password", method="pbkdf2:sha256:1")
    monkeypatch.setattr(login_security, "dummy_hash", lambda: cheap)


# --- H1: nobody can lock out a user who has the right password -----------------------


def test_h1_spraying_unknown_usernames_from_one_address_locks_nobody_out(client):
    """H1: 30 failures for unknown usernames from one address (the proxy every office
    user comes through), then real users with the right password still log in."""
    for i in range(login_security.UNKNOWN_FAILURES_PER_ADDRESS + 1):
        _try(client, f"spray{i}.member", "wrong-password", addr=PROXY)
    for username in ("sgddt.admin", "tccb.member"):
        assert _try(client, username, DEMO_PASSWORD, addr=PROXY).status_code == 302
        logout(client)
    # The spraying address is told to stop; a wrong password of a real account gets the
    # same answer as an unknown username, so the answer does not reveal which exist.
    unknown = _try(client, "spray99.member", "wrong-password", addr=PROXY)
    real = _try(client, "gdtx.member", "wrong-password", addr=PROXY)
    assert unknown.status_code == real.status_code == 429
    assert "địa chỉ mạng này" in unknown.get_data(as_text=True)
    assert "địa chỉ mạng này" in real.get_data(as_text=True)


def test_h1_guesses_on_an_account_do_not_stop_its_owner_in_a_known_browser(demo_app: Flask):
    """H1: 5+ wrong guesses on a real account by a third party behind the same address;
    the owner's browser, which has logged in before, still logs in at once."""
    owner = demo_app.test_client()
    assert _try(owner, "gdtx.coordinator", DEMO_PASSWORD, addr=PROXY).status_code == 302
    logout(owner)
    attacker = demo_app.test_client()
    for _ in range(login_security.FAILURES_BEFORE_DELAY + 3):
        _try(attacker, "gdtx.coordinator", "wrong-password", addr=PROXY)
    assert _try(attacker, "gdtx.coordinator", "guess", addr=PROXY).status_code == 429
    assert _try(owner, "gdtx.coordinator", DEMO_PASSWORD, addr=PROXY).status_code == 302
    assert owner.get("/my-tasks").status_code == 200


def test_h1_account_backoff_grows_and_the_right_password_passes_after_it(client):
    """H1: after 5 failures this client waits 30 s, then twice as long after each further
    failure (capped); once the wait is over the right password logs in. No hard lock."""
    for _ in range(login_security.FAILURES_BEFORE_DELAY):
        _try(client, "gdtx.member", "wrong-password")
    throttled = _try(client, "gdtx.member", DEMO_PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 30
    clock.freeze(clock.now() + timedelta(seconds=31))
    assert _try(client, "gdtx.member", "wrong-password").status_code == 200  # checked
    # Six failures now: the next attempt waits 60 s.
    clock.freeze(clock.now() + timedelta(seconds=31))
    assert _try(client, "gdtx.member", DEMO_PASSWORD).status_code == 429
    clock.freeze(clock.now() + timedelta(seconds=30))
    assert _try(client, "gdtx.member", DEMO_PASSWORD).status_code == 302
    assert login_security.backoff(10_000, 5) == login_security.MAX_DELAY


def test_h1_guessing_spread_over_addresses_spares_browsers_that_logged_in_before(
    demo_app: Flask,
):
    """H1: failures from many addresses set off the account-wide backoff for unknown
    browsers only; the owner's known browser still logs in with the right password."""
    owner = demo_app.test_client()
    assert _try(owner, "gdtx.member", DEMO_PASSWORD, addr="198.51.100.1").status_code == 302
    logout(owner)
    for i in range(login_security.ACCOUNT_FAILURES_BEFORE_DELAY):
        with audit.client_address(f"203.0.113.{i}"):
            assert authenticate("gdtx.member", "wrong-password") is None
    stranger = demo_app.test_client()
    assert _try(stranger, "gdtx.member", DEMO_PASSWORD, addr="198.51.100.2").status_code == 429
    assert _try(owner, "gdtx.member", DEMO_PASSWORD, addr="198.51.100.3").status_code == 302


def test_h1_forwarded_for_is_honoured_only_behind_trusted_proxies(demo_app: Flask):
    """H1: with PLANWORK_TRUSTED_PROXIES=1 the client address comes from X-Forwarded-For,
    so clients behind the proxy are throttled apart; without it the header is ignored."""
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    plain = demo_app.test_client()
    _try(plain, "nobody.member", "wrong-password", addr=PROXY, headers=forwarded)
    assert db.session.execute(sa.select(SecurityLogEntry.client_addr)).scalars().all() == [PROXY]

    from web.app import create_app

    proxied_app = create_app({**demo_app.config, "PLANWORK_TRUSTED_PROXIES": 1})
    with proxied_app.app_context():
        proxied = proxied_app.test_client()
        for _ in range(login_security.FAILURES_BEFORE_DELAY):
            _try(proxied, "gdtx.member", "wrong-password", addr=PROXY, headers=forwarded)
        rows = db.session.execute(
            sa.select(SecurityLogEntry.client_addr).where(
                SecurityLogEntry.username == "gdtx.member"
            )
        ).scalars()
        assert set(rows) == {"203.0.113.9"}
        assert _try(proxied, "gdtx.member", DEMO_PASSWORD, PROXY, forwarded).status_code == 429
        # Another office client behind the same proxy is not held up.
        other = {"X-Forwarded-For": "203.0.113.10"}
        assert _try(proxied, "gdtx.member", DEMO_PASSWORD, PROXY, other).status_code == 302
        db.session.remove()
        db.engine.dispose()


# --- M1: anonymous clients cannot grow the audit trail ------------------------------


def test_m1_failed_logins_of_unknown_usernames_add_no_audit_events(demo_app, cheap_dummy_hash):
    """M1: 200 failed logins of unknown usernames add 0 audit events and 200 security-log
    rows; the scheduler job counts them into one summary event, then prunes old rows."""
    before = _events()
    for i in range(200):
        with audit.client_address(f"192.0.2.{i % 7}"):
            try:
                assert authenticate(f"intruder{i}.member", "wrong-password") is None
            except LoginThrottled:
                pass  # the address is spraying: still a refusal, still no event
    assert _events() == before
    assert _log_rows(SecurityEventKind.UNKNOWN_USER) == 200

    from notifications.jobs import run_security_log_housekeeping

    assert run_security_log_housekeeping() == (True, 0)
    assert _events() == before + 1
    summary = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == login_security.SUMMARY_ACTION)
    ).scalar_one()
    assert summary.after["unknown_user"] == 200 and summary.after["addresses"] == 7
    # Nothing new: no second event. After the retention period the rows go.
    assert run_security_log_housekeeping() == (False, 0)
    clock.freeze(clock.now() + timedelta(days=login_security.SECURITY_LOG_RETENTION_DAYS + 1))
    assert run_security_log_housekeeping() == (False, 200)
    assert _log_rows() == 0 and _events() == before + 1
    # An inspector finds it on the audit page.
    inspector = demo_app.test_client()
    login(inspector, "sgddt.inspector")
    page = inspector.get(f"/audit?action={login_security.SUMMARY_ACTION}")
    assert page.status_code == 200 and "Tổng hợp đăng nhập sai" in page.get_data(as_text=True)


def test_m1_throttled_attempts_are_counted_not_audited_each(client):
    """M1: refused attempts on a real account write no audit event each (the flood); the
    failures that were really checked stay in the trail."""
    for _ in range(login_security.FAILURES_BEFORE_DELAY):
        _try(client, "gdtx.member", "wrong-password")
    before = _events()
    for _ in range(20):
        assert _try(client, "gdtx.member", "wrong-password").status_code == 429
    assert _events() == before
    assert _events("user.login_failed") == login_security.FAILURES_BEFORE_DELAY
    assert _log_rows(SecurityEventKind.THROTTLED) == 20
    event = login_security.summarize_login_failures()
    assert event is not None and event.after["throttled"] == 20
    assert event.after["bad_password"] == login_security.FAILURES_BEFORE_DELAY


# --- M3: sessions end ----------------------------------------------------------------


def _stolen_session(client: FlaskClient) -> str:
    cookie = client.get_cookie("session", domain="planwork.test")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, session_cookie: str) -> int:
    thief = app.test_client()
    thief.set_cookie("session", session_cookie, domain="planwork.test")
    return thief.get("/my-tasks").status_code


def test_m3_old_session_cookie_is_refused_after_logout(demo_app: Flask, client):
    """M3: a session cookie copied before logout no longer logs anyone in after it, and
    logging out in one browser ends the sessions in the others."""
    login(client, "gdtx.member2")
    other_browser = demo_app.test_client()
    login(other_browser, "gdtx.member2")
    stolen = _stolen_session(client)
    assert _replay(demo_app, stolen) == 200
    logout(client)
    assert _replay(demo_app, stolen) == 302
    assert other_browser.get("/my-tasks").status_code == 302
    login(client, "gdtx.member2")  # a fresh login works again
    assert client.get("/my-tasks").status_code == 200


def test_m3_old_session_cookie_is_refused_after_a_password_change(demo_app, client, users):
    """M3: changing the password ends every session opened with the old one."""
    login(client, "gdtx.member2")
    stolen = _stolen_session(client)
    member = users("gdtx.member2")
    change_password(member.id, member, "a-new-long-password")
    assert _replay(demo_app, stolen) == 302
    assert client.get("/my-tasks").status_code == 302


def test_m3_old_session_cookie_is_refused_after_an_admin_reset(demo_app, client, users):
    """M3: an admin's password reset ends the user's sessions (POST /admin/users/<id>/password)."""
    login(client, "gdtx.member2")
    stolen = _stolen_session(client)
    admin = demo_app.test_client()
    login(admin, "sgddt.admin")
    member_id = users("gdtx.member2").id
    page = admin.get(f"/admin/users/{member_id}").get_data(as_text=True)
    response = admin.post(
        f"/admin/users/{member_id}/password",
        data={"csrf_token": csrf_token(page), "pw-new_password": "a-new-long-password"},
    )
    assert response.status_code == 302
    assert _events("user.password") == 1
    assert _replay(demo_app, stolen) == 302
    assert admin.get("/admin/users").status_code == 200  # the admin's own session stays


def test_m3_csrf_secret_is_rotated_at_login(client):
    """M3 (low): the CSRF secret known before login is worthless after it."""
    client.get("/login")
    with client.session_transaction() as session:
        before = session["csrf_token"]
    login(client, "gdtx.member")
    client.get("/my-tasks")
    with client.session_transaction() as session:
        after = session["csrf_token"]
    assert before != after


def test_m3_session_ends_after_its_lifetime(demo_app: Flask, client):
    """M3: sessions last at most PERMANENT_SESSION_LIFETIME (12 hours) after login."""
    assert demo_app.permanent_session_lifetime == timedelta(hours=12)
    login(client, "gdtx.member")
    assert client.get("/my-tasks").status_code == 200
    with client.session_transaction() as session:
        long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=12, minutes=1)
        session["login_at"] = long_ago.isoformat()
    assert client.get("/my-tasks").status_code == 302


# --- Low findings ---------------------------------------------------------------------


def test_l_timing_unknown_usernames_run_a_password_check(demo_app, monkeypatch, users):
    """L-timing: an unknown username (or an inactive account) costs a password hash check
    like a wrong password does, so response times do not tell which usernames exist."""
    checks: list[str] = []

    def counting_check(pwhash: str, password: str) -> bool:
        checks.append(pwhash)
        return check_password_hash(pwhash, password)

    monkeypatch.setattr("workflow.users.check_password_hash", counting_check)
    assert authenticate("nobody.member", "wrong-password") is None
    assert len(checks) == 1
    # The dummy hash costs what a real account's default hash costs.
    assert checks[0].split("$")[0] == generate_password_hash("x").split("$")[0]
    assert authenticate("gdtx.member", "wrong-password") is None
    assert len(checks) == 2
    member = users("gdtx.member")
    member.active = False
    db.session.commit()
    assert authenticate("gdtx.member", DEMO_PASSWORD) is None
    assert len(checks) == 3


def test_l_demo_hash_each_demo_user_has_their_own_salted_hash(demo_app):
    """L-demo-hash: the 84 demo users do not share one hash string; each still verifies."""
    hashes = db.session.execute(sa.select(User.password_hash)).scalars().all()
    assert len(hashes) >= 84
    assert len(set(hashes)) == len(hashes)
    assert all(check_password_hash(h, DEMO_PASSWORD) for h in hashes)
