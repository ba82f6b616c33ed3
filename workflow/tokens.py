"""Personal access tokens for the JSON API: create, revoke (both audited), authenticate.

A token is a random secret shown once; only its SHA-256 is stored, so neither the
database nor the audit trail holds a working token. Its scope is "read" (GET only) or
"write" (also the changes the user may make on the web). A token never grants more
than its user has: the API calls the same services, which check the user's role and
unit; the scope can only take rights away.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from models import ApiToken, Role, TokenScope, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.transaction import unit_of_work

# "pw_" tells a PlanWork token apart in a config file or a leaked log (secret scanners).
TOKEN_PREFIX = "pw_"
SECRET_BYTES = 32
SHOWN_CHARS = 10  # "pw_" and the secret's first characters, on the settings page
MAX_NAME_CHARS = 100
MAX_ACTIVE_TOKENS = 20


@dataclass(frozen=True)
class NewToken:
    """What creating a token leaves behind: its row's id and the secret, shown once."""

    token_id: int
    secret: str
    scope: TokenScope


def hash_secret(secret: str) -> str:
    """The stored form of a secret. Plain SHA-256 suffices: the secret is 256 random bits,
    so there is nothing to guess that a slow hash would protect."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _may_manage(owner: User, actor: User | None) -> bool:
    # None: the command line (`planwork tokens`), run by whoever runs the server.
    return actor is None or actor.id == owner.id or actor.role == Role.ADMIN


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Hãy đặt tên cho mã truy cập (ví dụ: «Đồng bộ của phòng»).")
    if len(name) > MAX_NAME_CHARS:
        raise InvalidInput(
            "Tên mã truy cập dài quá %(max_name_chars)s ký tự.",
            max_name_chars=MAX_NAME_CHARS,
        )
    return name


def _scope(value: str) -> TokenScope:
    try:
        return TokenScope(value)
    except ValueError:
        raise InvalidInput("Phạm vi mã truy cập phải là «read» (chỉ đọc) hoặc «write».") from None


def _snapshot(token: ApiToken) -> dict[str, object]:
    return {
        "token_id": token.id,
        "user_id": token.user_id,
        "name": token.name,
        "scope": token.scope,
        "prefix": token.prefix,
    }


def create_token(user_id: int, actor: User | None, *, scope: str, name: str) -> NewToken:
    """Create a token for the user (themself, an admin, or the command line); audited as
    "token.create". Inspectors change nothing, so they get read tokens only."""
    token_scope = _scope(scope)
    name = _clean_name(name)
    with unit_of_work():
        owner = db.session.get(User, user_id)
        if owner is None or not owner.active:
            raise NotFound("Không tìm thấy người dùng (hoặc tài khoản đã bị khóa).")
        if not _may_manage(owner, actor):
            raise PermissionDenied("Chỉ chủ tài khoản hoặc quản trị viên mới được tạo mã truy cập.")
        if token_scope == TokenScope.WRITE and owner.role == Role.INSPECTOR:
            raise InvalidInput("Thanh tra chỉ xem: chỉ được tạo mã truy cập chỉ đọc (read).")
        active = db.session.execute(
            sa.select(sa.func.count())
            .select_from(ApiToken)
            .where(ApiToken.user_id == owner.id, ApiToken.revoked_at.is_(None))
        ).scalar_one()
        if active >= MAX_ACTIVE_TOKENS:
            raise InvalidInput(
                "Mỗi người có tối đa %(max_active_tokens)s mã truy cập còn hiệu lực; hãy thu "
                "hồi mã không dùng nữa.",
                max_active_tokens=MAX_ACTIVE_TOKENS,
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
        token = ApiToken(
            user_id=owner.id,
            name=name,
            scope=token_scope,
            token_hash=hash_secret(secret),
            prefix=secret[:SHOWN_CHARS],
            created_at=clock.now(),
            created_by_id=actor.id if actor else None,
        )
        db.session.add(token)
        db.session.flush()
        audit.record(
            "token.create",
            actor=actor,
            object_type="api_token",
            object_id=token.id,
            unit_id=owner.unit_id,
            after=_snapshot(token),
        )
        result = NewToken(token.id, secret, token_scope)
    return result


def revoke_token(token_id: int, actor: User | None) -> None:
    """Revoke a token (its owner, an admin, or the command line); audited as
    "token.revoke". The row stays, so the trail still names what was revoked."""
    with unit_of_work():
        token = db.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("Không tìm thấy mã truy cập.")
        if not _may_manage(token.user, actor):
            # Someone else's token is not there for them: do not confirm it exists.
            raise NotFound("Không tìm thấy mã truy cập.")
        if token.revoked_at is not None:
            raise InvalidInput("Mã truy cập này đã bị thu hồi.")
        token.revoked_at = clock.now()
        token.revoked_by_id = actor.id if actor else None
        audit.record(
            "token.revoke",
            actor=actor,
            object_type="api_token",
            object_id=token.id,
            unit_id=token.user.unit_id,
            before={"revoked": False},
            after={**_snapshot(token), "revoked": True},
        )


def authenticate(secret: str | None) -> tuple[User, ApiToken] | None:
    """The active user and token a secret stands for, or None (unknown, revoked, or the
    user deactivated). Reads only: using a token changes nothing."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    return user, token


def user_tokens(user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (the settings page)."""
    return list(
        db.session.execute(
            sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        ).scalars()
    )


def find_user(username: str) -> User | None:
    """The user with this username (the command line names users by it)."""
    return db.session.execute(
        sa.select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()
