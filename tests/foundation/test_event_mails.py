"""Workflow transitions queue their event mails in the same transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import OutboxMessage, db
from tests.foundation.helpers import find_task
from workflow import task_reports
from workflow import tasks as svc
from workflow.errors import PermissionDenied


def _outbox(event: str) -> list[OutboxMessage]:
    return list(
        db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.event == event)).scalars()
    )


def test_report_mails_tracking_coordinators_and_return_mails_the_lead(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "2.1")
    member = users("gdtx.member")
    svc.start_task(task.id, member, expected_version=None)
    task_reports.submit_report(task.id, member, expected_version=None, text="Đã hướng dẫn")
    reported = {m.recipient for m in _outbox("report")}
    assert reported == {"gdtx.coordinator@planwork.demo", "gdtx.coordinator2@planwork.demo"}
    svc.return_task(task.id, users("gdtx.coordinator"), expected_version=None, reason="Bổ sung")
    returned = _outbox("return")
    assert "gdtx.member@planwork.demo" in {m.recipient for m in returned}
    assert "gdtx.coordinator@planwork.demo" not in {m.recipient for m in returned}
    assert all("Bổ sung" in m.body_text for m in returned)


def test_refused_transition_queues_no_mail(demo_app, users):
    task = find_task("2417/KH-SGDĐT", "2.1")
    with pytest.raises(PermissionDenied):
        svc.start_task(task.id, users("vps.member"), expected_version=None)
    assert db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar_one() == 0
