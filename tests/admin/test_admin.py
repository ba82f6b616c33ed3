"""Administration through the web: units, groups, aliases, users — each change audited."""

from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, Role, Unit, UnitAlias, UnitGroup, User, db
from tests.foundation.web import csrf_token, login, logout


def _last_event(action: str) -> AuditEvent:
    return (
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )


def _unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _post(client, url: str, data: dict, page_url: str | None = None):  # noqa: ANN001
    page = client.get(page_url or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data}, follow_redirects=True)


def test_admin_pages_are_for_admins_only(client):
    login(client, "gdtx.coordinator")
    for url in ("/admin/", "/admin/units", "/admin/groups", "/admin/users"):
        assert client.get(url).status_code == 403, url
    logout(client)
    login(client, "sgddt.admin")
    home = client.get("/my-tasks").get_data(as_text=True)
    assert 'href="/admin/"' in home  # the header links to administration
    page = client.get("/admin/").get_data(as_text=True)
    assert "/admin/outbox/" in page and "/admin/users" in page


def test_unit_tree_shows_children_under_their_parent(client):
    login(client, "sgddt.admin")
    html = client.get("/admin/units").get_data(as_text=True)
    sgd, gdtx = _unit("SGDDT"), _unit("GDTX")
    assert gdtx.parent_id == sgd.id
    # The child is listed inside its parent's <li>, i.e. after it and nested in a sub-list.
    parent_at = html.index(sgd.name)
    child_at = html.index(gdtx.name)
    assert parent_at < child_at
    assert '<ul class="tree">' in html[parent_at:child_at]


def test_edit_unit_is_audited_and_refuses_a_cycle(client):
    login(client, "sgddt.admin")
    sgd, gdtx = _unit("SGDDT"), _unit("GDTX")
    url = f"/admin/units/{gdtx.id}"
    response = _post(
        client,
        url,
        {
            "name": gdtx.name,
            "kind": "department",
            "parent_id": str(sgd.id),
            "email": "gdtx@example.vn",
            "active": "y",
        },
    )
    assert "Đã lưu đơn vị." in response.get_data(as_text=True)
    db.session.expire_all()
    assert _unit("GDTX").email == "gdtx@example.vn"
    event = _last_event("unit.update")
    assert event.object_id == gdtx.id and event.after["email"] == "gdtx@example.vn"
    assert event.actor_name == db.session.get(User, event.actor_id).full_name

    # SGDDT under its own child would make a loop: refused, nothing written.
    before = db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()
    response = _post(
        client,
        f"/admin/units/{sgd.id}",
        {"name": sgd.name, "kind": "authority", "parent_id": str(gdtx.id), "active": "y"},
    )
    assert "không thể là chính nó" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _unit("SGDDT").parent_id != gdtx.id
    assert db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one() == before


def test_deactivate_unit_and_create_a_new_one(client):
    login(client, "sgddt.admin")
    gdtx = _unit("GDTX")
    _post(
        client,
        f"/admin/units/{gdtx.id}",
        {"name": gdtx.name, "kind": "department", "parent_id": str(gdtx.parent_id)},
    )
    db.session.expire_all()
    assert _unit("GDTX").active is False
    assert _last_event("unit.update").after["active"] is False

    response = _post(
        client,
        "/admin/units/new",
        {
            "code": "thcs-tn",
            "name": "Trường THCS Thử Nghiệm",
            "kind": "school",
            "parent_id": str(_unit("SGDDT").id),
        },
    )
    assert "Đã thêm đơn vị." in response.get_data(as_text=True)
    created = _unit("THCS-TN")
    assert created.parent_id == _unit("SGDDT").id
    assert _last_event("unit.create").object_id == created.id


def test_add_and_remove_alias(client):
    login(client, "sgddt.admin")
    gdtx = _unit("GDTX")
    url = f"/admin/units/{gdtx.id}"
    response = _post(client, f"{url}/aliases", {"alias-text": "Phòng GDTX-CN"}, page_url=url)
    assert "Đã thêm tên gọi khác." in response.get_data(as_text=True)
    alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.text == "Phòng GDTX-CN")
    ).scalar_one()
    assert alias.unit_id == gdtx.id

    # The same spelling for another unit is refused.
    tccb = _unit("TCCB")
    response = _post(
        client,
        f"/admin/units/{tccb.id}/aliases",
        {"alias-text": "phong gdtx-cn"},
        page_url=f"/admin/units/{tccb.id}",
    )
    assert "đã được gán" in response.get_data(as_text=True)

    response = _post(client, f"/admin/aliases/{alias.id}/delete", {}, page_url=url)
    assert "Đã xóa tên gọi khác." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(UnitAlias, alias.id) is None
    event = _last_event("unit.alias_remove")
    assert event.object_id == gdtx.id and event.before["alias"] == "Phòng GDTX-CN"


def test_group_members_change_is_audited(client):
    login(client, "sgddt.admin")
    group = db.session.execute(
        sa.select(UnitGroup).where(UnitGroup.code == "G-PHONG-SO")
    ).scalar_one()
    keep = [u.id for u in group.members][:2]
    url = f"/admin/groups/{group.id}"
    response = _post(client, url, {"name": group.name, "members": [str(i) for i in keep]})
    assert "Đã lưu nhóm đơn vị." in response.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(u.id for u in db.session.get(UnitGroup, group.id).members) == sorted(keep)
    event = _last_event("group.update")
    assert event.object_id == group.id and len(event.after["members"]) == 2

    response = _post(client, f"{url}/aliases", {"alias-text": "Các phòng Sở"}, page_url=url)
    assert "Các phòng Sở" in response.get_data(as_text=True)


def test_user_lifecycle(client):
    login(client, "sgddt.admin")
    response = _post(
        client,
        "/admin/users/new",
        {
            "username": "Q8.Staff",
            "full_name": "Nguyễn Văn An",
            "email": "an@example.vn",
            "unit_id": str(_unit("PGD-Q8").id),
            "role": "member",
            "password": "mat-khau-dau",
        },
    )
    assert "Đã tạo tài khoản." in response.get_data(as_text=True)
    user = db.session.execute(sa.select(User).where(User.username == "q8.staff")).scalar_one()
    assert _last_event("user.create").object_id == user.id

    # Change role and unit, then deactivate.
    url = f"/admin/users/{user.id}"
    _post(
        client,
        url,
        {
            "full_name": "Nguyễn Văn An",
            "email": "an@example.vn",
            "unit_id": str(_unit("TCCB").id),
            "role": "coordinator",
            "active": "y",
        },
    )
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.role == Role.COORDINATOR and user.unit_id == _unit("TCCB").id
    assert _last_event("user.update").after["role"] == "coordinator"
    _post(
        client,
        url,
        {"full_name": "Nguyễn Văn An", "unit_id": str(user.unit_id), "role": "coordinator"},
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False

    # The deactivated account cannot log in; reactivated with a reset password it can.
    response = _post(client, f"{url}/password", {"pw-new_password": "mat-khau-moi"}, url)
    assert "Đã đặt lại mật khẩu." in response.get_data(as_text=True)
    assert _last_event("user.password").object_id == user.id
    _post(
        client,
        url,
        {
            "full_name": "Nguyễn Văn An",
            "unit_id": str(user.unit_id),
            "role": "coordinator",
            "active": "y",
        },
    )
    logout(client)
    login(client, "q8.staff", "mat-khau-moi")
    assert client.get("/my-tasks").status_code == 200


def test_users_list_searches_and_admin_cannot_lock_self(client, users):
    login(client, "sgddt.admin")
    html = client.get("/admin/users?q=pgd-q8").get_data(as_text=True)
    assert "pgd-q8.member" in html and "gdtx.member" not in html
    admin = users("sgddt.admin")
    response = _post(
        client,
        f"/admin/users/{admin.id}",
        {"full_name": admin.full_name, "unit_id": str(admin.unit_id), "role": "admin"},
    )
    assert "Không thể tự khóa" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


def test_short_password_is_refused_without_a_change(client, users):
    login(client, "sgddt.admin")
    member = users("gdtx.member")
    old_hash = member.password_hash
    url = f"/admin/users/{member.id}"
    response = _post(client, f"{url}/password", {"pw-new_password": "short"}, url)
    assert "ít nhất 8 ký tự" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).password_hash == old_hash
