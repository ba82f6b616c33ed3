"""A unit's deadlines as an iCalendar feed at a secret URL (calendar apps cannot log in)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort
from werkzeug.utils import secure_filename

from models import Unit, db
from notifications.ical import unit_calendar

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


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
