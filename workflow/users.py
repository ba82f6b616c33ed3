"""Users: create, change role or unit, deactivate, passwords, logins — all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from models import AuditEvent, Role, Unit, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, WorkflowError
from workflow.snapshots import user_snapshot
from workflow.transaction import unit_of_work

MIN_PASSWORD_LENGTH = 8
LOCALES = ("vi", "en")
# Failed logins allowed per username and client address (and per address over all
# usernames, against password spraying) inside the window before logins are refused.
LOGIN_MAX_FAILURES = 5
LOGIN_MAX_FAILURES_PER_ADDRESS = 30
LOGIN_WINDOW = timedelta(minutes=15)


class LoginThrottled(WorkflowError):
    """Too many failed logins from this address: refused without checking the password."""

    status = 429


@dataclass
class NewUser:
    username: str
    full_name: str
    email: str
    unit_id: int
    role: Role
    password: str


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")


def add_user(new: NewUser, actor: User | None) -> User:
    """Create a user inside the caller's transaction (audited, not committed)."""
    username = new.username.strip().lower()
    if not username or not new.full_name.strip():
        raise InvalidInput("Cần tên đăng nhập và họ tên.")
    _check_password(new.password)
    if db.session.execute(sa.select(User.id).where(User.username == username)).first():
        raise InvalidInput(f"Tên đăng nhập «{username}» đã có.")
    if db.session.get(Unit, new.unit_id) is None:
        raise InvalidInput("Đơn vị không tồn tại.")
    user = User(
        username=username,
        full_name=new.full_name.strip(),
        email=new.email.strip(),
        unit_id=new.unit_id,
        role=Role(new.role),
        password_hash=generate_password_hash(new.password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        actor=actor,
        object_type="user",
        object_id=user.id,
        unit_id=user.unit_id,
        after=user_snapshot(user),
    )
    return user


def create_user(new: NewUser, actor: User | None) -> int:
    """Create a user and commit; returns the id."""
    with unit_of_work():
        user_id = add_user(new, actor).id
    return user_id


def update_user(
    user_id: int,
    actor: User,
    *,
    role: Role | None = None,
    unit_id: int | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    email: str | None = None,
    reason: str | None = None,
) -> None:
    """Change a user's role, unit, name, e-mail or active flag (never delete: the trail
    keeps names)."""
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
        before = user_snapshot(user)
        if full_name is not None:
            if not full_name.strip():
                raise InvalidInput("Cần họ tên.")
            user.full_name = full_name.strip()[:200]
        if email is not None:
            user.email = email.strip()[:200]
        if role is not None:
            user.role = Role(role)
        if unit_id is not None:
            if db.session.get(Unit, unit_id) is None:
                raise InvalidInput("Đơn vị không tồn tại.")
            user.unit_id = unit_id
        if active is not None:
            if not active and user.id == actor.id:
                raise InvalidInput("Không thể tự khóa tài khoản của chính mình.")
            user.active = active
        after = user_snapshot(user)
        if after == before:
            raise InvalidInput("Không có gì thay đổi.")
        audit.record(
            "user.update",
            actor=actor,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            before=before,
            after=after,
            reason=reason,
        )


def change_password(user_id: int, actor: User, new_password: str) -> None:
    """Set a new password (the event records that it changed, never the value)."""
    _check_password(new_password)
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
        user.password_hash = generate_password_hash(new_password)
        audit.record(
            "user.password",
            actor=actor,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
        )


def set_locale(user_id: int, actor: User, locale: str) -> None:
    """Remember the user's interface language (a setting change, so audited)."""
    if locale not in LOCALES:
        raise InvalidInput("Ngôn ngữ không được hỗ trợ.")
    with unit_of_work():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("Không tìm thấy người dùng.")
        if user.locale == locale:
            return
        before = {"locale": user.locale}
        user.locale = locale
        audit.record(
            "user.locale",
            actor=actor,
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            before=before,
            after={"locale": locale},
        )


def _recent_failures(username: str | None, client_addr: str | None) -> int:
    """Failed logins inside the window from this address (for this username if given).

    Counted from the audit trail, so every gunicorn worker sees the same number.
    """
    query = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "user.login_failed",
        AuditEvent.occurred_at >= clock.now() - LOGIN_WINDOW,
    )
    query = query.where(
        AuditEvent.client_addr.is_(None)
        if client_addr is None
        else AuditEvent.client_addr == client_addr
    )
    if username is not None:
        query = query.where(AuditEvent.after["username"].as_string() == username)
    return db.session.execute(query).scalar_one()


def login_throttled(username: str, client_addr: str | None) -> bool:
    """Whether logins for this username from this address are refused for now."""
    name = (username or "").strip().lower()[:80]
    return (
        _recent_failures(name, client_addr) >= LOGIN_MAX_FAILURES
        or _recent_failures(None, client_addr) >= LOGIN_MAX_FAILURES_PER_ADDRESS
    )


def authenticate(username: str, password: str) -> User | None:
    """The user if the credentials match an active account; records the attempt either way.

    Raises LoginThrottled after too many recent failures from the same address, before
    the password is even checked, so guessing gains nothing.
    """
    name = (username or "").strip().lower()
    if login_throttled(name, audit.current_client_address()):
        # Kept in the trail (an inspector wants to see the attack) but not counted as a
        # failure, so the lock lifts when the window passes.
        with unit_of_work():
            audit.record(
                "user.login_throttled",
                actor=None,
                object_type="user",
                object_id=None,
                after={"username": name[:80]},
            )
        raise LoginThrottled(
            "Đăng nhập sai quá nhiều lần. Hãy thử lại sau "
            f"{int(LOGIN_WINDOW.total_seconds() // 60)} phút."
        )
    user = db.session.execute(sa.select(User).where(User.username == name)).scalar_one_or_none()
    ok = user is not None and user.active and check_password_hash(user.password_hash, password)
    with unit_of_work():
        if ok:
            user.last_login_at = clock.now()
            audit.record(
                "user.login",
                actor=user,
                object_type="user",
                object_id=user.id,
            )
        else:
            audit.record(
                "user.login_failed",
                actor=None,
                object_type="user",
                object_id=user.id if user else None,
                after={"username": name[:80]},
            )
    return user if ok else None


def record_logout(user: User) -> None:
    """Note the end of a session in the trail."""
    with unit_of_work():
        audit.record("user.logout", actor=user, object_type="user", object_id=user.id)
