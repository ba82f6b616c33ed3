"""The bulk bar in a real browser (Debian's Chromium): "select all on this page" checks
every row, the count follows, the chosen action runs and says what it did; reassigning asks
on its own page and once more before it is sent, and saying no changes nothing."""

from __future__ import annotations

from pathlib import Path

from models import TaskState
from tests.browser.test_scenario import Session
from tests.lists.helpers import snapshot, tasks_led_by, unit_id


def test_select_all_then_start_and_reassign_asks_first(browser, live_server, tmp_path: Path):  # noqa: ANN001
    assigned = [t.id for t in tasks_led_by("GDTX", TaskState.ASSIGNED, 2)]
    s = Session(browser, live_server, tmp_path, viewport={"width": 1280, "height": 900})
    s.login("gdtx.member")
    boxes = s.page.locator('#lead input[name="ids"][form="bulk-form"]')
    total = s.page.locator('input[name="ids"][form="bulk-form"]').count()
    assert boxes.count() > 0
    s.page.check("input.bulk-all[data-bulk-scope=page]")
    assert s.page.locator('input[name="ids"][form="bulk-form"]:checked').count() == total
    assert s.page.inner_text(".bulk-count") == f"{total} / {total}"
    # One row off: the page box is neither on nor off.
    s.page.uncheck(f'input[name="ids"][value="{assigned[0]}"]')
    assert s.page.evaluate(
        "document.querySelector('input.bulk-all[data-bulk-scope=page]').indeterminate"
    )
    s.page.select_option("#bulk-action", "start")
    s.page.click("#bulk-form button[type=submit]")
    s.page.wait_for_url("**/my-tasks")
    said = s.flash()
    assert "Đã bắt đầu" in said
    after = snapshot(assigned)
    assert after[assigned[0]][0] == TaskState.ASSIGNED  # left unchecked
    assert after[assigned[1]][0] == TaskState.IN_PROGRESS
    s.logout()

    s.login("gdtx.coordinator")
    s.page.check(f'input[name="ids"][value="{assigned[0]}"]')
    s.page.select_option("#bulk-action", "reassign")
    s.page.click("#bulk-form button[type=submit]")
    s.page.wait_for_selector("#reassign-tasks")
    s.check_page("reassign")
    s.page.select_option("#r-unit", str(unit_id("TCCB")))
    s.page.fill("#r-reason", "Đúng chức năng")
    # Saying no to the question sends nothing.
    s.page.evaluate("window.confirm = () => false")
    s.page.click("form[data-confirm] button[type=submit]")
    assert snapshot([assigned[0]])[assigned[0]][1] == unit_id("GDTX")
    s.page.evaluate("window.confirm = () => true")
    s.page.click("form[data-confirm] button[type=submit]")
    s.page.wait_for_url("**/my-tasks**")
    assert "Đã giao lại 1 nhiệm vụ" in s.flash()
    assert snapshot([assigned[0]])[assigned[0]][1] == unit_id("TCCB")
    s.close()
