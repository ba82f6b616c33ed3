"""A background job's progress page, its JSON status (polled by static/job.js) and its
result. Only the user who asked for the job, and admins, see it; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

import jobs
from models import BackgroundJob, JobState
from workflow import jobs as job_service
from workflow.errors import WorkflowError

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def submit(kind: str, params: dict[str, Any], **options: Any) -> Response:
    """Record the job, queue it and answer with its progress page (views call this)."""
    try:
        job, new = job_service.request_job(kind, current_user, params, **options)
    except WorkflowError as error:
        flash(error.message, "error")
        back = request.referrer or ""
        # Only back to a page of this site: the Referer header is the client's to set.
        return redirect(back if back.startswith(request.host_url) else url_for("units.mine"))
    if new:
        try:
            jobs.enqueue(job.id)
        except Exception:  # the queue's storage is down: say so rather than wait forever
            job_service.fail(job.id, job_service.GENERIC_FAILURE)
    return redirect(url_for("jobs.show", job_id=job.id))


def in_job() -> bool:
    """Whether this request is the worker replaying a user's export (jobs/tasks.py)."""
    return bool(g.get("planwork_job_id"))


def defer_download(fmt: str) -> Response:
    """Queue this GET to be replayed by the worker, as this user, to write the file."""
    params = {"path": request.full_path, "lang": str(get_locale()), "format": fmt}
    return submit("export", params)


def _job(job_id: int) -> BackgroundJob:
    job = job_service.load(job_id)
    if job is None or not job_service.may_see(job, current_user):
        abort(404)
    return job


def kind_label(kind: str) -> str:
    """What the job is, in the user's language."""
    labels = {
        "import": _("Đọc văn bản kế hoạch"),
        "audit_verify": _("Kiểm tra toàn bộ chuỗi nhật ký"),
        "inspection_pack": _("Lập hồ sơ kiểm tra"),
        "yearend": _("Lập báo cáo năm"),
        "export": _("Xuất dữ liệu"),
    }
    return labels.get(kind, kind)


def _target(job: BackgroundJob) -> str | None:
    """Where a finished job leads: its download, or the page it prepared."""
    result = job.result or {}
    if result.get("file"):
        return url_for("jobs.download", job_id=job.id)
    if result.get("endpoint"):
        return url_for(result["endpoint"], **(result.get("values") or {}))
    return None


def _notice(job: BackgroundJob) -> tuple[str, str]:
    """The flash message of a finished job."""
    result = job.result or {}
    if job.kind == "audit_verify":
        if result.get("intact"):
            return (
                _("Đã kiểm tra toàn bộ %(n)s sự kiện: chuỗi toàn vẹn.", n=result.get("checked")),
                "success",
            )
        return (
            _("Chuỗi bị phá vỡ tại sự kiện số %(s)s: %(p)s", s=result.get("bad_seq"),
              p=result.get("problem")),
            "error",
        )  # fmt: skip
    if job.kind == "import":
        return _("Đã đọc xong văn bản; hãy xem lại các nhiệm vụ rồi xác nhận."), "success"
    return _("Đã xong; tệp sẵn sàng để tải về."), "success"


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int) -> Response | str:
    """The job's progress; once done, its page (with a notice) or its download link."""
    job = _job(job_id)
    target = _target(job) if job.state == JobState.DONE else None
    if target and not (job.result or {}).get("file"):
        flash(*_notice(job))
        return redirect(target)
    if target:
        flash(*_notice(job))
    return render_template("jobs/show.html", job=job, label=kind_label(job.kind), target=target)


@bp.route("/<int:job_id>.json")
@login_required
def status(job_id: int) -> Response:
    """The job's state and progress, for the progress page's script."""
    job = _job(job_id)
    return jsonify(
        id=job.id,
        state=job.state.value,
        done=job.progress_done,
        total=job.progress_total,
        finished=job.finished,
        message=job.message if job.state == JobState.FAILED else None,
    )


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response:
    """The job's file, for the user who asked for it."""
    job = _job(job_id)
    result = job.result or {}
    if job.state != JobState.DONE or not result.get("file"):
        abort(404)
    path = job_service.job_folder(job.id) / result["file"]
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=result.get("mimetype"),
        as_attachment=True,
        download_name=result.get("download_name") or "tep",
        max_age=0,
    )
