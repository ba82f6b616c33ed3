"""Background jobs in a real browser: the progress page's script (static/job.js, allowed by
the CSP) polls until the worker is done, then leads to the review page or the download."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import Plan, db
from tests.browser.test_scenario import Session
from tests.imports.helpers import SEED_4403


def test_upload_and_pack_wait_on_the_job_page_then_continue(
    browser, live_server, screenshots, queue_worker
):
    s = Session(browser, live_server, screenshots)
    s.login("gdtx.coordinator")
    s.open("/imports/new")
    s.page.set_input_files("#document", str(SEED_4403))
    s.page.click("main form.card button[type=submit]")
    s.page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    # No worker yet: the page says the document waits its turn, and keeps polling.
    assert "Đang chờ đến lượt xử lý" in s.page.inner_text("#job-state")
    s.shot("job-waiting")
    queue_worker.start()
    s.page.wait_for_url(re.compile(r".*/imports/[A-Za-z0-9_-]{20,}$"), timeout=60_000)
    assert "Đã đọc xong văn bản" in s.flash()
    assert s.page.locator('tr[class^="item"]').count() == 11

    plan_id = db.session.execute(
        sa.select(Plan.id).where(Plan.number == "4403/KH-SGDĐT")
    ).scalar_one()
    s.page.goto(f"{live_server}/plans/{plan_id}/inspection-pack.zip?year=2024")
    s.page.wait_for_url(re.compile(r".*/jobs/\d+$"))
    s.page.locator("#job-result").wait_for(timeout=60_000)
    assert "tệp sẵn sàng" in s.flash()
    with s.page.expect_download() as info:
        s.page.click("#job-result")
    assert info.value.suggested_filename == f"ho-so-kiem-tra-ke-hoach-{plan_id}.zip"
    s.shot("job-done")
    s.close()
