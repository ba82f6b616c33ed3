"""Bearer tokens for /api/v1: who is calling, and whether their token may write.

Only `Authorization: Bearer <token>` authenticates the API. A session cookie does not:
were it accepted, a page on another site could make the browser call the API with it,
and CSRF tokens would be needed; with tokens only, the blueprint is exempt from CSRF.
The token's user becomes Flask-Login's `current_user` for the request, so the rest of
the app (audit client address, locale) sees the caller as it sees a signed-in user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from apiflask import HTTPTokenAuth
from flask import g

from models import ApiToken, Role, TokenScope, User
from web.api.errors import ScopeDenied, apiflask_error
from workflow import tokens

auth = HTTPTokenAuth(
    scheme="Bearer",
    description="Mã truy cập cá nhân (personal access token), tạo ở trang «Mã truy cập API».",
)

# Refusals answer like every API error (JSON, stable code "unauthorized"), not in text.
auth.error_processor(apiflask_error)


@auth.verify_token
def _verify(secret: str) -> User | None:
    found = tokens.authenticate(secret)
    if found is None:
        return None
    user, token = found
    g.api_token = token
    # Flask-Login reads the request's user from here: the token's user, not the cookie's.
    g._login_user = user
    return user


def current_token() -> ApiToken:
    """The token this request was authenticated with."""
    return g.api_token


def api_user() -> User:
    """The user this request acts for."""
    return auth.current_user  # type: ignore[return-value]


def write_scope(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a change made with a read token (403 "insufficient_scope"). Inspectors hold
    read tokens only, and are refused here even if one were written by hand."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_token().scope != TokenScope.WRITE or api_user().role == Role.INSPECTOR:
            raise ScopeDenied(
                "Mã truy cập này chỉ được đọc (read); thao tác ghi cần mã phạm vi «write»."
            )
        return view(*args, **kwargs)

    return wrapper
