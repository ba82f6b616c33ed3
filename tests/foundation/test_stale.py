"""Optimistic locking: a change made on a stale version is refused and writes nothing."""

from __future__ import annotations

import pytest

from models import Task, TaskState, db
from tests.foundation.helpers import event_count, find_task
from workflow import task_reports
from workflow import tasks as svc
from workflow.errors import StaleObject


def test_stale_version_is_refused_and_writes_nothing(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "2.1")
    seen_version = task.version
    svc.start_task(task.id, users("gdtx.member"), expected_version=seen_version)
    task_reports.submit_report(task.id, users("gdtx.member"), expected_version=None, text="Báo cáo")
    before = event_count()
    # The coordinator's page was loaded before the start and the report.
    with pytest.raises(StaleObject, match="tải lại"):
        svc.return_task(
            task.id, users("gdtx.coordinator"), expected_version=seen_version, reason="Thiếu"
        )
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == TaskState.REPORTED
    assert event_count() == before


def test_each_change_bumps_the_version(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "2.1")
    v0 = task.version
    r1 = svc.start_task(task.id, users("gdtx.member"), expected_version=v0)
    assert r1.version == v0 + 1
    with pytest.raises(StaleObject):
        task_reports.submit_report(task.id, users("gdtx.member"), expected_version=v0, text="x")
    r2 = task_reports.submit_report(
        task.id, users("gdtx.member"), expected_version=r1.version, text="x"
    )
    assert r2.version == r1.version + 1
