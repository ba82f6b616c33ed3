"""The task page in a real browser: the action bar opens its forms on demand, verify asks
before it is sent, a comment with an @mention lands at the end of the thread, and the page
fits a desktop and a phone screen (screenshots for docs/screenshots/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import TaskState, db
from tests.browser.test_scenario import Session
from tests.foundation.helpers import find_task
from workflow import comments, task_reports
from workflow import tasks as task_service

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# 4403/KH-SGDĐT item 2: TCCB leads, Công đoàn ngành coordinates, GDTX tracks the plan.
PLAN, ITEM = "4403/KH-SGDĐT", "2"
MENTION_TEXT = "Nhờ @gdtx.coordinator xem giúp danh sách; @thcs-lqd8.member không liên quan."


def _task():  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return find_task(PLAN, ITEM)


@pytest.fixture
def started(demo_app, users):  # type: ignore[no-untyped-def]  # noqa: ANN001
    """The task started by its lead unit, with a contribution and a first comment, so the
    thread holds one of each kind of row."""
    task = find_task(PLAN, ITEM)
    task_service.start_task(task.id, users("tccb.member"), expected_version=None)
    task_reports.add_contribution(
        task.id, users("cdn.member"), text="Công đoàn ngành gửi danh sách cán bộ đề cử."
    )
    comments.add_comment(
        task.id, users("gdtx.coordinator"), text="@TCCB lưu ý hạn nộp báo cáo quý."
    )
    return task.id


def test_action_bar_comment_with_mention_and_screenshots(browser, live_server, started):  # noqa: ANN001
    shots = DOCS
    shots.mkdir(parents=True, exist_ok=True)
    s = Session(browser, live_server, shots, viewport={"width": 1280, "height": 900})
    s.login("tccb.member")
    s.open(f"/tasks/{started}")

    # The report form is closed until its button in the action bar is pressed.
    assert not s.page.is_visible("#report-text")
    s.page.click("#report > summary")
    assert s.page.is_visible("#report-text")
    s.page.fill("#report-text", "Đã lập danh sách 35 cán bộ dự nguồn.")
    with s.page.expect_navigation():
        s.page.click("button.btn-report")
    assert "Đã gửi báo cáo." in s.flash()
    assert _task().state == TaskState.REPORTED

    # A comment with two mentions: one person who sees the task, one who does not.
    s.page.fill("#comment-text", MENTION_TEXT)
    with s.page.expect_navigation():
        s.page.click("button.btn-comment")
    assert "Đã gửi bình luận." in s.flash()
    last = s.page.locator("ol.timeline > li").last
    assert "entry-comment" in (last.get_attribute("class") or "")
    assert "Nhờ" in last.inner_text() and "xem giúp danh sách" in last.inner_text()
    links = last.locator("a.mention")
    assert links.all_inner_texts() == ["@gdtx.coordinator"]
    assert "@thcs-lqd8.member" in last.inner_text()
    # The thread reads oldest first: the report comes before the comment.
    kinds = [
        c.split()[1]
        for c in s.page.locator("ol.timeline > li").evaluate_all(
            "items => items.map(i => i.className)"
        )
    ]
    assert kinds.index("entry-report") < len(kinds) - 1 and kinds[-1] == "entry-comment"

    # The author edits it; the thread says it was edited.
    last.locator("details.edit-comment > summary").click()
    last.locator("textarea").fill(MENTION_TEXT + " Cảm ơn.")
    with s.page.expect_navigation():
        last.locator("button[type=submit]").click()
    assert "Đã sửa bình luận." in s.flash()
    assert "đã sửa" in s.page.locator("ol.timeline > li").last.inner_text()
    s.logout()

    # The tracking coordinator: verify asks first; saying no sends nothing.
    s.login("gdtx.coordinator")
    s.open(f"/tasks/{started}")
    s.page.click("#act-verify > summary")
    s.page.evaluate("window.confirm = () => false")
    s.page.click("button.btn-verify")
    assert _task().state == TaskState.REPORTED
    # The same question from the unit page's in-place verify button.
    s.open("/my-tasks")
    in_place = s.page.locator(
        f'li.task-row[data-task="{started}"] form[data-confirm] button.btn-verify'
    )
    assert in_place.count() >= 1
    s.page.evaluate("window.confirm = () => false")
    in_place.first.click()
    assert _task().state == TaskState.REPORTED
    s.open(f"/tasks/{started}")
    s.page.click("#act-return > summary")
    assert s.page.is_visible("#reason-return")
    # Opening another action closes this one (one form at a time in the bar).
    s.page.click("#act-due > summary")
    assert s.page.is_visible("#due-reason")
    # The other panel closes on the "toggle" event, which fires after the click returns.
    s.page.wait_for_selector("#reason-return", state="hidden", timeout=5000)
    s.page.click("#act-due > summary")
    s.page.click("#act-return > summary")  # the screenshot shows an open panel
    s.page.screenshot(path=str(shots / "task-page-desktop.png"), full_page=True)
    s.close()

    phone = Session(
        browser, live_server, shots, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    phone.login("gdtx.coordinator")
    phone.open(f"/tasks/{started}")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    phone.page.screenshot(path=str(shots / "task-page-phone.png"), full_page=True)
    phone.close()
