"""Issue 10, item 5 in a browser: the review page's compact rows — click a row to read its
source paragraph with the spans highlighted, split a row, remove another, confirm; the plan
page then holds exactly the rows kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from models import Plan, Task, db
from tests.browser.test_plan_editing import NUMBER, PLAN_TEXT, UNKNOWN, _submit, _unit
from tests.browser.test_scenario import Session

OTHER_NUMBER = "78/KH-SGDĐT"
SPLIT_TITLE = "Tổ chức cuộc thi giới thiệu sách hay"


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "ke-hoach-doc-sach.txt"
    path.write_text(PLAN_TEXT.replace(NUMBER, OTHER_NUMBER), encoding="utf-8")
    return path


def test_split_and_remove_rows_in_the_review_then_confirm(
    browser, live_server, screenshots, queue_worker, plan_file
):
    s = Session(browser, live_server, screenshots, viewport={"width": 1280, "height": 900})
    s.login("gdtx.coordinator")
    s.open("/imports/new")
    s.page.set_input_files("#document", str(plan_file))
    s.page.click("main form.card button[type=submit]")
    s.page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    queue_worker.start()
    s.page.wait_for_url(re.compile(r".*/imports/[A-Za-z0-9_-]{20,}$"), timeout=60_000)
    s.check_page("review")
    assert s.page.locator("tr.item").count() == 3
    s.page.select_option("#tracking_unit", f"unit:{_unit('GDTX')}")

    # Click row 2: its source paragraph opens beside it, the title's span highlighted.
    source = s.page.locator("#detail-items-1 details.source")
    assert source.get_attribute("open") is None
    s.page.locator("tr.item").nth(1).locator("td.num").click()
    assert source.get_attribute("open") is not None
    assert "Tổ chức Ngày hội đọc sách" in source.locator("mark").first.inner_text()
    s.shot("review-rows-source")

    # Map the unit the directory does not know: row 2 shows the unit at once (script).
    s.page.get_by_label(re.compile(re.escape(UNKNOWN))).select_option(f"unit:{_unit('TTTT')}")
    assert s.page.locator("tr.item").nth(1).locator(".unit.mapped").count() == 1

    # Split row 2: the second row gets its own title.
    s.page.locator("#detail-items-1 details.edit summary").click()
    s.page.fill("#items-1-split_title", SPLIT_TITLE)
    _submit(s, "button[name=action][value='split:items-1']")
    assert s.page.locator("tr.item").count() == 4
    assert SPLIT_TITLE in s.page.locator("tr.item").nth(2).inner_text()
    assert s.page.locator("tr.item .unit.mapped").count() == 2  # the server applied it too

    # Remove row 1: it stays on the page, marked and restorable.
    _submit(s, "button[name=action][value='remove:items-0']")
    assert s.page.locator("tr.item.excluded").count() == 1
    assert s.page.locator("button[name=action][value='restore:items-0']").count() == 1
    s.shot("review-rows-split-removed")

    _submit(s, "button[name=action][value=create]")
    assert "Đã nhập kế hoạch với 3 nhiệm vụ." in s.flash()
    db.session.expire_all()
    plan = db.session.execute(sa.select(Plan).where(Plan.number == OTHER_NUMBER)).scalar_one()
    tasks = db.session.execute(
        sa.select(Task.number, Task.title)
        .where(Task.plan_id == plan.id, Task.parent_id.is_(None))
        .order_by(Task.position)
    ).all()
    assert [t.number for t in tasks] == ["2", "2.1", "3"]
    assert tasks[1].title == SPLIT_TITLE
    for number in ("2", "2.1"):
        task = db.session.execute(
            sa.select(Task).where(
                Task.plan_id == plan.id, Task.number == number, Task.parent_id.is_(None)
            )
        ).scalar_one()
        assert [tu.unit_id for tu in task.units if tu.role == "coordinating"] == [_unit("TTTT")]
    page = s.page.inner_text("main")
    assert SPLIT_TITLE in page and "Xây dựng thư viện thân thiện" not in page
    assert s.page.locator("tr.item").count() == 3
    s.close()
