"""The login page lists the demo's accounts only while the demo is loaded."""

from __future__ import annotations

import sqlalchemy as sa

from models import User, db


def test_login_page_lists_demo_accounts_when_the_demo_is_loaded(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'id="demo-logins"' in page
    assert "gdtx.coordinator" in page and "planwork-demo" in page


def test_login_page_lists_nothing_on_a_database_without_the_demo(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    assert 'id="demo-logins"' not in page and "planwork-demo" not in page


def test_a_real_site_whose_admin_shares_a_demo_username_lists_nothing(client):
    # Only the demo's own accounts (their demo mail address) count, not a username.
    db.session.execute(
        sa.update(User).where(User.username == "sgddt.admin").values(email="it@so.gov.vn")
    )
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    assert 'id="demo-logins"' not in page
