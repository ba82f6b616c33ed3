"""Long work runs in the worker, not in the request: imports, audit verification, the
inspection pack, year-end documents and large exports, each through /jobs/<id>."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from flask import g

from models import AuditEvent, BackgroundJob, JobState, db
from tests.conftest import job_id_of
from tests.foundation.web import login, logout
from tests.imports.helpers import SEED_4403, counts, csrf


def sign_in(client, username: str) -> None:  # noqa: ANN001
    """Log in through the login form; the app context (and its `g`) is shared by every
    request of the test, so forget the user Flask-Login cached there first."""
    g.pop("_login_user", None)
    if client.get_cookie("session", domain="planwork.test") is not None:
        logout(client)
        g.pop("_login_user", None)
    login(client, username)


def _upload(web, data: bytes, filename: str = "4403.txt"):  # noqa: ANN001
    page = web.get("/imports/new").get_data(as_text=True)
    return web.post(
        "/imports/new",
        data={"csrf_token": csrf(page), "document": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _drafts(tmp_path) -> list:  # noqa: ANN001
    return list((tmp_path / "imports").glob("*.json"))


def test_an_upload_is_parsed_by_the_worker_not_by_the_request(
    web, import_app, tmp_path, queue_worker
):
    sign_in(web, "gdtx.coordinator")
    before = counts()
    response = _upload(web, SEED_4403.read_bytes(), "4403-KH-SGDDT.txt")
    job_id = job_id_of(response)
    # The request only recorded the job: no worker runs yet, and no draft exists.
    assert not _drafts(tmp_path)
    job = db.session.get(BackgroundJob, job_id)
    assert job.state == JobState.QUEUED and job.kind == "import"
    assert (tmp_path / "jobs" / str(job_id) / "upload").read_bytes() == SEED_4403.read_bytes()
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "job.request")
    ).scalar_one()
    assert event.object_id == job_id and event.after["kind"] == "import"
    assert event.after["filename"] == "4403-KH-SGDDT.txt"
    assert counts()["plans"] == before["plans"] and counts()["tasks"] == before["tasks"]
    page = web.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đang chờ đến lượt xử lý" in html and "/static/job.js" in html
    assert web.get(f"/jobs/{job_id}.json").get_json()["state"] == "queued"

    job = queue_worker.wait(job_id)
    assert job.state == JobState.DONE, job.message
    assert len(_drafts(tmp_path)) == 1
    assert not (tmp_path / "jobs" / str(job_id) / "upload").exists()
    status = web.get(f"/jobs/{job_id}.json").get_json()
    assert status["finished"] and status["state"] == "done"
    done = web.get(f"/jobs/{job_id}")
    assert done.status_code == 302
    review = done.headers["Location"]
    assert re.search(r"/imports/[A-Za-z0-9_-]{20,}$", review)
    html = web.get(review).get_data(as_text=True)
    assert html.count('<tr class="item') == 11
    assert "Đã đọc xong văn bản" in html  # the notice, flashed on the way
