"""The admin's outbox: every mail with its body; failed ones can be sent again."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from models import OutboxMessage, OutboxState, Role, db
from notifications.outbox import resend as resend_mail
from web import params
from workflow.errors import WorkflowError

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")

PAGE_SIZE = 100
STATE_LABELS = {
    OutboxState.PENDING: "Chờ gửi",
    OutboxState.SENDING: "Đang gửi",
    OutboxState.SENT: "Đã gửi",
    OutboxState.FAILED: "Gửi thất bại",
    OutboxState.OBSOLETE: "Không cần gửi",
}


@bp.before_request
@login_required
def _admins_only() -> None:
    if current_user.role != Role.ADMIN:
        abort(403)


@bp.route("/")
def index() -> str:
    """List mails, newest first, filtered by state, with counts per state."""
    state = request.args.get("state") or None
    page = params.page_arg()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state in {s.value for s in OutboxState}:
        query = query.where(OutboxMessage.state == state)
    else:
        state = None
    messages = list(
        db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars()
    )
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    sink = []
    if current_app.config.get("MAIL_SINK_DIR"):
        from pathlib import Path

        from notifications.sink import read_sink_dir

        sink = read_sink_dir(Path(current_app.config["MAIL_SINK_DIR"]), limit=20)
    return render_template(
        "admin/outbox.html",
        messages=messages,
        counts=counts,
        state=state,
        page=page,
        page_size=PAGE_SIZE,
        labels=STATE_LABELS,
        states=list(OutboxState),
        sink=sink,
    )


@bp.route("/<int:outbox_id>/resend", methods=["POST"])
def resend(outbox_id: int) -> Response:
    """Queue a failed mail again (audited)."""
    try:
        resend_mail(outbox_id, current_user)
    except WorkflowError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Thư đã được đưa lại vào hàng đợi gửi."), "success")
    return redirect(url_for("outbox.index", state=request.form.get("state") or None))
