"""A district office administers its own schools' accounts, and no other district's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, Role, Unit, User, db
from tests.foundation.web import csrf_token, login, logout
from workflow import users as user_service
from workflow.errors import PermissionDenied


def _unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _new(username: str, unit_code: str, role: Role = Role.MEMBER) -> user_service.NewUser:
    return user_service.NewUser(
        username=username,
        full_name=f"Giáo viên {username}",
        email=f"{username}@example.vn",
        unit_id=_unit(unit_code).id,
        role=role,
        password="mat-khau-dai",
    )


def test_the_workflow_scopes_a_district_office_to_its_subtree(demo_app):  # noqa: ANN001
    q8 = _user("pgd-q8.coordinator")
    user_id = user_service.create_user(_new("gv.kimdong", "TH-KD8"), q8)
    event = db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.object_id == user_id
        )
    ).scalar_one()
    assert event.actor_id == q8.id
    user_service.update_user(user_id, q8, active=False)
    assert not db.session.get(User, user_id).active
    # Another district's school, the office itself, the Sở's departments: refused.
    for code in ("BTX", "PGD-Q8", "GDTX"):
        with pytest.raises(PermissionDenied, match="trực thuộc"):
            user_service.create_user(_new(f"x.{code.lower()}", code), q8)
    # No admin or inspector accounts, even in its own schools.
    with pytest.raises(PermissionDenied, match="thành viên hoặc điều phối viên"):
        user_service.create_user(_new("x.admin", "TH-KD8", Role.ADMIN), q8)
    # Nor moving its school's teacher to another district, nor touching another's users.
    with pytest.raises(PermissionDenied):
        user_service.update_user(user_id, q8, unit_id=_unit("BTX").id)
    other = user_service.create_user(_new("gv.btx", "BTX"), None)
    with pytest.raises(PermissionDenied):
        user_service.update_user(other, q8, active=False)
    with pytest.raises(PermissionDenied):
        user_service.change_password(other, q8, "mat-khau-moi-dai")
    # A member of the district office, or a coordinator of a department, manages nobody.
    for username in ("pgd-q8.member", "gdtx.coordinator"):
        with pytest.raises(PermissionDenied):
            user_service.create_user(_new(f"y.{username}", "TH-KD8"), _user(username))
    db.session.expire_all()
    assert db.session.get(User, other).active
    assert {u.username for u in db.session.execute(sa.select(User)).scalars()} >= {
        "gv.kimdong",
        "gv.btx",
    }
    assert db.session.execute(sa.select(User).where(User.username.like("x.%"))).first() is None


def test_the_district_page_creates_and_locks_its_schools_accounts(client):  # noqa: ANN001
    other = user_service.create_user(_new("gv.btx", "BTX"), None)
    login(client, "pgd-q8.coordinator")
    page = client.get("/directory/school-users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Trường Tiểu học Kim Đồng" in html and "Trường THPT Bùi Thị Xuân" not in html
    assert "gv.btx" not in html
    response = client.post(
        "/directory/school-users",
        data={
            "csrf_token": csrf_token(html),
            "username": "gv.hoami",
            "full_name": "Nguyễn Thị Hoa",
            "email": "hoa@example.vn",
            "unit_id": str(_unit("MN-HM8").id),
            "role": "member",
            "password": "mat-khau-dai",
        },
        follow_redirects=True,
    )
    assert "Đã tạo tài khoản." in response.get_data(as_text=True)
    created = _user("gv.hoami")
    assert created.unit_id == _unit("MN-HM8").id and created.role == Role.MEMBER
    # A school of another district, posted by hand, is refused with a message.
    html = client.get("/directory/school-users").get_data(as_text=True)
    response = client.post(
        "/directory/school-users",
        data={
            "csrf_token": csrf_token(html),
            "username": "gv.khac",
            "full_name": "Người khác",
            "email": "",
            "unit_id": str(_unit("BTX").id),
            "role": "member",
            "password": "mat-khau-dai",
        },
        follow_redirects=True,
    )
    assert "các đơn vị trực thuộc mình" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(User).where(User.username == "gv.khac")).first() is None
    # Lock its own school's account; another district's gets 403 and stays as it was.
    token = csrf_token(client.get("/directory/school-users").get_data(as_text=True))
    client.post(f"/directory/school-users/{created.id}/active", data={"csrf_token": token})
    db.session.expire_all()
    assert not db.session.get(User, created.id).active
    response = client.post(f"/directory/school-users/{other}/active", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, other).active
    logout(client)
    login(client, "pgd-q1.member")
    assert client.get("/directory/school-users").status_code == 403


def test_the_district_page_resets_its_schools_passwords_only(client):  # noqa: ANN001
    own = user_service.create_user(_new("gv.quenmk", "TH-KD8"), None)
    other = user_service.create_user(_new("gv.khacquan", "BTX"), None)
    other_hash = db.session.get(User, other).password_hash
    login(client, "pgd-q8.coordinator")
    token = csrf_token(client.get("/directory/school-users").get_data(as_text=True))
    response = client.post(
        f"/directory/school-users/{own}/password",
        data={"csrf_token": token, "password": "mat-khau-moi-dai"},
        follow_redirects=True,
    )
    assert "Đã đặt lại mật khẩu cho «gv.quenmk»." in response.get_data(as_text=True)
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "user.password")
    ).scalar_one()
    assert (event.object_id, event.actor_id) == (own, _user("pgd-q8.coordinator").id)
    # Another district's account: 403, its password as it was.
    refused = client.post(
        f"/directory/school-users/{other}/password",
        data={"csrf_token": token, "password": "mat-khau-moi-dai"},
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, other).password_hash == other_hash
    # A password the rules refuse: the message, nothing changed.
    short = client.post(
        f"/directory/school-users/{own}/password",
        data={"csrf_token": token, "password": "ngan"},
        follow_redirects=True,
    )
    assert short.status_code == 200 and "Đã đặt lại" not in short.get_data(as_text=True)
    # The teacher signs in with the new password.
    logout(client)
    login(client, "gv.quenmk", "mat-khau-moi-dai")
    assert client.get("/my-tasks").status_code == 200
