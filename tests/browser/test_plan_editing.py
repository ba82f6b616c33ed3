"""Issue 10's browser test for plans by hand: import a plan through the worker, fix a unit
in the preview, confirm; add an item by hand, edit another, withdraw the plan; the audit
page shows each step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Plan, PlanStatus, Task, TaskState, Unit, db
from tests.browser.test_scenario import Session

NUMBER = "77/KH-SGDĐT"
UNKNOWN = "Ban Biên tập Bản tin Thư viện Trường học"

PLAN_TEXT = f"""ỦY BAN NHÂN DÂN                         CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
THÀNH PHỐ HỒ CHÍ MINH                       Độc lập - Tự do - Hạnh phúc
SỞ GIÁO DỤC VÀ ĐÀO TẠO

Số: {NUMBER}                 Thành phố Hồ Chí Minh, ngày 10 tháng 3 năm 2025

KẾ HOẠCH
Phát triển văn hóa đọc trong trường học năm 2025

I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
Nâng cao thói quen đọc sách của học sinh.

II. NHIỆM VỤ VÀ GIẢI PHÁP
1. Xây dựng thư viện thân thiện tại các trường trung học.
Đơn vị chủ trì: Phòng Giáo dục Trung học.
Đơn vị phối hợp: Phòng Kế hoạch tài chính.
Thời gian thực hiện: Quý II năm 2025.

2. Tổ chức Ngày hội đọc sách cấp Thành phố.
Đơn vị chủ trì: Phòng Giáo dục Tiểu học.
Đơn vị phối hợp: {UNKNOWN}.
Thời gian thực hiện: Quý III năm 2025.

3. Bồi dưỡng cán bộ thư viện về chuyển đổi số.
Đơn vị chủ trì: Phòng Tổ chức cán bộ.
Thời gian thực hiện: Quý IV năm 2025.

III. TỔ CHỨC THỰC HIỆN
Các đơn vị triển khai thực hiện Kế hoạch này.
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "ke-hoach-van-hoa-doc.txt"
    path.write_text(PLAN_TEXT, encoding="utf-8")
    return path


def _unit(code: str) -> int:
    return db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalar_one()


def _plan() -> Plan:
    db.session.expire_all()
    return db.session.execute(sa.select(Plan).where(Plan.number == NUMBER)).scalar_one()


def _task(plan: Plan, number: str) -> Task:
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan.id, Task.number == number, Task.parent_id.is_(None)
        )
    ).scalar_one()


def _submit(s: Session, selector: str) -> None:
    with s.page.expect_navigation():
        s.page.click(selector)
    s.check_page(selector)


def test_import_fix_a_unit_then_add_edit_withdraw_and_read_the_trail(
    browser, live_server, screenshots, queue_worker, plan_file
):
    s = Session(browser, live_server, screenshots, viewport={"width": 1280, "height": 900})
    s.login("gdtx.coordinator")

    # Import through the worker.
    s.open("/imports/new")
    s.page.set_input_files("#document", str(plan_file))
    s.page.click("main form.card button[type=submit]")
    s.page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    queue_worker.start()
    s.page.wait_for_url(re.compile(r".*/imports/[A-Za-z0-9_-]{20,}$"), timeout=60_000)
    s.check_page("review")
    assert s.page.locator("tr.item").count() == 3

    # Fix the unit the directory does not know, and say who tracks the plan; preview.
    s.page.get_by_label(re.compile(re.escape(UNKNOWN))).select_option(f"unit:{_unit('TTTT')}")
    s.page.select_option("#tracking_unit", f"unit:{_unit('GDTX')}")
    _submit(s, "button[name=action][value=preview]")
    mapped = s.page.get_by_label(re.compile(re.escape(UNKNOWN)))
    assert mapped.input_value() == f"unit:{_unit('TTTT')}"
    s.shot("plan-editing-preview")
    _submit(s, "button[name=action][value=create]")
    assert "Đã nhập kế hoạch với 3 nhiệm vụ." in s.flash()
    plan = _plan()
    two = _task(plan, "2")
    assert [tu.unit_id for tu in two.units if tu.role == "coordinating"] == [_unit("TTTT")]

    # Add an item by hand.
    _submit(s, "#add-item")
    s.page.fill("#number", "4")
    s.page.fill("#title", "Tổng kết, khen thưởng các thư viện tiêu biểu")
    s.page.fill("#leads", "Văn phòng Sở")
    s.page.fill("#coordinating", "Phòng Giáo dục Trung học\nPhòng Giáo dục Tiểu học")
    s.page.fill("#timeframe", "Quý IV năm 2025")
    s.page.fill("#reason", "Bổ sung theo chỉ đạo của Giám đốc Sở")
    _submit(s, "#item-form button[type=submit]")
    assert "Đã thêm nhiệm vụ." in s.flash()
    assert s.page.locator('tr.item[id="item-4"]').count() == 1
    added = _task(_plan(), "4")
    assert added.lead_unit_id == _unit("VPS") and str(added.due_on) == "2025-12-31"

    # Edit another: its title and its lead.
    _submit(s, f"#edit-item-{two.id}")
    s.page.fill("#title", "Tổ chức Ngày hội đọc sách cấp Thành phố lần thứ nhất")
    s.page.fill("#leads", "Phòng Giáo dục Mầm non")
    s.page.fill("#reason", "Văn bản đính chính số 80/SGDĐT")
    _submit(s, "#item-form button[type=submit]")
    assert "Đã sửa nhiệm vụ." in s.flash()
    two = _task(_plan(), "2")
    assert two.title.endswith("lần thứ nhất") and two.lead_unit_id == _unit("GDMN")
    s.shot("plan-editing-edited")

    # Withdraw the plan.
    _submit(s, "#withdraw-plan")
    s.page.fill("#withdraw-reason", "Nhập nhầm bản dự thảo")
    _submit(s, "#withdraw-form button[type=submit]")
    assert "Đã thu hồi kế hoạch; 4 nhiệm vụ đang mở đã được hủy." in s.flash()
    assert s.page.locator("#plan-withdrawn").count() == 1
    plan = _plan()
    assert plan.status == PlanStatus.WITHDRAWN
    states = db.session.execute(sa.select(Task.state).where(Task.plan_id == plan.id)).scalars()
    assert set(states) == {TaskState.CANCELLED}
    s.shot("plan-editing-withdrawn")
    s.logout()

    # The inspector reads every step in the audit trail.
    s.login("sgddt.inspector")
    s.open(f"/audit?plan={plan.id}")
    rows = s.page.locator("table tbody tr").all_inner_texts()

    def steps(label: str, reason: str | None = None) -> list[str]:
        return [r for r in rows if label in r and (reason is None or reason in r)]

    assert len(steps("Tạo kế hoạch")) == 1
    assert len(steps("Tạo nhiệm vụ")) == 4
    assert steps("Tạo nhiệm vụ", "Bổ sung theo chỉ đạo của Giám đốc Sở")
    assert steps("Sửa nhiệm vụ", "Văn bản đính chính số 80/SGDĐT")
    assert steps("Thu hồi kế hoạch", "Nhập nhầm bản dự thảo")
    assert len(steps("Hủy nhiệm vụ", "Nhập nhầm bản dự thảo")) == 4
    s.shot("plan-editing-audit")
    # The unit fixed in the preview was saved as an alias, audited too.
    s.open("/audit?action=unit.alias")
    assert f"Gán khi nhập kế hoạch {NUMBER}" in s.page.inner_text("main")
    # The plan is still listed, marked withdrawn.
    s.open("/plans/")
    assert "Đã thu hồi" in s.page.inner_text("#plan-list")
    s.close()


def test_a_plan_typed_by_hand_and_its_task_without_a_deadline(browser, live_server, screenshots):
    s = Session(browser, live_server, screenshots, viewport={"width": 1280, "height": 900})
    s.login("gdtx.coordinator")
    s.open("/plans/")
    _submit(s, "#new-plan")
    s.page.fill("#number", "90/KH-GDTX")
    s.page.fill("#issued_on", "2025-04-01")
    s.page.fill("#issuer", "Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học")
    s.page.select_option("#tracking_unit_id", str(_unit("GDTX")))
    s.page.fill("#title", "Kế hoạch khảo sát nhu cầu học tập của người lớn")
    s.page.fill("#items-0-number", "1")
    s.page.fill("#items-0-title", "Khảo sát tại các quận, huyện")
    s.page.fill("#items-0-leads", "Phòng Giáo dục và Đào tạo thành phố Thủ Đức và các quận, huyện")
    s.page.fill("#items-0-timeframe", "Quý III năm 2025")
    s.page.fill("#items-1-number", "2")
    s.page.fill("#items-1-title", "Đề xuất mô hình học tập mới")
    s.page.fill("#items-1-leads", "GDTX")
    s.shot("plan-new")
    _submit(s, "#plan-create")
    assert "Đã tạo kế hoạch với 2 nhiệm vụ." in s.flash()
    plan = db.session.execute(sa.select(Plan).where(Plan.number == "90/KH-GDTX")).scalar_one()
    assert len(_task(plan, "1").subtasks) == 22  # the group fans out
    s.open(f"/dashboard/?plan={plan.id}")
    assert s.page.inner_text("#fig-no-deadline .num") == "1"
    _submit(s, "#fig-no-deadline")
    assert "chưa có hạn" in s.page.inner_text("main")
    assert "Đề xuất mô hình học tập mới" in s.page.inner_text("main")
    s.close()
