"""Personal settings: the interface language (a header form on every page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from workflow.users import LOCALES, set_locale

bp = Blueprint("preferences", __name__)


def _back() -> str:
    # Only local paths, never another host: the form is posted from our own pages.
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("units.index")


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
