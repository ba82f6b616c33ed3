"""Responses that cost less to send (issue 12): compressed pages and exports, static assets
cached for a year under a URL that changes with their content.

Flask-Compress compresses HTML, CSV, JSON and scripts for clients that ask (Brotli, then
gzip); a city page of a few hundred rows shrinks tenfold. Static files are linked as
`/static/style.css?v=<hash of the file>`, so a browser may keep them a year
(SEND_FILE_MAX_AGE_DEFAULT) and still fetches a new version the moment it changes.
"""

from __future__ import annotations

import hashlib
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
            response.direct_passthrough = False
            response.make_sequence()
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
