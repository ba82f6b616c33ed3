"""The application factory: configuration, then one init call per subsystem."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from flask import Flask, abort, current_app, g, has_request_context, request, session
from flask_babel import get_locale, lazy_gettext, refresh
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from config.secret_key import resolve_secret_key
from config.settings import ROOT, Settings
from models import Role, User, db
from web import database  # noqa: F401  (registers the SQLite pragmas)
from web.extensions import DeferredCommand, babel, csrf, login_manager, migrate

# What an inspector may still POST: their own session and language, nothing in the data.
# "audit.verify" only re-checks the hash chain and records the verdict (issue 6).
# Their own API tokens are theirs like their session: read tokens only (workflow/tokens.py).
INSPECTOR_MAY_POST = frozenset(
    {
        "auth.login",
        "auth.logout",
        "preferences.language",
        "audit.verify",
        "account.create_token",
        "account.revoke_token",
        # Their own password and contact details, like their session.
        "profile.edit",
        "profile.password",
        "profile.reset_request",
        "profile.reset",
        # Their own notices and mail choices are theirs to keep.
        "notifications.mark_read",
        "notifications.preferences",
        "notifications.unsubscribe",
        # Their own saved filters of the lists they read.
        "bulk.save_filter",
        "bulk.rename_filter",
        "bulk.delete_filter",
        # Their own personal calendar link.
        "calendar.renew_link",
    }
)


def select_locale() -> str:
    """The user's chosen language, else the session's, else Vietnamese."""
    if not has_request_context():
        # Mails rendered by the worker: no one is signed in; a recipient's own language
        # is forced around their mail (notifications.events), the rest are Vietnamese.
        return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "vi")
    if current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return session.get("lang", "vi")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides settings (tests, one-off scripts)."""
    # APIFlask (a Flask subclass) writes the OpenAPI document of /api/v1 from the routes'
    # schemas, which apispec alone would need restated by hand. json_errors=False keeps
    # the HTML error pages: JSON errors are the API blueprint's own (web/api/errors.py).
    # No docs UI from APIFlask (its scripts come from a CDN): web/api/docs.py draws one.
    app = APIFlask(
        __name__,
        title="PlanWork API",
        version="1",
        spec_path="/openapi.json",
        docs_path=None,
        openapi_blueprint_url_prefix="/api/v1",
        json_errors=False,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(Settings.INSTANCE_DIR),
    )
    app.config.from_object(Settings)
    if test_config:
        app.config.update(test_config)
    # Refuses a known or short key before anything can be signed with it (H4).
    app.config["SECRET_KEY"] = resolve_secret_key(
        app.config.get("SECRET_KEY"), Path(app.instance_path)
    )
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    from web import performance

    performance.init_app(app)  # compressed responses, long-cached versioned static files
    hops = int(app.config.get("PLANWORK_TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Behind that many reverse proxies, the client is the address they forwarded;
        # X-Forwarded-For is trusted only then, or any client could pick its address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    # The SQLite file and attachments live under the instance folder: make sure it exists.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    performance.fast_translations(app)  # templates' _() without a lookup per call
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Hãy đăng nhập để tiếp tục.")
    login_manager.login_message_category = "warning"
    from web import params

    # Before any blueprint: a rule binds the `int` converter when it is registered.
    params.init_app(app)

    from web import errors, filters
    from web.views import auth, tasks, units

    errors.init_app(app)
    filters.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(units.bp)
    app.register_blueprint(tasks.bp)
    from web.views import calendar, outbox

    app.register_blueprint(outbox.bp)
    app.register_blueprint(calendar.bp)
    from web.views import admin, preferences

    app.register_blueprint(admin.bp)
    app.register_blueprint(preferences.bp)
    from web.views import directory

    app.register_blueprint(directory.bp)
    # Templates name the page's language (<html lang>, the switch's current choice).
    app.jinja_env.globals["get_locale"] = get_locale
    from web.views import imports, plans

    app.register_blueprint(imports.bp)
    app.register_blueprint(plans.bp)
    from web.views import plan_editing

    app.register_blueprint(plan_editing.bp)
    from web.views import cascade as cascade_views

    app.register_blueprint(cascade_views.bp)
    from web.views import dashboard

    app.register_blueprint(dashboard.bp)
    from web.views import audit as audit_views, inspection  # noqa: I001

    app.register_blueprint(audit_views.bp)
    app.register_blueprint(inspection.bp)
    from web.views import jobs as job_views

    app.register_blueprint(job_views.bp)
    from web import api
    from web.views import account

    app.register_blueprint(account.bp)
    from web.views import notifications as notification_views

    app.register_blueprint(notification_views.bp)
    from web.views import profile

    app.register_blueprint(profile.bp)
    from web.views import inbox, people

    app.register_blueprint(inbox.bp)
    app.register_blueprint(people.bp)
    from web.views import bulk

    app.register_blueprint(bulk.bp)  # bulk actions on lists, saved filters
    from web.views import webhooks as webhook_views

    app.register_blueprint(webhook_views.bp)
    api.init_app(app)

    from web import commands

    commands.init_app(app)
    from notifications import cli as notifications_cli
    from notifications import subscribers, webhook_subscribers

    notifications_cli.init_app(app)
    subscribers.connect()
    webhook_subscribers.connect()
    import jobs

    jobs.init_app(app)
    # jobs/cli.py imports Huey's consumer (and gevent): listed here, imported when it runs.
    app.cli.add_command(
        DeferredCommand(
            "worker",
            "jobs.cli:worker_cli",
            help="Tiến trình xử lý nền (nhập kế hoạch, hồ sơ, xuất dữ liệu).",
        )
    )

    @app.before_request
    def _remember_client() -> None:
        from workflow.audit import set_client_address

        set_client_address(request.remote_addr)

    @app.before_request
    def _fresh_user() -> None:
        # Flask-Login caches the user, Flask-WTF the signed CSRF token, on `g`, which
        # outlives a request when an app context was already pushed (tests, scripts):
        # derive both from this request's session, so an ended session is noticed.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on `g`, which outlives a request when an app
        # context was already pushed (tests, scripts): choose it again for each request.
        refresh()

    @app.before_request
    def _inspectors_read_only() -> None:
        # Inspectors read everything and change nothing: refuse every write here, once,
        # so a route added later cannot forget it. Their own session stays theirs.
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and current_user.is_authenticated
            and current_user.role == Role.INSPECTOR
            and request.endpoint not in INSPECTOR_MAY_POST
        ):
            abort(403)

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
        )
        # Nothing here needs the camera, microphone, location or payment: say so.
        response.headers.setdefault(
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            # Only when served over HTTPS (secure cookies on): HSTS over plain HTTP would
            # lock an office's intranet install out of its own server.
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.endpoint and request.endpoint != "static":
            # Pages carry names, reports and CSRF tokens: never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    # Logout, a password change or a reset raised the generation: older sessions end.
    if session.get("session_generation") != user.session_generation:
        return None
    # A copied cookie stays valid at most this long after the login it came from. Wall
    # time, not the app's clock: tests and replays move that one through whole years.
    try:
        login_at = datetime.fromisoformat(session.get("login_at", ""))
    except (TypeError, ValueError):
        return None
    if datetime.now(UTC).replace(tzinfo=None) - login_at > current_app.permanent_session_lifetime:
        return None
    return user
