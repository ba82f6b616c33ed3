"""The directory pages: the unit tree, import by file (preview, then confirm), merge and
retire; and, for a district office, the accounts of its own schools.

Views only translate forms into workflow calls; every change is audited there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
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
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from importer.unit_table import read_unit_table
from models import Role, Unit, User, db
from web.admin_forms import KIND_LABELS, ROLE_LABELS
from web.directory_forms import (
    ImportConfirmForm,
    ImportUploadForm,
    MergeForm,
    ResetPasswordForm,
    RetireForm,
    SchoolUserForm,
    ToggleForm,
)
from workflow import unit_merge, user_scope
from workflow import users as user_service
from workflow.directory_import import apply_import, plan_import
from workflow.errors import PermissionDenied, WorkflowError
from workflow.text import fold

bp = Blueprint("directory", __name__, url_prefix="/directory")

MAX_UPLOAD = 5 * 1024 * 1024
SEARCH_LIMIT = 200


def _admin() -> None:
    if current_user.role != Role.ADMIN:
        abort(403)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a login; each view says who else it needs."""


@bp.context_processor
def _labels() -> dict[str, object]:
    return {"kind_labels": KIND_LABELS, "role_labels": ROLE_LABELS}


# --- The tree -----------------------------------------------------------------------------


@dataclass
class Node:
    """A unit in the tree with what the page counts under it."""

    id: int
    code: str
    name: str
    kind: object
    active: bool
    users: int
    children: list[Node] = field(default_factory=list)
    units_below: int = 0


def _tree() -> tuple[list[Node], dict[int, Node], dict[int, int | None]]:
    """Every unit and its user count in two statements, nested in Python."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.active, Unit.parent_id).order_by(
            Unit.name
        )
    ).all()
    users = dict(
        db.session.execute(
            sa.select(User.unit_id, sa.func.count(User.id))
            .where(User.active.is_(True))
            .group_by(User.unit_id)
        ).all()
    )
    nodes = {r.id: Node(r.id, r.code, r.name, r.kind, r.active, users.get(r.id, 0)) for r in rows}
    parents = {r.id: r.parent_id for r in rows}
    roots: list[Node] = []
    for r in rows:
        parent = nodes.get(r.parent_id) if r.parent_id else None
        (parent.children if parent else roots).append(nodes[r.id])

    def count(node: Node, depth: int = 0) -> int:
        if depth > 50:  # a damaged tree must not hang the page
            return 0
        node.units_below = sum(1 + count(c, depth + 1) for c in node.children)
        return node.units_below

    for root in roots:
        count(root)
    return roots, nodes, parents


@bp.route("/")
def index() -> str:
    """The unit tree, collapsed below the top level, with counts and a search box."""
    _admin()
    q = (request.args.get("q") or "").strip()[:200]
    roots, nodes, parents = _tree()
    matches: list[tuple[Node, list[Node]]] = []
    if q:
        needle = fold(q)
        for node in nodes.values():
            if needle in fold(node.name) or needle in fold(node.code):
                path, up, seen = [], parents.get(node.id), set()
                while up is not None and up in nodes and up not in seen:
                    seen.add(up)
                    path.insert(0, nodes[up])
                    up = parents.get(up)
                matches.append((node, path))
                if len(matches) >= SEARCH_LIMIT:
                    break
    return render_template(
        "directory/index.html",
        roots=roots,
        total=len(nodes),
        q=q,
        matches=matches,
        upload_form=ImportUploadForm(),
    )


# --- Import: upload, preview, confirm ---------------------------------------------------


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "directory_uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stored(token: str) -> tuple[bytes, str] | None:
    """The uploaded file kept between preview and confirm (token is ours, checked)."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    data_path = _upload_dir() / f"{token}.bin"
    name_path = _upload_dir() / f"{token}.name"
    if not data_path.exists() or not name_path.exists():
        return None
    return data_path.read_bytes(), name_path.read_text(encoding="utf-8")


@bp.route("/import", methods=["POST"])
def import_preview() -> str | Response:
    """Read the uploaded file and show what it would change (nothing is written yet)."""
    _admin()
    form = ImportUploadForm()
    upload = form.file.data if form.validate_on_submit() else None
    if upload is None or not upload.filename:
        flash(_("Hãy chọn tệp danh mục (CSV hoặc XLSX)."), "error")
        return redirect(url_for("directory.index"))
    filename = Path(upload.filename).name
    if Path(filename).suffix.lower() not in (".csv", ".xlsx"):
        flash(_("Tệp phải có đuôi .csv hoặc .xlsx."), "error")
        return redirect(url_for("directory.index"))
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        flash(_("Tệp quá lớn (tối đa 5 MB)."), "error")
        return redirect(url_for("directory.index"))
    plan = plan_import(read_unit_table(data, filename))
    token = ""
    if plan.ok:
        token = secrets.token_urlsafe(24)
        (_upload_dir() / f"{token}.bin").write_bytes(data)
        (_upload_dir() / f"{token}.name").write_text(filename, encoding="utf-8")
    return render_template(
        "directory/preview.html",
        plan=plan,
        filename=filename,
        form=ImportConfirmForm(token=token),
    )


@bp.route("/import/confirm", methods=["POST"])
def import_confirm() -> Response:
    """Apply the previewed file: checked again against the directory as it is now."""
    _admin()
    form = ImportConfirmForm()
    stored = _stored(form.token.data or "") if form.validate_on_submit() else None
    if stored is None:
        flash(_("Không tìm thấy tệp đã xem trước; hãy tải lên lại."), "error")
        return redirect(url_for("directory.index"))
    data, filename = stored
    plan = plan_import(read_unit_table(data, filename))
    try:
        counts = apply_import(plan, current_user, source=filename, reason=form.reason.data)
    except WorkflowError as exc:
        flash(exc.message, "error")
        return redirect(url_for("directory.index"))
    for suffix in (".bin", ".name"):
        (_upload_dir() / f"{form.token.data}{suffix}").unlink(missing_ok=True)
    flash(
        _(
            "Đã cập nhật danh mục: thêm %(add)s, đổi tên %(rename)s, chuyển %(move)s, "
            "giải thể %(retire)s.",
            **counts,
        ),
        "success",
    )
    return redirect(url_for("directory.index"))


# --- Merge and retire --------------------------------------------------------------------


def _unit_by_code(code: str) -> Unit | None:
    return db.session.execute(
        sa.select(Unit).where(sa.func.upper(Unit.code) == (code or "").strip().upper())
    ).scalar_one_or_none()


@bp.route("/merge", methods=["GET", "POST"])
def merge() -> str | Response:
    """Merge units into a successor (its open work, users, aliases, assignments move)."""
    _admin()
    form = MergeForm()
    if form.validate_on_submit():
        codes = [c.strip() for c in (form.sources.data or "").replace(",", "\n").splitlines()]
        sources = [(_unit_by_code(c), c) for c in codes if c]
        successor = _unit_by_code(form.successor.data)
        unknown = [c for u, c in sources if u is None]
        if unknown or successor is None:
            missing = ", ".join(unknown + ([] if successor else [form.successor.data]))
            flash(_("Không có đơn vị mang mã: %(codes)s.", codes=missing), "error")
        else:
            try:
                unit_merge.merge_units(
                    [u.id for u, _c in sources if u is not None],
                    successor.id,
                    current_user,
                    reason=form.reason.data,
                    new_name=form.new_name.data,
                )
            except WorkflowError as exc:
                flash(exc.message, "error")
            else:
                flash(_("Đã sáp nhập vào «%(name)s».", name=successor.name), "success")
                return redirect(url_for("directory.index", q=successor.code))
    return render_template("directory/merge.html", form=form)


@bp.route("/retire", methods=["GET", "POST"])
def retire() -> str | Response:
    """Dissolve a unit, its open work going to a successor when one is named."""
    _admin()
    form = RetireForm()
    if form.validate_on_submit():
        unit = _unit_by_code(form.unit.data)
        successor = _unit_by_code(form.successor.data) if form.successor.data else None
        if unit is None or (form.successor.data and successor is None):
            flash(_("Không có đơn vị mang mã đã nhập."), "error")
        else:
            try:
                unit_merge.retire_unit(
                    unit.id,
                    current_user,
                    reason=form.reason.data,
                    successor_id=successor.id if successor else None,
                )
            except WorkflowError as exc:
                flash(exc.message, "error")
            else:
                flash(_("Đã giải thể «%(name)s».", name=unit.name), "success")
                return redirect(url_for("directory.index", q=unit.code))
    return render_template("directory/retire.html", form=form)


# --- A district office's own schools' users -------------------------------------------------


def _managed() -> set[int]:
    """Units whose users the signed-in person administers here (403 when none)."""
    if current_user.role == Role.ADMIN:
        abort(403)  # admins have the full user pages under /admin/users
    managed = user_scope.managed_unit_ids(current_user)
    if not managed:
        abort(403)
    return managed


@bp.route("/school-users", methods=["GET", "POST"])
def school_users() -> str | Response:
    """A district office lists and creates the accounts of its schools."""
    managed = _managed()
    units = list(
        db.session.execute(
            sa.select(Unit).where(Unit.id.in_(managed), Unit.active.is_(True)).order_by(Unit.name)
        ).scalars()
    )
    form = SchoolUserForm()
    form.unit_id.choices = [(u.id, f"{u.name} ({u.code})") for u in units]
    if form.validate_on_submit():
        try:
            user_service.create_user(
                user_service.NewUser(
                    username=form.username.data or "",
                    full_name=form.full_name.data or "",
                    email=form.email.data or "",
                    unit_id=form.unit_id.data,
                    role=Role(form.role.data),
                    password=form.password.data or "",
                ),
                current_user,
            )
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã tạo tài khoản."), "success")
            return redirect(url_for("directory.school_users"))
    people = list(
        db.session.execute(
            sa.select(User)
            .join(User.unit)
            .where(User.unit_id.in_(managed))
            .order_by(Unit.name, User.username)
        ).scalars()
    )
    return render_template(
        "directory/school_users.html",
        form=form,
        people=people,
        toggle=ToggleForm(),
        reset=ResetPasswordForm(formdata=None),
    )


@bp.route("/school-users/<int:user_id>/active", methods=["POST"])
def school_user_toggle(user_id: int) -> Response:
    """Deactivate or reactivate a school's account (the workflow checks the district)."""
    _managed()
    user = db.get_or_404(User, user_id)
    if ToggleForm().validate_on_submit():
        try:
            user_service.update_user(user.id, current_user, active=not user.active)
        except PermissionDenied:
            abort(403)
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã lưu tài khoản."), "success")
    return redirect(url_for("directory.school_users"))


@bp.route("/school-users/<int:user_id>/password", methods=["POST"])
def school_user_password(user_id: int) -> Response:
    """Set a new password for a school's account, e.g. a teacher who forgot theirs (the
    workflow checks the district, and ends the account's sessions)."""
    managed = _managed()
    user = db.get_or_404(User, user_id)
    if user.unit_id not in managed:
        abort(403)  # another district's account (the workflow refuses it too)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("directory.school_users"))
    try:
        user_service.change_password(user.id, current_user, form.password.data or "")
    except PermissionDenied:
        abort(403)
    except WorkflowError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Đã đặt lại mật khẩu cho «%(username)s».", username=user.username), "success")
    return redirect(url_for("directory.school_users"))
