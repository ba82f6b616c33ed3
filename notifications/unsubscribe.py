"""One-click unsubscribe (RFC 8058): a signed token per subscriber and kind, its URL, and
the headers every event mail carries.

The token is signed with the app's SECRET_KEY (itsdangerous, which Flask itself uses for
sessions), so it needs no table and no login: whoever holds the mail may turn that one
kind off for that one subscriber, and nothing else. It does not expire: a mail read months
later must still be able to stop the next one.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from notifications.render import base_url
from workflow.notification_prefs import DIGEST_KIND, KINDS, Subscriber

SALT = "planwork.unsubscribe.v1"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(subscriber: Subscriber, kind: str) -> str:
    """The token that turns `kind` off for `subscriber` (signed, URL-safe)."""
    return str(_serializer().dumps([subscriber.code, kind]))


def read_token(token: str) -> tuple[Subscriber, str] | None:
    """The subscriber and kind a token names, or None when it is forged, cut or unknown."""
    if not token or len(token) > 300:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, list) or len(payload) != 2:
        return None
    code, kind = payload
    if not isinstance(code, str) or not isinstance(kind, str):
        return None
    subscriber = Subscriber.from_code(code)
    if subscriber is None or (kind not in KINDS and kind != DIGEST_KIND):
        return None
    return subscriber, kind


def unsubscribe_url(subscriber: Subscriber, kind: str) -> str:
    """The absolute URL a mail's List-Unsubscribe header and footer point at."""
    return f"{base_url()}/unsubscribe/{make_token(subscriber, kind)}"


def headers(url: str | None) -> dict[str, str]:
    """RFC 8058 headers for a mail whose one-click unsubscribe target is `url`."""
    if not url:
        return {}
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
