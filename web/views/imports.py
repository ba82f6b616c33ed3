"""Import a plan document: upload, review every item, map unknown units, confirm.

The draft lives server-side (instance/imports/<token>.json, owned by the uploader) between
upload and confirm; every rule — who may import, how names resolve, what a commit writes —
is in the workflow/import_*.py modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from importer import errors as document_errors
from importer.extract import DEFAULT_MAX_BYTES
from web.views.jobs import submit
from workflow.errors import WorkflowError
from workflow.import_commit import commit_import, default_tracking_unit, find_existing_plan
from workflow.import_draft import included
from workflow.import_draft_store import discard_draft, load_draft, save_draft
from workflow.import_permissions import can_import, can_update
from workflow.import_resolution import Resolver, pending_mentions
from workflow.import_review import apply_edits, review_action
from workflow.import_review_rows import LOW_CONFIDENCE, review_rows
from workflow.import_update import update_from_import
from workflow.plans import DuplicatePlan

bp = Blueprint("imports", __name__, url_prefix="/imports")

ACCEPT = ".txt,.docx,.pdf,text/plain,application/pdf,"
ACCEPT += "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# The assignment appendix sent as an Excel workbook (importer/extract.py xlsx_lines).
ACCEPT += ",.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Scans and photos of a plan, read by OCR in the import job (importer/ocr.py).
ACCEPT += ",.png,.jpg,.jpeg,image/png,image/jpeg"


@bp.before_request
@login_required
def _importers_only() -> None:
    if not can_import(current_user):
        abort(403)


def _folder() -> Path:
    configured = current_app.config.get("IMPORT_DRAFT_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "imports"


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _upload_page(message: str | None = None, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "imports/new.html", message=message, max_mb=_max_bytes() / 1048576, accept=ACCEPT
        ),
        status,
    )


@bp.route("/new", methods=["GET"])
def new() -> tuple[str, int]:
    """The upload form."""
    return _upload_page()


@bp.route("/new", methods=["POST"])
def upload() -> Response | tuple[str, int]:
    """Keep the document and queue its parsing; the job's page leads to the review."""
    document = request.files.get("document")
    if document is None or not document.filename:
        return _upload_page("Hãy chọn tệp kế hoạch (TXT, DOCX, PDF hoặc ảnh quét PNG, JPEG).", 400)
    limit = _max_bytes()
    data = document.stream.read(limit + 1)
    try:
        if len(data) > limit:
            raise document_errors.FileTooLarge(
                f"Tệp quá lớn; giới hạn là {limit / 1048576:.0f} MB."
                if limit >= 1048576
                else f"Tệp quá lớn; giới hạn là {limit // 1024} KB."
            )
        if not data:
            raise document_errors.EmptyDocument()
    except document_errors.DocumentError as error:
        return _upload_page(error.message, 400)
    # Parsing may take long (large or hostile documents): the worker does it (jobs/tasks.py).
    filename = Path(document.filename).name[:300]
    params = {"filename": filename, "max_bytes": limit}
    return submit("import", params, upload=data)


def _review_page(
    token: str, draft: dict[str, Any], errors: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    resolver = Resolver(draft)
    existing = find_existing_plan(draft)
    choices = resolver.choices()
    return (
        render_template(
            "imports/review.html",
            token=token,
            draft=draft,
            rows=review_rows(draft, resolver),
            pending=pending_mentions(draft, resolver),
            choices=choices,
            unit_choices=[c for c in choices if c[0].startswith("unit:")],
            tracking_value=f"unit:{default_tracking_unit(draft, current_user, resolver)}",
            existing=existing,
            can_update=existing is not None and can_update(existing, current_user),
            low=LOW_CONFIDENCE,
            errors=errors or [],
        ),
        status,
    )


@bp.route("/<token>", methods=["GET"])
def review(token: str) -> tuple[str, int]:
    """The preview table with every field editable."""
    return _review_page(token, load_draft(_folder(), token, current_user))


@bp.route("/<token>", methods=["POST"])
def confirm(token: str) -> Response | tuple[str, int]:
    """Apply the reviewer's edits; then preview again, create the plan, or update it."""
    folder = _folder()
    draft = load_draft(folder, token, current_user)
    draft, errors = apply_edits(draft, request.form)
    action = request.form.get("action") or "preview"
    if not errors and action not in ("preview", "create", "update"):
        # A row action (split, merge, add, remove, restore): the draft changes, then preview.
        draft, errors = review_action(draft, action, request.form)
        action = "preview"
    save_draft(folder, current_user, draft, token=token)
    if errors:
        return _review_page(token, draft, errors, 400)
    if action == "preview":
        return _review_page(token, draft)
    try:
        if action == "update":
            existing = find_existing_plan(draft)
            if existing is None:
                return _review_page(
                    token, draft, ["Chưa có kế hoạch cùng số để cập nhật; hãy nhập mới."], 400
                )
            summary = update_from_import(existing.id, draft, current_user)
            plan_id = existing.id
            flash(summary.message, "success")
        elif action == "create":
            plan_id = commit_import(draft, current_user)
            count = len(included(draft))
            flash(gettext("Đã nhập kế hoạch với %(count)s nhiệm vụ.", count=count), "success")
        else:
            abort(400)
    except DuplicatePlan as error:
        return _review_page(
            token,
            draft,
            [f"{error.message} Hãy cập nhật kế hoạch đã có thay vì tạo bản trùng."],
            400,
        )
    except WorkflowError as error:
        return _review_page(token, draft, [error.message], error.status)
    discard_draft(folder, token)
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<token>/discard", methods=["POST"])
def discard(token: str) -> Response:
    """Drop the draft; nothing was written to the database."""
    load_draft(_folder(), token, current_user)
    discard_draft(_folder(), token)
    flash(gettext("Đã hủy bản nháp; không có gì được ghi."), "success")
    return redirect(url_for("imports.new"))
