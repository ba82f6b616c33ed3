"""Log in and out."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from demo.loader import DEMO_PASSWORD, KEY_LOGINS, demo_accounts_present
from models import db
from web.forms import LoginForm
from workflow.login_security import KnownDevice, new_device_id
from workflow.users import LOCALES, LoginThrottled, authenticate, record_logout, set_locale

bp = Blueprint("auth", __name__)

# A browser that logged in as a user gets this signed cookie; it lets that browser skip
# the account-wide login backoff that guessing from elsewhere may have set off.
DEVICE_COOKIE = "planwork_device"
DEVICE_MAX_AGE = timedelta(days=180)
# Session keys the user loader checks (web/app.py): see workflow.users.record_logout.
SESSION_GENERATION = "session_generation"
SESSION_LOGIN_AT = "login_at"


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="planwork-known-device")


def _known_device() -> KnownDevice | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_signer().loads(raw, max_age=int(DEVICE_MAX_AGE.total_seconds()))
        return KnownDevice(username=str(data["u"]), device_id=str(data["d"])[:32])
    except (BadSignature, KeyError, TypeError):
        return None


def _remember_device(response: Response, username: str, known: KnownDevice | None) -> None:
    device_id = known.device_id if known and known.username == username else new_device_id()
    response.set_cookie(
        DEVICE_COOKIE,
        _device_signer().dumps({"u": username, "d": device_id}),
        max_age=int(DEVICE_MAX_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )


# What each demo account is for (demo.loader.KEY_LOGINS), marked for extraction: the
# login page translates them through a variable.
DEMO_ROLES = (
    _l("Chuyên viên Phòng GDTX-CN&ĐH (đơn vị chủ trì)"),
    _l("Điều phối viên Phòng GDTX-CN&ĐH (cơ quan thường trực)"),
    _l("Điều phối viên thứ hai của cơ quan thường trực"),
    _l("Chuyên viên Phòng Tổ chức cán bộ (đơn vị phối hợp)"),
    _l("Chuyên viên Phòng GDĐT quận 8"),
    _l("Thanh tra (chỉ xem)"),
    _l("Quản trị hệ thống"),
)


def _login_page(form: LoginForm) -> str:
    # The demo's accounts are listed only while the demo is loaded (never on a real site).
    try:
        demo = demo_accounts_present()
    except sa.exc.DBAPIError:
        # The sign-in form needs no data: during an outage it shows, without the demo list.
        db.session.rollback()
        demo = False
    return render_template(
        "login.html",
        form=form,
        demo_logins=KEY_LOGINS if demo else [],
        demo_password=DEMO_PASSWORD if demo else None,
    )


def _throttled(form: LoginForm, exc: LoginThrottled) -> Response:
    if exc.scope == "address":
        # The password was checked and was wrong; the right one still works from here.
        flash(
            _(
                "Tên đăng nhập hoặc mật khẩu không đúng. Có quá nhiều lần đăng nhập sai "
                "từ địa chỉ mạng này; hãy kiểm tra kỹ trước khi thử lại."
            ),
            "error",
        )
    else:
        minutes = max(1, math.ceil(exc.retry_after.total_seconds() / 60))
        flash(
            _(
                "Đăng nhập sai quá nhiều lần. Hãy thử lại sau %(minutes)d phút.",
                minutes=minutes,
            ),
            "error",
        )
    response = make_response(_login_page(form), 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after.total_seconds())))
    return response


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    if target and not urlsplit(target).netloc and target.startswith("/"):
        return target
    return url_for("units.mine")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("units.mine"))
    form = LoginForm()
    if form.validate_on_submit():
        known = _known_device()
        try:
            user = authenticate(form.username.data, form.password.data, known)
        except LoginThrottled as exc:
            return _throttled(form, exc)
        if user is not None:
            # A new CSRF secret for the signed-in session: a token seen before login
            # (a shared computer, a planted cookie) is worth nothing after it.
            session.pop("csrf_token", None)
            g.pop("csrf_token", None)
            login_user(user)
            session[SESSION_GENERATION] = user.session_generation
            session[SESSION_LOGIN_AT] = datetime.now(UTC).replace(tzinfo=None).isoformat()
            # A language chosen before logging in wins over the account's stored one.
            chosen = session.get("lang")
            if chosen in LOCALES and chosen != user.locale:
                set_locale(user.id, user, chosen)
            response = redirect(_safe_next(request.args.get("next")))
            _remember_device(response, user.username, known)
            return response
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return _login_page(form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign the user out, in every browser."""
    record_logout(current_user)
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))
