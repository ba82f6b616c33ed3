"""The plan-editing pages through the test client: forms, CSRF, refusals, what is shown."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import AuditEvent, Plan, PlanStatus, TaskState, Unit, db
from tests.foundation.helpers import find_task
from tests.foundation.web import csrf_token, login
from tests.imports.helpers import login as sign_in

PLAN = "4403/KH-SGDĐT"


def unit_id(code: str) -> int:
    return db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalar_one()


def plan_4403() -> Plan:
    return db.session.execute(sa.select(Plan).where(Plan.number == PLAN)).scalar_one()


def test_create_a_plan_by_hand_through_the_form(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    listing = client.get("/plans/").get_data(as_text=True)
    assert 'id="new-plan"' in listing
    page = client.get("/plans/new").get_data(as_text=True)
    assert 'name="items-2-title"' in page and 'name="items-3-title"' not in page
    token = csrf_token(page)
    more = client.post(
        "/plans/new", data={"csrf_token": token, "action": "more", "title": "x"}
    ).get_data(as_text=True)
    assert 'name="items-5-title"' in more
    data = {
        "csrf_token": token,
        "action": "create",
        "number": "20/KH-GDTX",
        "issued_on": "2025-03-05",
        "issuer": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "tracking_unit_id": str(unit_id("GDTX")),
        "title": "Kế hoạch tuyên truyền học tập suốt đời năm 2025",
        "year": "2025",
        "period": "",
        "items-0-number": "1",
        "items-0-title": "Tuyên truyền trên báo, đài",
        "items-0-leads": "Văn phòng Sở",
        "items-0-coordinating": "HTV\r\nVOH",
        "items-0-timeframe": "Quý III năm 2025",
        "items-1-number": "2",
        "items-1-title": "Tổng kết",
        "items-1-leads": "GDTX",
        "items-1-due_on": "2025-12-15",
        # items-2 left blank: skipped
    }
    response = client.post("/plans/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = db.session.execute(sa.select(Plan).where(Plan.number == "20/KH-GDTX")).scalar_one()
    assert response.headers["Location"].endswith(f"/plans/{plan.id}")
    shown = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Đã tạo kế hoạch với 2 nhiệm vụ." in shown
    assert "Tuyên truyền trên báo, đài" in shown and 'id="add-item"' in shown


def test_a_refused_plan_shows_the_message_and_keeps_what_was_typed(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    token = csrf_token(client.get("/plans/new").get_data(as_text=True))
    before = db.session.execute(sa.select(sa.func.count(Plan.id))).scalar_one()
    response = client.post(
        "/plans/new",
        data={
            "csrf_token": token,
            "action": "create",
            "tracking_unit_id": str(unit_id("GDTX")),
            "title": "Kế hoạch thử",
            "items-0-number": "1",
            "items-0-title": "Việc một",
            "items-0-leads": "Phòng Không Tồn Tại",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Không tìm thấy đơn vị «Phòng Không Tồn Tại» trong danh mục" in page
    assert "Việc một" in page
    assert db.session.execute(sa.select(sa.func.count(Plan.id))).scalar_one() == before


def test_members_and_inspectors_get_no_editing(client):  # noqa: ANN001
    plan = plan_4403()
    task = find_task(PLAN, "3")
    for who in ("gdtx.member", "sgddt.inspector"):
        sign_in(client, who)
        assert client.get("/plans/new").status_code == 403
        assert client.get(f"/plans/{plan.id}/edit").status_code == 403
        assert client.get(f"/plans/{plan.id}/items/new").status_code == 403
        assert client.get(f"/plans/{plan.id}/items/{task.id}/edit").status_code == 403
        assert client.get(f"/plans/{plan.id}/withdraw").status_code == 403
        shown = client.get(f"/plans/{plan.id}").get_data(as_text=True)
        assert 'id="add-item"' not in shown and "move-up" not in shown


def test_add_edit_move_and_remove_items_through_the_pages(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    plan = plan_4403()
    page = client.get(f"/plans/{plan.id}/items/new").get_data(as_text=True)
    response = client.post(
        f"/plans/{plan.id}/items/new",
        data={
            "csrf_token": csrf_token(page),
            "number": "12",
            "title": "Sơ kết 6 tháng",
            "leads": "Phòng Tổ chức cán bộ",
            "timeframe": "tháng 7 năm 2025",
            "reason": "Bổ sung theo chỉ đạo của Giám đốc Sở",
        },
    )
    assert response.status_code == 302
    added = find_task(PLAN, "12")
    assert added.due_on.isoformat() == "2025-07-31"

    task = find_task(PLAN, "3")
    page = client.get(f"/plans/{plan.id}/items/{task.id}/edit").get_data(as_text=True)
    assert "Phòng Giáo dục Trung học" in page  # the current lead, ready to change
    fields = {
        "csrf_token": csrf_token(page),
        "version": str(task.version),
        "number": "3",
        "title": task.title,
        "leads": "TCCB",
        "coordinating": "",
        "timeframe": task.timeframe_text or "",
        "due_on": task.due_on.isoformat() if task.due_on else "",
        "content": task.content or "",
        "reason": "",
    }
    assert client.post(f"/plans/{plan.id}/items/{task.id}/edit", data=fields).status_code == 302
    db.session.expire_all()
    assert find_task(PLAN, "3").lead_unit_id == unit_id("TCCB")
    # The same form again holds a stale version: refused, nothing changed.
    fields["leads"] = "KHTC"
    stale = client.post(f"/plans/{plan.id}/items/{task.id}/edit", data=fields)
    assert stale.status_code == 400
    assert "người khác thay đổi" in stale.get_data(as_text=True)

    shown = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    task = find_task(PLAN, "3")
    order = re.findall(r'<tr class="item" id="item-([^"]+)"', shown)
    client.post(
        f"/plans/{plan.id}/items/{task.id}/move",
        data={"csrf_token": csrf_token(shown), "version": task.version, "direction": "up"},
    )
    moved = re.findall(
        r'<tr class="item" id="item-([^"]+)"',
        client.get(f"/plans/{plan.id}").get_data(as_text=True),
    )
    i = order.index("3")
    assert moved[i - 1] == "3" and moved[i] == order[i - 1]

    task = find_task(PLAN, "3")
    page = client.get(f"/plans/{plan.id}/items/{task.id}/edit").get_data(as_text=True)
    no_reason = client.post(
        f"/plans/{plan.id}/items/{task.id}/remove",
        data={"csrf_token": csrf_token(page), "version": task.version, "reason": ""},
    )
    assert no_reason.status_code == 302
    assert find_task(PLAN, "3").state != TaskState.CANCELLED
    client.post(
        f"/plans/{plan.id}/items/{task.id}/remove",
        data={"csrf_token": csrf_token(page), "version": task.version, "reason": "Trùng mục 4"},
    )
    db.session.expire_all()
    assert find_task(PLAN, "3").state == TaskState.CANCELLED
    actions = set(
        db.session.execute(
            sa.select(AuditEvent.action).where(AuditEvent.plan_id == plan.id)
        ).scalars()
    )
    assert {"task.create", "task.update", "task.move", "task.cancel"} <= actions


def test_withdraw_a_plan_through_its_page(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    plan = plan_4403()
    page = client.get(f"/plans/{plan.id}/withdraw").get_data(as_text=True)
    assert "Thu hồi kế hoạch" in page
    refused = client.post(
        f"/plans/{plan.id}/withdraw",
        data={"csrf_token": csrf_token(page), "version": plan.version, "reason": ""},
    )
    assert refused.status_code == 400 and "Hãy nêu lý do." in refused.get_data(as_text=True)
    response = client.post(
        f"/plans/{plan.id}/withdraw",
        data={"csrf_token": csrf_token(page), "version": plan.version, "reason": "Nhập nhầm"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status == PlanStatus.WITHDRAWN
    shown = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'id="plan-withdrawn"' in shown and 'id="add-item"' not in shown
    assert "Đã thu hồi" in client.get("/plans/").get_data(as_text=True)
    assert client.get(f"/plans/{plan.id}/withdraw").status_code == 403
    # The inspector reads the plan and the withdrawal in the trail.
    sign_in(client, "sgddt.inspector")
    assert client.get(f"/plans/{plan.id}").status_code == 200
    trail = client.get(f"/audit?plan={plan.id}").get_data(as_text=True)
    assert "Thu hồi kế hoạch" in trail and "Nhập nhầm" in trail


def test_the_dashboard_shows_tasks_without_a_deadline(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="fig-no-deadline"' in page
    count = int(re.search(r'id="fig-no-deadline"><span class="num">(\d+)', page).group(1))
    listing = client.get("/tasks/?no_due=1&leaves=1").get_data(as_text=True)
    assert f"{count} nhiệm vụ" in listing
    if count:
        assert "chưa có hạn" in listing


def test_edit_the_plan_header_through_its_page(client):  # noqa: ANN001
    login(client, "gdtx.coordinator")
    plan = plan_4403()
    page = client.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    assert f'value="{PLAN}"' in page and plan.issuer_name in page
    response = client.post(
        f"/plans/{plan.id}/edit",
        data={
            "csrf_token": csrf_token(page),
            "version": plan.version,
            "number": PLAN,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else "",
            "issuer": plan.issuer_name,
            "tracking_unit_id": plan.tracking_unit_id,
            "title": "Tiêu đề đã sửa",
            "year": plan.year or "",
            "period": plan.period or "",
            "reason": "Sửa trích yếu theo bản chính",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).title == "Tiêu đề đã sửa"
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "plan.update")
    ).scalar_one()
    assert event.reason == "Sửa trích yếu theo bản chính"
    assert event.after["title"] == "Tiêu đề đã sửa" and "number" not in event.after
