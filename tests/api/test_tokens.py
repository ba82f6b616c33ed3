"""Personal access tokens: made on the settings page or by `planwork tokens`, shown once,
stored hashed, revoked, each step audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import ApiToken, AuditEvent, db
from tests.api.conftest import user
from tests.foundation.web import csrf_token, login
from workflow import tokens


def _token_events() -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "api_token")
            .order_by(AuditEvent.seq)
        ).scalars()
    )


def test_the_settings_page_shows_a_new_token_once_and_revokes_it(demo_app):
    client = demo_app.test_client()
    login(client, "gdtx.member")
    page = client.get("/account/tokens").get_data(as_text=True)
    created = client.post(
        "/account/tokens",
        data={"csrf_token": csrf_token(page), "name": "Bảng tính của phòng", "scope": "write"},
    )
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    secret = re.search(r'id="secret">(pw_[A-Za-z0-9_-]+)<', html).group(1)
    assert "chỉ hiện một lần" in html

    # Stored hashed: the secret is nowhere in the table or the audit trail.
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert row.token_hash == tokens.hash_secret(secret) != secret
    assert secret.startswith(row.prefix) and len(row.prefix) < len(secret) // 3
    (event,) = _token_events()
    assert event.action == "token.create"
    assert event.actor_id == user("gdtx.member").id
    assert secret not in str(event.after) and event.after["scope"] == "write"
    # Shown once: the page lists it by its prefix only.
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing and row.prefix in listing

    api = demo_app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    revoked = client.post(
        f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(listing)}
    )
    assert revoked.status_code == 302
    assert [e.action for e in _token_events()] == ["token.create", "token.revoke"]
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_no_one_revokes_anothers_token(demo_app, make_token):
    from workflow.errors import NotFound

    secret = make_token("gdtx.member", "read")
    row = db.session.execute(sa.select(ApiToken)).scalar_one()
    client = demo_app.test_client()
    login(client, "tccb.member")
    page = client.get("/account/tokens").get_data(as_text=True)
    client.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(page)})
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None
    assert [e.action for e in _token_events()] == ["token.create"]
    try:
        tokens.revoke_token(row.id, user("tccb.member"))
    except NotFound:
        pass
    else:
        raise AssertionError("revoked another user's token")
    headers = {"Authorization": f"Bearer {secret}"}
    assert demo_app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    # An admin may (an account being closed, a leaked token).
    tokens.revoke_token(row.id, user("sgddt.admin"))
    assert demo_app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_an_inspector_makes_read_tokens_only(demo_app):
    client = demo_app.test_client()
    login(client, "sgddt.inspector")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="write"' not in page
    refused = client.post(
        "/account/tokens",
        data={"csrf_token": csrf_token(page), "name": "Bản sao", "scope": "write"},
    )
    assert "pw_" not in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(ApiToken)).first() is None
    made = client.post(
        "/account/tokens", data={"csrf_token": csrf_token(page), "name": "Bản sao", "scope": "read"}
    )
    assert 'id="secret">pw_' in made.get_data(as_text=True)


def test_the_command_line_prints_the_token_once(demo_app):
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "gdtx.coordinator", "--scope", "write"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("pw_") and "\n" not in secret
    me = demo_app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.get_json()["username"] == "gdtx.coordinator"
    assert me.get_json()["token_scope"] == "write"
    (event,) = _token_events()
    assert event.action == "token.create" and event.actor_id is None

    listed = runner.invoke(args=["tokens", "list", "gdtx.coordinator"])
    assert secret not in listed.output and secret[:10] in listed.output
    token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 1

    unknown = runner.invoke(args=["tokens", "create", "nobody.here"])
    assert unknown.exit_code == 1 and "Không có người dùng" in unknown.output
    bad_scope = runner.invoke(args=["tokens", "create", "gdtx.member", "--scope", "admin"])
    assert bad_scope.exit_code != 0
    inspector = runner.invoke(args=["tokens", "create", "sgddt.inspector", "--scope", "write"])
    assert inspector.exit_code == 1 and "chỉ đọc" in inspector.output
