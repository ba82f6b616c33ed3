"""Responses that cost less to send (issue 12): compressed pages and exports, static assets
cached for a year under a URL that changes with their content.

Flask-Compress compresses HTML, CSV, JSON and scripts for clients that ask (Brotli, then
gzip); a city page of a few hundred rows shrinks tenfold. Static files are linked as
`/static/style.css?v=<hash of the file>`, so a browser may keep them a year
(SEND_FILE_MAX_AGE_DEFAULT) and still fetches a new version the moment it changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask_compress import Compress

COMPRESSED = [
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "text/calendar",
    "application/json",
    "application/javascript",
    "text/javascript",
    "image/svg+xml",
]
STATIC_MAX_AGE = timedelta(days=365)

compress = Compress()


@lru_cache(maxsize=256)
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_version(static_folder: str, filename: str) -> str | None:
    """A short hash of the static file's content (None when there is no such file)."""
    path = Path(static_folder) / filename
    try:
        return _fingerprint(str(path), path.stat().st_mtime)
    except OSError:
        return None


def init_app(app: Flask) -> None:
    """Compress responses and version static URLs so they may be cached for long."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:  # Flask's default is None
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    compress.init_app(app)

    @app.after_request
    def _static_as_bytes(response: Any) -> Any:
        # Runs before Flask-Compress's hook (registered later). A streamed static file
        # wrapped in its compressing generator is never closed (a ResourceWarning per
        # file); static files are small, so read them whole, which closes the file.
        from flask import request

        if request.endpoint == "static" and response.direct_passthrough:
            # Closed here, not on the response's close: a browser that drops the
            # connection mid-file (a cancelled favicon) skips the server's close call.
            file_wrapper = response.response
            response.direct_passthrough = False
            try:
                body = b"" if response.status_code == 304 else b"".join(file_wrapper)
            finally:
                close = getattr(file_wrapper, "close", None)
                if close is not None:
                    close()
            if response.status_code == 304:
                response.response = []
            else:
                response.set_data(body)
        return response

    @app.url_defaults
    def _version_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app.static_folder or "", values["filename"])
            if version:
                values["v"] = version


def conditional(response: Any) -> Any:
    """An export with an ETag (a hash of its bytes): a client that already holds this file
    gets 304 Not Modified instead of the file again. Redirects pass through."""
    from flask import request

    if response.status_code == 200 and not response.is_streamed:
        response.add_etag()
        response.make_conditional(request)
    return response


def fast_translations(app: Flask) -> None:
    """Templates' `_()` with the request's catalogue looked up once, not on every call.

    Flask-Babel's template gettext walks `g`, the domain, the locale and the locale's
    string form through werkzeug's proxies on every call; a page of a hundred rows makes a
    few hundred calls (a few ms of CPU). The catalogue is kept beside Flask-Babel's own
    cached locale and used while that locale object is the same one: `refresh()` and
    `force_locale()` replace it, so a language change mid-request is still seen. Call after
    `babel.init_app` (which installs the callables this replaces)."""
    from flask import g
    from flask_babel import get_translations

    def current() -> Any:
        try:
            space = g._get_current_object()
        except RuntimeError:  # no app context: Flask-Babel's answer (untranslated)
            return get_translations()
        ctx = getattr(space, "_flask_babel", None)
        if ctx is not None:
            memo = getattr(ctx, "planwork_translations", None)
            if memo is not None and memo[0] is getattr(ctx, "babel_locale", None):
                return memo[1]
        translations = get_translations()
        ctx = getattr(space, "_flask_babel", None)
        locale = getattr(ctx, "babel_locale", None)
        if ctx is not None and locale is not None:
            ctx.planwork_translations = (locale, translations)
        return translations

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: current().ugettext(s),
        ngettext=lambda s, p, n: current().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current().upgettext(c, s),
        npgettext=lambda c, s, p, n: current().unpgettext(c, s, p, n),
    )


# A number no real id reaches, marking where the id goes in a built URL.
_ID_MARKER = 987654321987


def id_url(endpoint: str, field: str, **values: Any) -> Callable[[int], str]:
    """A builder of `endpoint`'s URL for one integer path part, `url_for` called once.

    A list of a hundred rows each linking to its plan or task would otherwise call
    `url_for` a hundred times (werkzeug matches the rule and its converters each time, a
    few ms of CPU per page); the URL differs only by the id, so it is built once with a
    marker and the id put in its place."""
    from flask import g, url_for

    # Kept for the request: a macro called per row (row actions) asks for it per row.
    memo = g.setdefault("_planwork_id_urls", {})
    key = (endpoint, field, tuple(sorted(values.items())))
    build = memo.get(key)
    if build is None:
        head, tail = url_for(endpoint, **{field: _ID_MARKER}, **values).split(str(_ID_MARKER), 1)

        def build(value: int) -> str:
            return f"{head}{int(value)}{tail}"

        memo[key] = build
    return build
