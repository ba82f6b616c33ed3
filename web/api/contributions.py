"""A task's contributions and requests through /api/v1: what the coordinating units add to
a task (text with attachments, like a report, moving nothing), and the lists of its
extension and explanation requests, whose POSTs live in web/api/changes.py.

The same services as the web: workflow.task_reports.add_contribution checks that the
token's user belongs to a coordinating unit of an open task and writes the audit event;
nothing here decides who may act.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema, fields

from reports.queries import task_page
from web.api import schemas as s
from web.api.auth import api_user, auth, write_scope
from web.api.blueprint import READ_ERRORS, WRITE_ERRORS, bp
from web.api.resources import visible_task
from workflow import requests as requests_service
from workflow import task_reports
from workflow.attachments import UploadedFile

TASK_TAG = ["Nhiệm vụ"]
REQUEST_TAG = ["Gia hạn và giải trình"]


class ContributionIn(Schema):
    text = s.text_field(50_000, required=True)
    files = fields.List(fields.File(), metadata={"description": "Attachments (at most 10)."})


class ContributionListOut(Schema):
    items = fields.List(fields.Nested(s.ContributionOut), required=True)


class ExtensionListOut(Schema):
    items = fields.List(fields.Nested(s.ExtensionOut), required=True)


class ExplanationListOut(Schema):
    items = fields.List(fields.Nested(s.ExplanationOut), required=True)


@bp.get("/tasks/<int:task_id>/contributions")
@bp.auth_required(auth)
@bp.output(ContributionListOut)
@bp.doc(tags=TASK_TAG, summary="Các đóng góp của đơn vị phối hợp", responses=READ_ERRORS)
def task_contributions(task_id: int) -> dict[str, Any]:
    """The coordinating units' contributions to a task the caller may see, oldest first,
    with their attachments (download them from /attachments/{id})."""
    return {"items": task_page(visible_task(task_id)).contributions}


@bp.post("/tasks/<int:task_id>/contributions")
@bp.auth_required(auth)
@write_scope
@bp.input(ContributionIn, location="form_and_files")
@bp.output(s.CreatedOut, status_code=201)
@bp.doc(
    tags=TASK_TAG,
    summary="Thêm đóng góp, kèm tệp (đơn vị phối hợp)",
    responses=[*WRITE_ERRORS, 413],
)
def add_contribution(task_id: int, form_and_files_data: dict[str, Any]) -> dict[str, Any]:
    """A coordinating unit's input to an open task: text and attachments
    (multipart/form-data), checked by content like on the web. The task's state does not
    move; the lead unit and the tracking unit are told."""
    visible_task(task_id)
    files = [
        UploadedFile(f.filename or "", f.read())
        for f in form_and_files_data.get("files") or []
        if f is not None and f.filename
    ]
    contribution_id = task_reports.add_contribution(
        task_id, api_user(), text=form_and_files_data["text"], files=files
    )
    return {"id": contribution_id}


@bp.get("/tasks/<int:task_id>/extensions")
@bp.auth_required(auth)
@bp.output(ExtensionListOut)
@bp.doc(tags=REQUEST_TAG, summary="Các đề nghị gia hạn của nhiệm vụ", responses=READ_ERRORS)
def task_extensions(task_id: int) -> dict[str, Any]:
    """A task's extension requests, oldest first, with their decisions."""
    return {"items": requests_service.task_requests(visible_task(task_id).id).extensions}


@bp.get("/tasks/<int:task_id>/explanations")
@bp.auth_required(auth)
@bp.output(ExplanationListOut)
@bp.doc(tags=REQUEST_TAG, summary="Các yêu cầu giải trình của nhiệm vụ", responses=READ_ERRORS)
def task_explanations(task_id: int) -> dict[str, Any]:
    """A task's explanation requests, oldest first, with their answers."""
    return {"items": requests_service.task_requests(visible_task(task_id).id).explanations}
