"""The API's documentation page, drawn on the server from the OpenAPI document.

APIFlask's own pages (Swagger UI, Redoc, …) load their scripts from a CDN, which an
office intranet may not reach and our Content-Security-Policy forbids. This page needs
no script: it lists each operation of the same document the API serves.
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from web.api.blueprint import bp

METHODS = ("get", "post", "put", "patch", "delete")


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of the document: method, path, summary, parameters, responses."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": [
                        p for p in op.get("parameters", []) if isinstance(p, dict) and "name" in p
                    ],
                    "body_types": list(body),
                    "responses": sorted(op.get("responses", {})),
                    "secured": bool(op.get("security")),
                }
            )
    return found


@bp.get("/docs")
@bp.doc(hide=True)
def docs() -> str:
    """The documentation page (no token needed: it shows the document, not the data)."""
    from web.api import api_spec

    spec = api_spec()
    return render_template("api/docs.html", spec=spec, operations=operations(spec))
