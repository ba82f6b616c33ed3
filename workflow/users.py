"""Users: create, change role or unit, deactivate, passwords, logins — all audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from models import Role, SecurityEventKind, Unit, User, db
from workflow import audit, clock, login_security, user_scope
from workflow.errors import InvalidInput, NotFound, WorkflowError
from workflow.snapshots import user_snapshot
from workflow.transaction import unit_of_work

MIN_PASSWORD_LENGTH = 8
LOCALES = ("vi", "en")


class LoginThrottled(WorkflowError):
    """Too many failed logins: ask the client to wait `retry_after`.

    `scope` is "account" when the password was not checked (this username from this
    client must wait), "address" when it was checked and was wrong, from an address
    that sprays unknown usernames.
    """

    status = 429

    def __init__(self, retry_after: timedelta, scope: str) -> None:
        minutes = max(1, -(-int(retry_after.total_seconds()) // 60))
        super().__init__(
            "Đăng nhập sai quá nhiều lần. Hãy thử lại sau %(minutes)s phút.", minutes=minutes
        )
        self.retry_after = retry_after
        self.scope = scope


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
        raise InvalidInput(
            "Mật khẩu cần ít nhất %(min_password_length)s ký tự.",
            min_password_length=MIN_PASSWORD_LENGTH,
        )


def add_user(new: NewUser, actor: User | None) -> User:
    """Create a user inside the caller's transaction (audited, not committed)."""
    username = new.username.strip().lower()
    if not username or not new.full_name.strip():
        raise InvalidInput("Cần tên đăng nhập và họ tên.")
    _check_password(new.password)
    if db.session.execute(sa.select(User.id).where(User.username == username)).first():
        raise InvalidInput(
            "Tên đăng nhập «%(username)s» đã có.",
            username=username,
        )
    if db.session.get(Unit, new.unit_id) is None:
        raise InvalidInput("Đơn vị không tồn tại.")
    # A district office creates accounts only in its own schools (workflow.user_scope).
    user_scope.check_manage(actor, {new.unit_id}, Role(new.role))
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
        # Both the user's unit and the one they move to must be the actor's to manage.
        user_scope.check_manage(
            actor,
            {user.unit_id} | ({unit_id} if unit_id is not None else set()),
            Role(role) if role is not None else user.role,
        )
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
        if actor is not None and actor.id != user.id:
            user_scope.check_manage(actor, {user.unit_id}, user.role)
        user.password_hash = generate_password_hash(new_password)
        # Whoever knew the old password may hold a session: end them all.
        user.session_generation += 1
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


def authenticate(
    username: str, password: str, device: login_security.KnownDevice | None = None
) -> User | None:
    """The user if the credentials match an active account; records the attempt either way.

    Raises LoginThrottled, without checking the password, while this username must wait
    after repeated failures from this client (`device` is the client's known-device
    cookie, if any); see workflow.login_security for the layers. Failures of real
    accounts are audited; unknown usernames and refused attempts only reach the
    security log, which the scheduler summarises into the trail.
    """
    name = (username or "").strip().lower()[:80]
    client_addr = audit.current_client_address()
    device_id = device.device_id if device is not None and device.username == name else None
    user = db.session.execute(sa.select(User).where(User.username == name)).scalar_one_or_none()
    wait = login_security.retry_after(name, user, client_addr, device_id)
    if wait is not None:
        with unit_of_work():
            login_security.log_attempt(SecurityEventKind.THROTTLED, name, client_addr, device_id)
        raise LoginThrottled(wait, "account")
    # Unknown usernames are checked against a dummy hash so they take as long to refuse.
    matches = check_password_hash(
        user.password_hash if user is not None else login_security.dummy_hash(), password
    )
    ok = user is not None and user.active and matches
    with unit_of_work():
        if ok:
            user.last_login_at = clock.now()
            audit.record(
                "user.login",
                actor=user,
                object_type="user",
                object_id=user.id,
            )
        elif user is not None:
            login_security.log_attempt(SecurityEventKind.BAD_PASSWORD, name, client_addr, device_id)
            audit.record(
                "user.login_failed",
                actor=None,
                object_type="user",
                object_id=user.id,
                after={"username": name},
            )
        else:
            login_security.log_attempt(SecurityEventKind.UNKNOWN_USER, name, client_addr, device_id)
    if ok:
        return user
    if login_security.address_is_spraying(client_addr):
        raise LoginThrottled(login_security.ADDRESS_WINDOW, "address")
    return None


def record_logout(user: User) -> None:
    """End every session of the user (all browsers) and note it in the trail."""
    with unit_of_work():
        # A copied session cookie must not outlive the logout (review M3).
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(session_generation=User.session_generation + 1)
        )
        audit.record("user.logout", actor=user, object_type="user", object_id=user.id)
