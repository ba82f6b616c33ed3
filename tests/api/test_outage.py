"""When the database is away or a bug slips through, the API still answers in JSON: 503
with Retry-After and code "database_unavailable", or 500 "server_error", never the
server's bare English page."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.foundation.test_database_outage import _app, _refuse_connections


@pytest.fixture
def production_app(demo_app: Flask, tmp_path) -> Flask:  # type: ignore[no-untyped-def]
    """The demo database, served like production: exceptions become error answers."""
    return _app(demo_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)


def test_a_lost_database_answers_503_in_json(production_app, make_token):
    headers = {"Authorization": f"Bearer {make_token('gdtx.member', 'write')}"}
    client = production_app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    _refuse_connections(production_app)
    for response in (
        client.get("/api/v1/tasks", headers=headers),
        client.post("/api/v1/tasks/1/start", headers=headers, json={}),
    ):
        assert response.status_code == 503 and response.is_json
        body = response.get_json()
        assert body["code"] == "database_unavailable"
        assert "tạm thời không kết nối được cơ sở dữ liệu" in body["message"]
        assert int(response.headers["Retry-After"]) > 0


def test_a_bug_answers_500_in_json(production_app, make_token, monkeypatch):
    from web.api import reads

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(reads, "tasks_page", broken)
    headers = {"Authorization": f"Bearer {make_token('gdtx.member')}"}
    response = production_app.test_client().get("/api/v1/tasks", headers=headers)
    assert response.status_code == 500 and response.is_json
    assert response.get_json()["code"] == "server_error"
    assert "Internal Server Error" not in response.get_data(as_text=True)
