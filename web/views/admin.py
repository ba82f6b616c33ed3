"""Administration: the unit tree, unit groups, aliases, users and roles.

Views only translate forms into workflow calls; every change is audited there.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from models import Role, Unit, UnitAlias, UnitGroup, UnitKind, User, db
from reports.unit_names import unit_choices
from web import params
from web.admin_forms import (
    KIND_LABELS,
    ROLE_LABELS,
    AliasForm,
    GroupForm,
    PasswordResetForm,
    UnitForm,
    UserForm,
)
from workflow import directory
from workflow import users as user_service
from workflow.errors import WorkflowError
from workflow.inputs import contains_pattern

bp = Blueprint("admin", __name__, url_prefix="/admin")

USERS_PAGE_SIZE = 50


@bp.before_request
@login_required
def _admins_only() -> None:
    if current_user.role != Role.ADMIN:
        abort(403)


@bp.context_processor
def _labels() -> dict[str, object]:
    return {"kind_labels": KIND_LABELS, "role_labels": ROLE_LABELS}


def _all_units() -> list[Unit]:
    return list(db.session.execute(sa.select(Unit).order_by(Unit.name)).scalars())


def _unit_choices(blank: str | None = None, *, skip: int | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    # A shared school name shows its district ("… — Phòng GD&ĐT quận 8").
    return choices + [
        SelectChoice(str(uid), label)
        for uid, label in unit_choices(active_only=False)
        if uid != skip
    ]


@bp.route("/")
def index() -> str:
    """Show what an administrator manages, with counts."""
    counts = {
        "units": db.session.execute(sa.select(sa.func.count(Unit.id))).scalar_one(),
        "groups": db.session.execute(sa.select(sa.func.count(UnitGroup.id))).scalar_one(),
        "users": db.session.execute(sa.select(sa.func.count(User.id))).scalar_one(),
    }
    return render_template("admin/index.html", counts=counts)


# --- Units --------------------------------------------------------------------------------


@bp.route("/units")
def units() -> str:
    """Show the units as a tree (parents before their children)."""
    all_units = _all_units()
    children: dict[int | None, list[Unit]] = {}
    for unit in all_units:
        children.setdefault(unit.parent_id, []).append(unit)
    return render_template("admin/units.html", children=children, total=len(all_units))


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new() -> str | Response:
    """Add a unit to the directory."""
    form = UnitForm()
    form.parent_id.choices = _unit_choices(_("(không có)"))
    if form.validate_on_submit():
        try:
            unit_id = directory.create_unit(
                current_user,
                code=form.code.data or "",
                name=form.name.data,
                kind=UnitKind(form.kind.data),
                parent_id=form.parent_id.data,
                email=form.email.data,
            )
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã thêm đơn vị."), "success")
            return redirect(url_for("admin.unit_edit", unit_id=unit_id))
    return render_template("admin/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int) -> str | Response:
    """Edit a unit: name, kind, place in the tree, contact e-mail, active; its aliases."""
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit if request.method == "GET" else None)
    form.parent_id.choices = _unit_choices(_("(không có)"), skip=unit.id)
    if request.method == "GET":
        form.kind.data = unit.kind.value
    if form.validate_on_submit():
        try:
            directory.update_unit(
                unit.id,
                current_user,
                name=form.name.data,
                kind=UnitKind(form.kind.data),
                parent_id=form.parent_id.data,
                email=form.email.data,
                active=form.active.data,
            )
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã lưu đơn vị."), "success")
            return redirect(url_for("admin.unit_edit", unit_id=unit.id))
    return render_template(
        "admin/unit_form.html", form=form, unit=unit, alias_form=AliasForm(prefix="alias")
    )


@bp.route("/units/<int:unit_id>/aliases", methods=["POST"])
def unit_alias_add(unit_id: int) -> Response:
    """Add another spelling of a unit."""
    unit = db.get_or_404(Unit, unit_id)
    _add_alias(AliasForm(prefix="alias"), unit_id=unit.id)
    return redirect(url_for("admin.unit_edit", unit_id=unit.id))


@bp.route("/groups/<int:group_id>/aliases", methods=["POST"])
def group_alias_add(group_id: int) -> Response:
    """Add another spelling of a unit group."""
    group = db.get_or_404(UnitGroup, group_id)
    _add_alias(AliasForm(prefix="alias"), group_id=group.id)
    return redirect(url_for("admin.group_edit", group_id=group.id))


def _add_alias(form: AliasForm, **target: int) -> None:
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return
    try:
        directory.add_alias(form.text.data, current_user, **target)
    except WorkflowError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Đã thêm tên gọi khác."), "success")


@bp.route("/aliases/<int:alias_id>/delete", methods=["POST"])
def alias_remove(alias_id: int) -> Response:
    """Remove a spelling (CSRFProtect checks the token of every POST)."""
    alias = db.get_or_404(UnitAlias, alias_id)
    back = (
        url_for("admin.unit_edit", unit_id=alias.unit_id)
        if alias.unit_id
        else url_for("admin.group_edit", group_id=alias.group_id)
    )
    try:
        directory.remove_alias(alias.id, current_user)
    except WorkflowError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Đã xóa tên gọi khác."), "success")
    return redirect(back)


# --- Groups -------------------------------------------------------------------------------


@bp.route("/groups")
def groups() -> str:
    """List unit groups with their member counts."""
    rows = list(
        db.session.execute(
            sa.select(UnitGroup)
            .options(selectinload(UnitGroup.members), selectinload(UnitGroup.aliases))
            .order_by(UnitGroup.name)
        ).scalars()
    )
    return render_template("admin/groups.html", groups=rows)


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def group_edit(group_id: int) -> str | Response:
    """Rename a group and choose its members; manage its aliases."""
    group = db.get_or_404(UnitGroup, group_id)
    form = GroupForm()
    form.members.choices = _unit_choices()
    if request.method == "GET":
        form.name.data = group.name
        form.members.data = [u.id for u in group.members]
    if form.validate_on_submit():
        try:
            directory.update_group(
                group.id, current_user, name=form.name.data, member_ids=form.members.data or []
            )
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã lưu nhóm đơn vị."), "success")
            return redirect(url_for("admin.group_edit", group_id=group.id))
    return render_template(
        "admin/group_form.html", form=form, group=group, alias_form=AliasForm(prefix="alias")
    )


# --- Users --------------------------------------------------------------------------------


@bp.route("/users")
def users() -> str:
    """List users, searchable by name, username or unit, paginated."""
    q = (request.args.get("q") or "").strip()
    page = params.page_arg()
    query = sa.select(User).join(User.unit).options(selectinload(User.unit))
    if q:
        # "%" and "_" typed in the box are searched as themselves, not as wildcards.
        like = contains_pattern(q.lower())
        query = query.where(
            sa.or_(
                sa.func.lower(User.username).like(like, escape="\\"),
                sa.func.lower(User.full_name).like(like, escape="\\"),
                sa.func.lower(Unit.name).like(like, escape="\\"),
                sa.func.lower(Unit.code).like(like, escape="\\"),
            )
        )
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.subquery())
    ).scalar_one()
    rows = list(
        db.session.execute(
            query.order_by(Unit.name, User.username)
            .limit(USERS_PAGE_SIZE)
            .offset((page - 1) * USERS_PAGE_SIZE)
        ).scalars()
    )
    return render_template(
        "admin/users.html",
        users=rows,
        q=q,
        page=page,
        total=total,
        pages=max((total + USERS_PAGE_SIZE - 1) // USERS_PAGE_SIZE, 1),
    )


@bp.route("/users/new", methods=["GET", "POST"])
def user_new() -> str | Response:
    """Create a user with a unit, a role and a first password."""
    form = UserForm()
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        try:
            user_id = user_service.create_user(
                user_service.NewUser(
                    username=form.username.data or "",
                    full_name=form.full_name.data,
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
            return redirect(url_for("admin.user_edit", user_id=user_id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> str | Response:
    """Change a user's name, e-mail, unit, role; deactivate or reactivate."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    form.unit_id.choices = _unit_choices()
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            user_service.update_user(
                user.id,
                current_user,
                full_name=form.full_name.data,
                email=form.email.data or "",
                unit_id=form.unit_id.data,
                role=Role(form.role.data),
                active=form.active.data,
            )
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã lưu tài khoản."), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=PasswordResetForm(prefix="pw"),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def user_password(user_id: int) -> Response:
    """Set a new password for a user who lost theirs (audited, value never logged)."""
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm(prefix="pw")
    if form.validate_on_submit():
        try:
            user_service.change_password(user.id, current_user, form.new_password.data)
        except WorkflowError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Đã đặt lại mật khẩu."), "success")
    else:
        flash(_("Hãy nhập mật khẩu mới."), "error")
    return redirect(url_for("admin.user_edit", user_id=user.id))
