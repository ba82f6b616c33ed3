"""Long work runs in the worker, not in the request: imports, audit verification, the
inspection pack, year-end documents and large exports, each through /jobs/<id>."""

from __future__ import annotations

import csv
import io
import re
import zipfile

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
    web, demo_app, tmp_path, queue_worker
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


def _message_of(html: str) -> str:
    match = re.search(r'id="job-message">([^<]*)<', html)
    return match.group(1) if match else ""


def test_a_broken_document_fails_with_its_message_and_leaves_no_draft(
    web, demo_app, tmp_path, queue_worker
):
    from tests.importer.test_bad_input import _encrypted_pdf

    sign_in(web, "gdtx.coordinator")
    before = counts()
    job_id = job_id_of(_upload(web, _encrypted_pdf(), "mat-khau.pdf"))
    job = queue_worker.wait(job_id)
    assert job.state == JobState.FAILED
    assert "Tệp PDF được đặt mật khẩu" in job.message
    html = web.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Không thực hiện được." in html
    assert "Tệp PDF được đặt mật khẩu" in _message_of(html)
    status = web.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "failed" and "mật khẩu" in status["message"]
    assert not _drafts(tmp_path)
    assert not (tmp_path / "jobs" / str(job_id) / "upload").exists()
    after = counts()
    assert after["plans"] == before["plans"] and after["tasks"] == before["tasks"]
    assert after["audit_events"] == before["audit_events"] + 1  # only "job.request"

    # A document without any item is refused the same way.
    plain = "KẾ HOẠCH\nSố: 9/KH-ABC\nVề việc thử".encode()
    job = queue_worker.wait(job_id_of(_upload(web, plain, "trong.txt")))
    assert job.state == JobState.FAILED and "Không tìm thấy nhiệm vụ" in job.message
    assert not _drafts(tmp_path)


def test_jobs_belong_to_who_asked_and_admins(web, demo_app, queue_worker):
    sign_in(web, "gdtx.coordinator")
    job_id = job_id_of(_upload(web, SEED_4403.read_bytes()))
    queue_worker.wait(job_id)
    sign_in(web, "tccb.coordinator")
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}.json"):
        assert web.get(url).status_code == 404
    sign_in(web, "sgddt.admin")
    assert web.get(f"/jobs/{job_id}.json").status_code == 200
    assert web.get("/jobs/999999").status_code == 404


def test_a_user_has_at_most_three_unfinished_jobs(web, demo_app):
    sign_in(web, "gdtx.coordinator")
    for _ in range(3):
        job_id_of(_upload(web, SEED_4403.read_bytes()))
    refused = _upload(web, SEED_4403.read_bytes())
    assert refused.status_code == 302 and "/jobs/" not in refused.headers["Location"]
    page = web.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Bạn đang có 3 việc chưa xong" in page
    assert db.session.execute(sa.select(sa.func.count(BackgroundJob.id))).scalar_one() == 3


def test_full_verification_runs_in_the_worker_and_flashes_the_verdict(year, app, queue_worker):
    from models import AuditVerification
    from tests.inspection.conftest import P4403, task
    from tests.inspection.test_inspection_web import _tamper, _verify_event

    web = app.test_client()
    sign_in(web, "ttra.inspector")
    home = web.get("/audit").get_data(as_text=True)
    assert "Chuỗi toàn vẹn" in home
    intact = queue_worker.wait(
        job_id_of(web.post("/audit/verify", data={"csrf_token": csrf(home)}))
    )
    assert intact.result["intact"] is True
    # The walk reported its progress in events (the page's bar), and ended at the total.
    events = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    assert intact.progress_total >= intact.result["checked"] > 1
    assert intact.progress_done == intact.progress_total <= events
    target = _verify_event(task(P4403, "3").id)
    _tamper(target.seq)
    verdicts = db.session.execute(sa.select(sa.func.count(AuditVerification.id))).scalar_one()
    home = web.get("/audit").get_data(as_text=True)
    job_id = job_id_of(web.post("/audit/verify", data={"csrf_token": csrf(home)}))
    # The request walked nothing: no verdict was added before the worker ran.
    count = db.session.execute(sa.select(sa.func.count(AuditVerification.id))).scalar_one()
    assert count == verdicts
    job = queue_worker.wait(job_id)
    assert job.state == JobState.DONE, job.message
    assert job.result["intact"] is False and job.result["bad_seq"] == target.seq
    done = web.get(f"/jobs/{job_id}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/audit")
    page = web.get("/audit").get_data(as_text=True)
    assert f"Chuỗi bị phá vỡ tại sự kiện số {target.seq}" in page


def test_the_inspection_pack_is_built_by_the_worker_for_its_requester_only(year, app, queue_worker):
    from tests.inspection.conftest import P4403, plan_id

    web = app.test_client()
    sign_in(web, "ttra.inspector")
    url = f"/plans/{plan_id(P4403)}/inspection-pack.zip?year=2024"
    job_id = job_id_of(web.get(url))
    assert job_id_of(web.get(url)) == job_id  # asked twice while queued: one job
    assert not (job := db.session.get(BackgroundJob, job_id)).finished
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "job.request")
    ).scalar_one()
    assert event.plan_id == plan_id(P4403) and event.after["from"] == "2024-01-01"

    job = queue_worker.wait(job_id)
    assert job.state == JobState.DONE, job.message
    html = web.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f"/jobs/{job_id}/download" in html and "ho-so-kiem-tra-ke-hoach" in html
    download = web.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "ho-so-kiem-tra-ke-hoach-" in download.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert {"muc-luc.csv", "kiem-tra-chuoi.txt", "nhat-ky/nhat-ky.csv"} <= set(names)
    download.close()

    sign_in(web, "sgddt.inspector")  # may ask for packs, but this one is not theirs
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/download"):
        assert web.get(path).status_code == 404


def test_year_end_documents_come_from_the_worker(year, app, queue_worker):
    from docx import Document

    from tests.inspection.conftest import P4403, plan_id

    web = app.test_client()
    sign_in(web, "gdtx.coordinator")
    job_id = job_id_of(web.get(f"/plans/{plan_id(P4403)}/year-end.docx?year=2024"))
    assert queue_worker.wait(job_id).state == JobState.DONE
    download = web.get(f"/jobs/{job_id}/download")
    text = "\n".join(p.text for p in Document(io.BytesIO(download.data)).paragraphs)
    assert "I. KẾT QUẢ THỰC HIỆN" in text
    download.close()
    assert web.get(f"/plans/{plan_id(P4403)}/year-end.pdf?year=2024").status_code == 404


def test_a_large_export_is_written_by_the_worker_with_the_same_rows(year, app, queue_worker):
    web = app.test_client()
    sign_in(web, "gdtx.coordinator")
    inline = web.get("/tasks/?format=csv")
    assert inline.status_code == 200
    app.config["EXPORT_INLINE_MAX_ROWS"] = 5
    job_id = job_id_of(web.get("/tasks/?format=csv"))
    job = queue_worker.wait(job_id)
    assert job.state == JobState.DONE, job.message
    download = web.get(f"/jobs/{job_id}/download")
    assert download.headers["Content-Disposition"].endswith("filename=nhiem-vu.csv")
    assert download.data == inline.data
    download.close()


def test_old_jobs_and_their_files_are_purged(web, demo_app, tmp_path, queue_worker):
    from datetime import timedelta

    from workflow.jobs import purge

    sign_in(web, "gdtx.coordinator")
    job_id = job_id_of(_upload(web, SEED_4403.read_bytes()))
    queue_worker.wait(job_id)
    (tmp_path / "jobs" / str(job_id)).mkdir(parents=True, exist_ok=True)
    assert purge(timedelta(days=7)) == 0
    assert purge(timedelta(seconds=-1)) == 1
    assert db.session.get(BackgroundJob, job_id) is None
    assert not (tmp_path / "jobs" / str(job_id)).exists()


def test_the_worker_command_runs_a_queued_import_and_stops_on_ctrl_c(web, demo_app, tmp_path):
    """`planwork worker run` as its own process, configured like production: from the
    environment (database, queue, instance folder)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    instance = tmp_path / "instance"
    demo_app.config["JOB_DIR"] = instance / "jobs"
    demo_app.config["IMPORT_DRAFT_DIR"] = instance / "imports"
    sign_in(web, "gdtx.coordinator")
    job_id = job_id_of(_upload(web, SEED_4403.read_bytes()))
    env = dict(
        os.environ,
        DATABASE_URL=demo_app.config["SQLALCHEMY_DATABASE_URI"],
        PLANWORK_QUEUE_URL=demo_app.config["QUEUE_URL"],
        PLANWORK_INSTANCE=str(instance),
        SECRET_KEY="worker-test-" + "k" * 40,
    )
    command = [str(Path(sys.executable).parent / "planwork"), "worker", "run", "--workers", "1"]
    log = tmp_path / "worker.log"
    with log.open("w") as out:  # a file, not a pipe nobody reads while the worker runs
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (job := db.session.get(BackgroundJob, job_id)).finished:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
            db.session.expire_all()
        assert job.state == JobState.DONE, job.message
        assert len(list((instance / "imports").glob("*.json"))) == 1
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    output = log.read_text()
    assert process.returncode == 0, output
    assert "Tiến trình xử lý nền đang chạy" in output and "Đã dừng tiến trình xử lý nền." in output


def test_a_large_audit_export_is_written_by_the_worker(year, app, queue_worker):
    web = app.test_client()
    sign_in(web, "sgddt.inspector")
    inline = web.get("/audit/export.csv")
    assert inline.status_code == 200
    app.config["EXPORT_INLINE_MAX_ROWS"] = 10
    job_id = job_id_of(web.get("/audit/export.csv"))
    job = queue_worker.wait(job_id)
    assert job.state == JobState.DONE, job.message
    download = web.get(f"/jobs/{job_id}/download")
    assert download.headers["Content-Disposition"].endswith("filename=nhat-ky.csv")

    def rows(body: bytes) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))

    # The same rows and one more: the export's own request is an audit event now.
    written, before = rows(download.data), rows(inline.data)
    download.close()
    assert written[: len(before)] == before and len(written) == len(before) + 1
    assert written[-1]["Thao tác"] == "job.request"
    assert web.get("/audit/export.doc").status_code == 404
