"""Reading /api/v1: the caller, units, plans with their items, tasks with their details."""

from __future__ import annotations

from typing import Any

from apiflask.schemas import FileSchema
from flask import Response, send_file
from marshmallow import RAISE

from models import Attachment, Task, Unit, db
from reports.progress import TaskFilter
from reports.queries import task_page
from web.api import reads
from web.api import schemas as s
from web.api.auth import api_user, auth, current_token
from web.api.blueprint import READ_ERRORS, bp
from workflow import permissions
from workflow import requests as requests_service
from workflow import tasks as task_service
from workflow.attachments import ALLOWED_TYPES, attachment_path, clean_filename
from workflow.errors import NotFound, WorkflowError
from workflow.inputs import MAX_ID


def _after(cursor: str | None) -> int:
    """The id a page starts after. No row has an id beyond INTEGER, so a larger cursor is
    the end (clamped, or PostgreSQL would refuse the number itself)."""
    return min(int(cursor), MAX_ID) if cursor else 0


def visible_task(task_id: int) -> Task:
    """The task if the caller may see it; otherwise NotFound: another unit's task does
    not exist for this token (the web says 403, the API does not confirm the id)."""
    try:
        task = task_service.load_task(task_id)
    except WorkflowError:
        task = None
    if task is None or not permissions.can_view(task, api_user()):
        raise NotFound("Không tìm thấy nhiệm vụ.")
    return task


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(s.MeOut)
@bp.doc(tags=["Tài khoản"], summary="Người dùng của mã truy cập", responses=READ_ERRORS)
def me() -> dict[str, Any]:
    """Who the token acts for, and its scope."""
    user = api_user()
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "unit_id": user.unit_id,
        "token_scope": current_token().scope.value,
    }


@bp.get("/units")
@bp.auth_required(auth)
@bp.input(s.UnitFilterIn, location="query", unknown=RAISE)
@bp.output(s.UnitPageOut)
@bp.doc(tags=["Đơn vị"], summary="Danh mục đơn vị", responses=READ_ERRORS)
def units(query_data: dict[str, Any]) -> dict[str, Any]:
    """The unit directory, by id (cursor pages)."""
    items, cursor = reads.units_page(
        query_data["limit"],
        _after(query_data.get("cursor")),
        query_data.get("kind"),
        query_data.get("active"),
        parent=query_data.get("parent"),
        code=query_data.get("code"),
        name=query_data.get("name"),
    )
    return {"items": items, "next_cursor": cursor}


@bp.get("/units/<int:unit_id>")
@bp.auth_required(auth)
@bp.output(s.UnitDetailOut)
@bp.doc(tags=["Đơn vị"], summary="Một đơn vị", responses=READ_ERRORS)
def unit(unit_id: int) -> Any:
    """One unit of the directory."""
    found = db.session.get(Unit, unit_id)
    if found is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return found


@bp.get("/plans")
@bp.auth_required(auth)
@bp.input(s.PlanFilterIn, location="query", unknown=RAISE)
@bp.output(s.PlanPageOut)
@bp.doc(tags=["Kế hoạch"], summary="Các kế hoạch", responses=READ_ERRORS)
def plans(query_data: dict[str, Any]) -> dict[str, Any]:
    """The plans holding a task the caller may see (all of them for inspectors), by id."""
    items, cursor = reads.plans_page(
        api_user(),
        query_data["limit"],
        _after(query_data.get("cursor")),
        query_data.get("year"),
        query_data.get("status"),
        query_data.get("q"),
    )
    return {"items": items, "next_cursor": cursor}


def visible_plan(plan_id: int) -> Any:
    """The plan if the caller may read it; NotFound otherwise."""
    plan = reads.visible_plan(api_user(), plan_id)
    if plan is None:
        raise NotFound("Không tìm thấy kế hoạch.")
    return plan


@bp.get("/plans/<int:plan_id>")
@bp.auth_required(auth)
@bp.output(s.PlanDetailOut)
@bp.doc(tags=["Kế hoạch"], summary="Một kế hoạch", responses=READ_ERRORS)
def plan(plan_id: int) -> Any:
    """One plan's heading."""
    return visible_plan(plan_id)


@bp.get("/plans/<int:plan_id>/items")
@bp.auth_required(auth)
@bp.input(s.ItemPageIn, location="query", unknown=RAISE)
@bp.output(s.ItemPageOut)
@bp.doc(tags=["Kế hoạch"], summary="Các mục của kế hoạch", responses=READ_ERRORS)
def plan_items(plan_id: int, query_data: dict[str, Any]) -> dict[str, Any]:
    """The plan's items the caller may see, in the document's order (cursor pages)."""
    visible_plan(plan_id)
    items, cursor = reads.items_page(
        api_user(), plan_id, query_data["limit"], query_data.get("cursor")
    )
    return {"items": items, "next_cursor": cursor}


@bp.get("/tasks")
@bp.auth_required(auth)
@bp.input(s.TaskFilterIn, location="query", unknown=RAISE)
@bp.output(s.TaskPageOut)
@bp.doc(tags=["Nhiệm vụ"], summary="Tìm nhiệm vụ", responses=READ_ERRORS)
def tasks(query_data: dict[str, Any]) -> dict[str, Any]:
    """The tasks the caller may see, filtered as on the web's task list, by id."""
    task_filter = TaskFilter(
        quarter=query_data.get("quarter"),
        plan_id=query_data.get("plan"),
        unit_id=query_data.get("unit"),
        state=query_data.get("state"),
        bucket=query_data.get("bucket"),
        overdue=bool(query_data.get("overdue")),
        due_soon=bool(query_data.get("due_soon")),
        q=(query_data.get("q") or "").strip() or None,
        leaves=bool(query_data.get("leaves")),
    )
    items, cursor = reads.tasks_page(
        api_user(), task_filter, query_data["limit"], _after(query_data.get("cursor"))
    )
    return {"items": items, "next_cursor": cursor}


@bp.get("/tasks/<int:task_id>")
@bp.auth_required(auth)
@bp.output(s.TaskDetailOut)
@bp.doc(tags=["Nhiệm vụ"], summary="Một nhiệm vụ", responses=READ_ERRORS)
def task(task_id: int) -> TaskDetail:
    """A task with its reports, contributions, requests and what the caller may do now."""
    found = visible_task(task_id)
    page = task_page(found)
    requests = requests_service.task_requests(found.id)
    authors = task_service.last_report_authors(found.id)
    return TaskDetail(
        found,
        allowed_events=permissions.allowed_events(found, api_user(), authors),
        reports=page.reports,
        contributions=page.contributions,
        extension_requests=requests.extensions,
        explanation_requests=requests.explanations,
    )


class TaskDetail:
    """A task with the lists its detail shows, read attribute by attribute by the schema."""

    def __init__(self, task: Task, **lists: Any) -> None:
        self._task = task
        self.__dict__.update(lists)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)


# Each type an attachment may have (workflow.attachments checks them on upload): the
# download answers with the file's own type, so the document lists them all.
_FILE = {"schema": {"type": "string", "format": "binary"}}
_MIMES = sorted(ALLOWED_TYPES)


@bp.get("/attachments/<int:attachment_id>")
@bp.auth_required(auth)
@bp.output(FileSchema, content_type=_MIMES[0], description="Tệp, với kiểu của nó")
@bp.doc(
    tags=["Nhiệm vụ"],
    summary="Tải tệp đính kèm của một nhiệm vụ",
    responses={200: {"content": {mime: _FILE for mime in _MIMES[1:]}}, 400: "Bad Request"},
)
def attachment(attachment_id: int) -> Response:
    """An attachment of a task the caller may see; its sha256 is in the task's detail, so
    an offline copy can be checked."""
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    visible_task(item.task_id)
    return send_file(
        attachment_path(item),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=clean_filename(item.filename) or "tep-dinh-kem",
    )
