"""Personal settings: the interface language (a header form on every page)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from web.params import local_path
from workflow.users import LOCALES, set_locale

bp = Blueprint("preferences", __name__)


def _back() -> str:
    # Only local paths, never another host: the form is posted from our own pages.
    return local_path(request.form.get("next")) or url_for("units.index")


@bp.route("/language", methods=["POST"])
def language() -> Response:
    """Switch the interface language; remembered for the session and the account."""
    lang = request.form.get("lang", "")
    if lang not in LOCALES:
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        set_locale(current_user.id, current_user, lang)
    return redirect(_back())
