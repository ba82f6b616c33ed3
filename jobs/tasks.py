"""What each kind of job does. The worker calls `execute(job_id)` inside an app context.

Each handler takes the running job and returns its result (a file under the job's folder,
or a page to go to); a document error or a domain refusal becomes the job's Vietnamese
message; anything else is logged and shown as a generic failure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app, g, session

import importer
from importer.errors import DocumentError
from models import BackgroundJob, User, db
from workflow import jobs as job_service
from workflow.errors import WorkflowError
from workflow.import_draft import review_draft
from workflow.import_draft_store import purge_drafts, save_draft
from workflow.import_resolution import import_directory

log = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_ITEMS = (
    "Không tìm thấy nhiệm vụ nào trong tài liệu. Hãy kiểm tra đây có phải văn bản "
    "kế hoạch (có các mục đánh số và đơn vị chủ trì) không."
)


class JobFailed(Exception):
    """The job cannot give a result; `message` (Vietnamese) is what the user reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _requester(job: BackgroundJob) -> User:
    user = db.session.get(User, job.requested_by_id)
    if user is None or not user.active:
        raise JobFailed("Tài khoản yêu cầu việc này không còn hoạt động.")
    return user


def _file_result(job: BackgroundJob, body: bytes, name: str, mimetype: str) -> dict[str, Any]:
    folder = job_service.job_folder(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result").write_bytes(body)
    return {"file": "result", "download_name": name, "mimetype": mimetype, "size": len(body)}


def _draft_folder() -> Path:
    # The same folder the import pages read drafts from (web/views/imports.py).
    configured = current_app.config.get("IMPORT_DRAFT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def import_plan(job: BackgroundJob) -> dict[str, Any]:
    """Parse the uploaded document into a draft kept for the uploader's review."""
    user = _requester(job)
    upload = job_service.job_folder(job.id) / "upload"
    try:
        data = upload.read_bytes()
        draft = importer.parse_bytes(
            data,
            directory=import_directory(),
            max_bytes=int(job.params["max_bytes"]),
            # A scan is read page by page (seconds each): the job's page shows how far.
            progress=lambda done, total: job_service.progress(job.id, done, total),
        )
        parsed = draft.to_json()
        if not parsed["items"] and not parsed["suggestions"]:
            raise JobFailed(NO_ITEMS)
        folder = _draft_folder()
        purge_drafts(folder)
        reviewed = review_draft(parsed, job.params.get("filename"))
        token = save_draft(folder, user, reviewed)
    finally:
        # The document was only needed to parse it: the draft holds what review needs.
        upload.unlink(missing_ok=True)
    return {"endpoint": "imports.review", "values": {"token": token}}


def audit_verify(job: BackgroundJob) -> dict[str, Any]:
    """Walk the whole audit chain and store the verdict."""
    from workflow.audit_verification import verify_full

    def report(done: int, total: int) -> None:
        job_service.progress(job.id, done, total)

    row = verify_full(progress=report)
    return {
        "endpoint": "audit.index",
        "values": {},
        "intact": row.intact,
        "checked": row.checked,
        "bad_seq": row.bad_seq,
        "problem": row.problem,
    }


def inspection_pack(job: BackgroundJob) -> dict[str, Any]:
    """The inspection pack ZIP of a plan or a unit for a period."""
    from reports.inspection_pack import PackScope, build_pack
    from workflow.audit_verification import fresh_status

    params = job.params
    scope = PackScope(
        date.fromisoformat(params["from"]),
        date.fromisoformat(params["to"]),
        plan_id=params.get("plan_id"),
        unit_id=params.get("unit_id"),
    )
    pack = build_pack(scope, fresh_status())
    return _file_result(job, pack, params["download_name"], "application/zip")


def yearend(job: BackgroundJob) -> dict[str, Any]:
    """The year-end report (DOCX) or task list (XLSX) of a plan or a unit."""
    from reports.yearend import gather, yearend_docx, yearend_xlsx

    params = job.params
    data = gather(int(params["year"]), plan_id=params.get("plan_id"), unit_id=params.get("unit_id"))
    if params["format"] == "docx":
        body, mimetype = yearend_docx(data), DOCX_MIME
    else:
        body, mimetype = yearend_xlsx(data), XLSX_MIME
    return _file_result(job, body, params["download_name"], mimetype)


def export(job: BackgroundJob) -> dict[str, Any]:
    """A list export too large to write inside a request.

    The rows are the list page's own filtered query, so the page's GET is replayed here,
    as the user who asked and in their language: the same rows, the same permission
    checks at the time the file is written. `export_response` writes the file at once
    when it sees `g.planwork_job_id`.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    user = _requester(job)
    with app.test_request_context(job.params["path"], method="GET"):
        session["lang"] = job.params.get("lang", "vi")
        g.planwork_job_id = job.id
        try:
            rv = app.preprocess_request()
            # The user as Flask-Login's loader would give it, set after the hooks that
            # forget a cached user; no login happens (no session, no login event).
            g._login_user = user
            if rv is None:
                rv = app.dispatch_request()
        except Exception as error:  # abort(403) and the like: the app's own answer
            rv = app.handle_user_exception(error)
        response = app.finalize_request(rv)
        disposition = response.headers.get("Content-Disposition", "")
        if response.status_code != 200 or "attachment" not in disposition:
            log.warning(
                "export job %s: %s answered %s", job.id, job.params["path"], response.status
            )
            raise JobFailed("Không còn quyền xem danh sách này, hoặc danh sách không còn.")
        match = re.search(r'filename="([^"]+)"', disposition)
        name = match.group(1) if match else "xuat-du-lieu"
        return _file_result(job, response.get_data(), name, response.content_type)


HANDLERS: dict[str, Callable[[BackgroundJob], dict[str, Any]]] = {
    "import": import_plan,
    "audit_verify": audit_verify,
    "inspection_pack": inspection_pack,
    "yearend": yearend,
    "export": export,
}


def execute(job_id: int) -> None:
    """Run one queued job to done or failed (a job already taken is left alone)."""
    job = job_service.start(job_id)
    if job is None:
        return
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise JobFailed(job_service.GENERIC_FAILURE)
        result = handler(job)
    except (JobFailed, DocumentError, WorkflowError) as error:
        job_service.fail(job_id, error.message)
    except Exception:
        log.exception("job %s (%s) failed", job_id, job.kind)
        job_service.fail(job_id, job_service.GENERIC_FAILURE)
    else:
        job_service.finish(job_id, result)
    finally:
        db.session.remove()
