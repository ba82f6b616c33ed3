"""Changing tasks through /api/v1: the same services, permissions and audit as the web.

Each route checks the token may write and the task is visible to its user, then calls the
workflow service the web's form calls; the service checks role, unit, state and version
and writes the audit event in the same transaction. Nothing here decides who may act.
"""

from __future__ import annotations

from typing import Any

from models import ExplanationRequest, ExtensionRequest, db
from web.api import schemas as s
from web.api.auth import api_user, auth, write_scope
from web.api.blueprint import WRITE_ERRORS, bp
from web.api.resources import visible_task
from workflow import requests as requests_service
from workflow import task_reports
from workflow import tasks as task_service
from workflow.attachments import UploadedFile
from workflow.errors import NotFound
from workflow.tasks import TransitionResult

TRANSITION_SUMMARIES = {
    "start": "Bắt đầu thực hiện (đơn vị chủ trì)",
    "verify": "Xác nhận hoàn thành (cơ quan thường trực)",
    "return": "Trả lại báo cáo, nêu lý do (cơ quan thường trực)",
    "reopen": "Mở lại nhiệm vụ đã xác nhận, nêu lý do (cơ quan thường trực)",
    "cancel": "Hủy nhiệm vụ, nêu lý do (cơ quan thường trực)",
}
TASK_TAG = ["Nhiệm vụ"]
REQUEST_TAG = ["Gia hạn và giải trình"]


def _result(result: TransitionResult) -> dict[str, Any]:
    return {"task_id": result.task_id, "state": result.state.value, "version": result.version}


def _transition_view(event: str, body: type[s.Schema]) -> None:
    """Register POST /tasks/<id>/<event> for one event of the state machine."""

    def view(task_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
        visible_task(task_id)
        return _result(
            task_service.transition(
                task_id,
                api_user(),
                event,
                expected_version=json_data.get("version"),
                reason=json_data.get("reason"),
            )
        )

    view.__name__ = f"task_{event}"
    view.__doc__ = TRANSITION_SUMMARIES[event]
    decorated = bp.doc(tags=TASK_TAG, summary=TRANSITION_SUMMARIES[event], responses=WRITE_ERRORS)(
        bp.output(s.TransitionOut)(bp.input(body, location="json")(view))
    )
    bp.post(f"/tasks/<int:task_id>/{event}")(bp.auth_required(auth)(write_scope(decorated)))


for _event in ("start", "verify"):
    _transition_view(_event, s.VersionIn)
for _event in ("return", "reopen", "cancel"):
    _transition_view(_event, s.ReasonIn)


@bp.post("/tasks/<int:task_id>/report")
@bp.auth_required(auth)
@write_scope
@bp.input(s.ReportIn, location="form_and_files")
@bp.output(s.TransitionOut)
@bp.doc(
    tags=TASK_TAG,
    summary="Gửi báo cáo, kèm tệp (đơn vị chủ trì)",
    responses=[*WRITE_ERRORS, 413],
)
def task_report(task_id: int, form_and_files_data: dict[str, Any]) -> dict[str, Any]:
    """The lead unit's report: text, the version read, attachments (multipart/form-data).
    Attachments are checked by content like on the web (PDF, Office, images, text)."""
    visible_task(task_id)
    files = [
        UploadedFile(f.filename or "", f.read())
        for f in form_and_files_data.get("files") or []
        if f is not None and f.filename
    ]
    return _result(
        task_reports.submit_report(
            task_id,
            api_user(),
            expected_version=form_and_files_data.get("version"),
            text=form_and_files_data["text"],
            files=files,
        )
    )


@bp.post("/tasks/<int:task_id>/extensions")
@bp.auth_required(auth)
@write_scope
@bp.input(s.ExtensionIn, location="json")
@bp.output(s.CreatedOut, status_code=201)
@bp.doc(tags=REQUEST_TAG, summary="Xin gia hạn (đơn vị chủ trì)", responses=WRITE_ERRORS)
def request_extension(task_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    """Ask for a later deadline, with a reason."""
    visible_task(task_id)
    request_id = requests_service.request_extension(
        task_id, api_user(), new_due_on=json_data["due_on"], reason=json_data["reason"]
    )
    return {"id": request_id}


def _decide(request_id: int, *, grant: bool, reason: str | None) -> dict[str, Any]:
    item = db.session.get(ExtensionRequest, request_id)
    if item is None:
        raise NotFound("Không tìm thấy đề nghị gia hạn.")
    visible_task(item.task_id)
    requests_service.decide_extension(request_id, api_user(), grant=grant, reason=reason)
    return {"ok": True}


@bp.post("/extensions/<int:request_id>/grant")
@bp.auth_required(auth)
@write_scope
@bp.input(s.GrantIn, location="json")
@bp.output(s.DoneOut)
@bp.doc(tags=REQUEST_TAG, summary="Đồng ý gia hạn (cơ quan thường trực)", responses=WRITE_ERRORS)
def grant_extension(request_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    """Grant an extension request: the task's deadline moves to the date asked for."""
    return _decide(request_id, grant=True, reason=json_data.get("reason"))


@bp.post("/extensions/<int:request_id>/refuse")
@bp.auth_required(auth)
@write_scope
@bp.input(s.RefusalIn, location="json")
@bp.output(s.DoneOut)
@bp.doc(
    tags=REQUEST_TAG,
    summary="Từ chối gia hạn, nêu lý do (cơ quan thường trực)",
    responses=WRITE_ERRORS,
)
def refuse_extension(request_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    """Refuse an extension request, saying why; the deadline stays."""
    return _decide(request_id, grant=False, reason=json_data["reason"])


@bp.post("/tasks/<int:task_id>/explanations")
@bp.auth_required(auth)
@write_scope
@bp.input(s.QuestionIn, location="json")
@bp.output(s.CreatedOut, status_code=201)
@bp.doc(
    tags=REQUEST_TAG,
    summary="Yêu cầu giải trình nhiệm vụ quá hạn (cơ quan thường trực)",
    responses=WRITE_ERRORS,
)
def ask_explanation(task_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    """Ask the overdue lead unit to explain."""
    visible_task(task_id)
    request_id = requests_service.request_explanation(
        task_id, api_user(), question=json_data["question"]
    )
    return {"id": request_id}


@bp.post("/explanations/<int:request_id>/answer")
@bp.auth_required(auth)
@write_scope
@bp.input(s.AnswerIn, location="json")
@bp.output(s.DoneOut)
@bp.doc(tags=REQUEST_TAG, summary="Giải trình (đơn vị chủ trì)", responses=WRITE_ERRORS)
def answer_explanation(request_id: int, json_data: dict[str, Any]) -> dict[str, Any]:
    """Answer an explanation request; the answer is kept and cannot be rewritten."""
    item = db.session.get(ExplanationRequest, request_id)
    if item is None:
        raise NotFound("Không tìm thấy yêu cầu giải trình.")
    visible_task(item.task_id)
    requests_service.answer_explanation(
        request_id, api_user(), explanation=json_data["explanation"]
    )
    return {"ok": True}
