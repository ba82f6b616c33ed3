"""Deadlines by month on a page, and as iCalendar feeds at secret URLs (calendar apps
cannot log in): a unit's feed, and each person's own feed, renewable from the page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from models import Unit, db
from notifications.ical import personal_calendar, unit_calendar
from notifications.render import base_url
from reports import calendar as month_calendar
from web.params import int_arg, local_path
from workflow import calendar_links, clock
from workflow.errors import WorkflowError
from workflow.state_machine import STATE_LABELS

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

MINE = "mine"


def personal_feed_url(user_id: int) -> str | None:
    """The person's feed address (BASE_URL, never the request's Host), if they made one."""
    token = month_calendar.link_token(user_id)
    if token is None:
        return None
    return base_url() + url_for("calendar.personal_feed", token=token)


@bp.route("/")
@login_required
def month() -> tuple[str, int] | str:
    """A month grid (Monday first) of the deadlines of a unit, or of the user's own tasks.

    ?y=2026&m=12 picks the month (this month by default), ?unit=<id> the unit (the user's
    own by default; others only for coordinators, inspectors and admins), ?view=mine the
    tasks assigned to the user."""
    today = clock.today()
    status = 200
    raw_year, raw_month = request.args.get("y"), request.args.get("m")
    year = int_arg("y", today.year if raw_year in (None, "") else None, maximum=9999)
    mon = int_arg("m", today.month if raw_month in (None, "") else None, maximum=99)
    try:
        year, mon = month_calendar.check_month(year, mon)
    except month_calendar.MonthOutOfRange as error:
        flash(
            gettext(
                "Năm phải là số từ %(a)s đến %(b)s.",
                a=month_calendar.MIN_YEAR,
                b=month_calendar.MAX_YEAR,
            )
            if str(error) == "year"
            else gettext("Tháng phải là số từ 1 đến 12."),
            "error",
        )
        year, mon, status = today.year, today.month, 400
    mine = request.args.get("view") == MINE
    unit_id = current_user.unit_id
    if not mine and request.args.get("unit") not in (None, ""):
        chosen = int_arg("unit")
        if chosen is None:
            flash(gettext("Không tìm thấy đơn vị."), "error")
            status = 400
        else:
            unit_id = chosen
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    if not mine and not month_calendar.may_view_unit(current_user, unit_id):
        abort(403)
    if mine:
        grid = month_calendar.assigned_month(current_user, year, mon)
    else:
        grid = month_calendar.unit_month(current_user, unit_id, year, mon)
    page = render_template(
        "calendar.html",
        grid=grid,
        unit=unit,
        mine=mine,
        units=month_calendar.unit_choices(current_user),
        weekdays=month_calendar.WEEKDAYS,
        state_labels=STATE_LABELS,
        feed_url=personal_feed_url(current_user.id),
    )
    return (page, status) if status != 200 else page


@bp.route("/link", methods=["POST"])
@login_required
def renew_link() -> Response:
    """Make the user's personal feed link, or a new one that ends the old at once."""
    had = month_calendar.link_token(current_user.id) is not None
    try:
        calendar_links.renew_link(current_user.id, current_user)
    except WorkflowError as error:
        flash(error.message, "error")
    else:
        flash(
            gettext("Đã tạo liên kết mới; liên kết cũ không còn dùng được.")
            if had
            else gettext("Đã tạo liên kết lịch cá nhân."),
            "success",
        )
    target = local_path(request.form.get("next")) or url_for("calendar.month")
    return redirect(target)


@bp.route("/personal/<token>.ics")
def personal_feed(token: str) -> Response:
    """The person's feed: the tasks assigned to them and their unit's; 404 for any other
    token, a renewed one included."""
    if not calendar_links.is_token_shaped(token):
        abort(404)
    user = month_calendar.feed_owner(token)
    if user is None:
        abort(404)
    response = Response(personal_calendar(user), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="planwork-ca-nhan.ics"'
    # The address is a secret: keep it out of shared caches and referrers.
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/<token>.ics")
def feed(token: str) -> Response:
    """Serve the feed of the unit whose token this is; 404 for anything else."""
    if len(token) < 16:
        abort(404)
    unit = db.session.execute(
        sa.select(Unit).where(Unit.calendar_token == token, Unit.active.is_(True))
    ).scalar_one_or_none()
    if unit is None:
        abort(404)
    response = Response(unit_calendar(unit), mimetype="text/calendar")
    # A header must be Latin-1 without quotes or controls (gunicorn refuses anything else,
    # a 500): an admin may give a unit a code such as "ĐT".
    name = secure_filename(unit.code) or str(unit.id)
    response.headers["Content-Disposition"] = f'inline; filename="planwork-{name}.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
