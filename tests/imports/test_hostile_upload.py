"""The review's hostile uploads (security review 2026-12, finding H2) through the web:
each ends with its Vietnamese message and leaves no draft, plan, task or alias behind.

The parse runs in the background worker now (jobs/tasks.py), so the refusal arrives on
the job's page; the limits live in importer/ and apply there as in the CLI.
"""

from __future__ import annotations

import io
import warnings

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import job_id_of
from tests.importer.test_hostile_inputs import _pdf, ratio_docx, review_lines, tiny_paragraphs_docx

from .helpers import counts, csrf, login


def _pdf_3000_pages() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _pdf(3000)


HOSTILE = [
    (
        "docx-55k-paragraphs",
        tiny_paragraphs_docx,
        "Tài liệu có 55.000 dòng (đoạn văn), vượt giới hạn 20.000 dòng.",
    ),
    ("docx-50mb-xml", ratio_docx, "khi giải nén là 49,6 MB, vượt giới hạn 20 MB."),
    ("pdf-3000-pages", _pdf_3000_pages, "Tài liệu có 3.000 trang, vượt giới hạn 200 trang."),
    # Parsed now, in linear time: 8,000 lines of 2 letters hold no task.
    ("txt-8000-lines", lambda: review_lines().encode(), "Không tìm thấy nhiệm vụ"),
]


@pytest.mark.parametrize("case, build, message", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_upload_ends_with_its_message_and_no_draft(
    web, import_app, tmp_path, queue_worker, case, build, message
):
    """H2: these uploads pinned a worker until gunicorn killed it (or answered after 11.6 s);
    now the job fails with the Vietnamese message and writes nothing but its own event."""
    data = build()
    login(web, "gdtx.coordinator")
    page = web.get("/imports/new").get_data(as_text=True)
    before = counts()
    # Encoded here, in memory: the test client spools bodies over 500 KB to a temporary
    # file it never closes (a ResourceWarning, an error under -W error).
    document = FileStorage(io.BytesIO(data), filename=f"{case}.bin")
    boundary, body = encode_multipart({"csrf_token": csrf(page), "document": document})
    response = web.post(
        "/imports/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    job = queue_worker.wait(job_id_of(response))
    assert job.state == "failed" and message in job.message
    html = web.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert message in html
    assert 'class="flash error" role="alert"' in html
    status = web.get(f"/jobs/{job.id}.json").get_json()
    assert status["state"] == "failed" and message in status["message"]
    # Only the job's audit event ("who asked for what") was written; no draft was kept.
    assert counts() == {**before, "audit_events": before["audit_events"] + 1}
    assert not list((tmp_path / "imports").glob("*.json"))
    assert not (tmp_path / "jobs" / str(job.id) / "upload").exists()
