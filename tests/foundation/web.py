"""Driving the app through the Flask test client as a person would, CSRF included."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on the page."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = "planwork-demo") -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def logout(client: FlaskClient) -> None:
    page = client.get("/my-tasks").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(page)})
