"""A user's own account: profile, password change, and reset by a link sent by mail.

Every change is audited in the same transaction. The reset link's token is random,
stored only as its SHA-256, good for one use within `RESET_LIFETIME`; asking for a link
gives the same answer whether or not the address belongs to an account, and asking too
often is slowed down the way failed logins are (workflow.login_security.backoff).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from models import PasswordReset, User, db
from workflow import audit, clock, login_security
from workflow.errors import InvalidInput, NotFound, WorkflowError
from workflow.snapshots import user_snapshot
from workflow.transaction import unit_of_work
from workflow.users import MIN_PASSWORD_LENGTH

RESET_LIFETIME = timedelta(hours=1)
# Requests per address, and per client address, before each further one must wait.
RESETS_PER_ADDRESS = 3
RESETS_PER_CLIENT = 10
RESET_WINDOW = timedelta(hours=1)
MAX_PASSWORD_LENGTH = 200
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 .()-]{6,30}$")


class ResetThrottled(WorkflowError):
    """Too many reset requests for this address or from this client."""

    status = 429

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, -(-int(retry_after.total_seconds()) // 60))
        super().__init__(
            "Bạn đã yêu cầu đặt lại mật khẩu quá nhiều lần. Hãy thử lại sau %(minutes)s phút.",
            minutes=minutes,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class ResetMail:
    """What the mail needs: the account and the link's secret (never stored)."""

    user: User
    token: str
    expires_at: datetime


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _fold_email(address: str) -> str:
    return (address or "").strip().lower()[:200]


def _check_new_password(password: str, confirm: str | None) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "Mật khẩu cần ít nhất %(count)s ký tự.",
            count=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("Mật khẩu dài quá %(count)s ký tự.", count=MAX_PASSWORD_LENGTH)
    if confirm is not None and confirm != password:
        raise InvalidInput("Hai lần nhập mật khẩu mới không khớp.")


def _set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password)
    # Every session opened with the old password ends (web/app.py compares this).
    user.session_generation += 1
    # A reset link asked for earlier must not set the password again.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=clock.now())
    )


def update_profile(user_id: int, *, full_name: str, email: str, phone: str | None) -> None:
    """The user changes their own name, mail address and phone (audited)."""
    name = (full_name or "").strip()
    address = (email or "").strip()
    number = (phone or "").strip() or None
    if not name:
        raise InvalidInput("Cần họ tên.")
    if len(name) > 200:
        raise InvalidInput("Họ tên dài quá %(count)s ký tự.", count=200)
    if not EMAIL.match(address) or len(address) > 200:
        raise InvalidInput("Địa chỉ thư «%(email)s» không hợp lệ.", email=address[:80])
    if number is not None and not PHONE.match(number):
        raise InvalidInput("Số điện thoại «%(phone)s» không hợp lệ.", phone=number[:40])
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
        before = {**user_snapshot(user), "phone": user.phone}
        user.full_name, user.email, user.phone = name, address, number
        after = {**user_snapshot(user), "phone": user.phone}
        if after == before:
            raise InvalidInput("Không có gì thay đổi.")
        audit.record(
            "account.profile",
            actor=user,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            before=before,
            after=after,
        )


def change_own_password(
    user_id: int, current_password: str, new_password: str, confirm: str | None = None
) -> int:
    """The user sets a new password after giving the current one.

    Ends every other session of the user; returns the new session generation, which the
    caller stores in the current session to keep it alive.
    """
    _check_new_password(new_password, confirm)
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Không tìm thấy người dùng.")
        if not check_password_hash(user.password_hash, current_password or ""):
            raise InvalidInput("Mật khẩu hiện tại không đúng.")
        if check_password_hash(user.password_hash, new_password):
            raise InvalidInput("Mật khẩu mới phải khác mật khẩu hiện tại.")
        _set_password(user, new_password)
        audit.record(
            "account.password_change",
            actor=user,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
        )
        generation = user.session_generation
    return generation


def _reset_wait(email_hash: str, client_addr: str | None) -> timedelta | None:
    """How long before another request for this address or from this client is served."""
    now = clock.now()
    since = now - RESET_WINDOW
    recent = sa.select(sa.func.count(PasswordReset.id), sa.func.max(PasswordReset.created_at))
    waits = []
    for condition, threshold in (
        (PasswordReset.email_hash == email_hash, RESETS_PER_ADDRESS),
        (
            PasswordReset.client_addr == client_addr if client_addr else sa.false(),
            RESETS_PER_CLIENT,
        ),
    ):
        count, last = db.session.execute(
            recent.where(condition, PasswordReset.created_at >= since)
        ).one()
        delay = login_security.backoff(count, threshold)
        if delay is not None and last is not None and last + delay > now:
            waits.append(last + delay - now)
    return max(waits) if waits else None


def request_password_reset(email: str, deliver: Callable[[ResetMail], None]) -> None:
    """Ask for a reset link for the account with this mail address.

    For an active account, a single-use token valid `RESET_LIFETIME` is stored hashed
    and `deliver` is called inside the same transaction (it queues the mail in the
    outbox), so the mail exists exactly when the token does. For any other address
    nothing is sent; the caller shows the same answer either way. Raises ResetThrottled
    after too many requests for the address or from the client, known or not alike.
    """
    address = _fold_email(email)
    if not EMAIL.match(address):
        raise InvalidInput("Hãy nhập địa chỉ thư của tài khoản.")
    email_hash = _digest(address)
    client_addr = audit.current_client_address()
    wait = _reset_wait(email_hash, client_addr)
    if wait is not None:
        raise ResetThrottled(wait)
    user = db.session.execute(
        sa.select(User)
        .where(sa.func.lower(User.email) == address, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    ).scalar_one_or_none()
    now = clock.now()
    with unit_of_work():
        row = PasswordReset(
            email_hash=email_hash,
            client_addr=client_addr[:64] if client_addr else None,
            created_at=now,
        )
        db.session.add(row)
        if user is None:
            return
        token = secrets.token_urlsafe(32)
        row.user_id = user.id
        row.token_hash = _digest(token)
        row.expires_at = now + RESET_LIFETIME
        db.session.flush()
        audit.record(
            "account.password_reset_requested",
            actor=None,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            after={"expires_at": row.expires_at.isoformat(timespec="seconds")},
        )
        deliver(ResetMail(user=user, token=token, expires_at=row.expires_at))


def _valid_reset(token: str) -> PasswordReset | None:
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        sa.select(PasswordReset).where(PasswordReset.token_hash == _digest(token))
    ).scalar_one_or_none()
    if row is None or row.used_at is not None or row.expires_at is None:
        return None
    if row.expires_at <= clock.now():
        return None
    return row


def reset_link_is_valid(token: str) -> bool:
    """Whether the link can still set a password (unused, not expired)."""
    return _valid_reset(token) is not None


def reset_password(token: str, new_password: str, confirm: str | None = None) -> None:
    """Set the password from a reset link: once, within the hour, for an active account.

    Ends every session of the user and voids their other outstanding links.
    """
    _check_new_password(new_password, confirm)
    with unit_of_work():
        row = _valid_reset(token)
        user = db.session.get(User, row.user_id) if row and row.user_id else None
        if row is None or user is None or not user.active:
            raise InvalidInput(
                "Liên kết đặt lại mật khẩu không còn hiệu lực (đã dùng hoặc quá 1 giờ). "
                "Hãy yêu cầu một liên kết mới."
            )
        _set_password(user, new_password)
        row.used_at = clock.now()
        audit.record(
            "account.password_reset",
            actor=user,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
        )
