"""Every workflow event told to those it concerns, in the app and through a real SMTP
server: at once, in one daily digest, or not at all, as each person chose; the actor never.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pytest
import sqlalchemy as sa

from models import MailKind, Notification, OutboxState, Unit, User, db
from notifications.sender import send_pending
from tests.foundation.web import csrf_token, login
from tests.notifications.conftest import at, outbox_rows, task_of, users_by_name
from workflow import plan_items, task_edits, task_reports
from workflow import requests as request_service
from workflow import tasks as svc
from workflow.plan_fields import ItemFields
from workflow.transaction import unit_of_work

PLAN = "4403/KH-SGDĐT"  # item 2: led by TCCB, tracked by GDTX, CDN coordinating
DAY = date(2024, 8, 15)  # a Thursday; item 2 was due 31/07/2024: overdue


def _mailbox(code: str) -> set[str]:
    email = db.session.execute(sa.select(Unit.email).where(Unit.code == code)).scalar_one()
    return {email.lower()} if email else set()


def _people(*names: str) -> set[str]:
    return {f"{n}@planwork.demo" for n in names}


def _by_code() -> tuple[dict[str, Counter], dict[str, Counter]]:
    """Outbox rows as {event code: Counter(recipient)}, at-once and digest apart."""
    now: dict[str, Counter] = defaultdict(Counter)
    digest: dict[str, Counter] = defaultdict(Counter)
    for row in outbox_rows():
        target = now if row.kind == MailKind.EVENT else digest
        target[row.event][row.recipient] += 1
    return now, digest


def _choose(client, username: str, choices: dict[str, str]) -> None:  # noqa: ANN001
    """Make choices through the preferences page, as the person would."""
    login(client, username)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Nhận thông báo" in page
    data = {"csrf_token": csrf_token(page), **{f"mode-{k}": v for k, v in choices.items()}}
    response = client.post("/account/notifications", data=data)
    assert response.status_code == 302
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Đã lưu lựa chọn nhận thông báo." in page
    for kind, mode in choices.items():
        assert f'id="mode-{kind}-{mode}" aria-labelledby' in page
        assert f'value="{mode}" id="mode-{kind}-{mode}" aria-labelledby="kind-{kind} ' in page
    client.post("/logout", data={"csrf_token": csrf_token(page)})


def test_every_event_reaches_those_it_concerns_once_as_they_chose(client, demo_app, smtp, policy):
    at(DAY, 9, 0)
    # tccb.member wants returns in the digest; gdtx.coordinator2 wants no report mail.
    _choose(client, "tccb.member", {"returned": "digest"})
    _choose(client, "gdtx.coordinator2", {"reported": "off"})
    u = users_by_name
    task = task_of(PLAN, "2")
    tccb_all = _people("tccb.member", "tccb.coordinator") | _mailbox("TCCB")
    gdtx_coords = _people("gdtx.coordinator", "gdtx.coordinator2")

    svc.start_task(task.id, u("tccb.member"), expected_version=None)
    ask = request_service.request_explanation(task.id, u("gdtx.coordinator"), question="Vì sao?")
    request_service.answer_explanation(ask, u("tccb.member"), explanation="Thiếu người")
    task_reports.submit_report(task.id, u("tccb.member"), expected_version=None, text="Xong")
    svc.return_task(task.id, u("gdtx.coordinator"), expected_version=None, reason="Thiếu số liệu")
    task_reports.submit_report(task.id, u("tccb.member"), expected_version=None, text="Đủ")
    svc.verify_task(task.id, u("gdtx.coordinator2"), expected_version=None)
    svc.reopen_task(task.id, u("gdtx.coordinator"), expected_version=None, reason="Sai số")
    ext = request_service.request_extension(
        task.id, u("tccb.member"), new_due_on=date(2024, 9, 30), reason="Chờ số liệu"
    )
    request_service.decide_extension(ext, u("gdtx.coordinator"), grant=True, reason=None)
    task_reports.add_contribution(task.id, u("cdn.member"), text="Góp ý của Công đoàn")
    task_edits.update_task(
        task.id,
        u("gdtx.coordinator"),
        expected_version=None,
        reason="Theo chỉ đạo",
        changes={"due_on": date(2024, 10, 31)},
    )
    q1 = db.session.execute(sa.select(Unit).where(Unit.code == "PGD-Q1")).scalar_one()
    task_edits.reassign_lead(
        task.id, u("gdtx.coordinator"), expected_version=None, unit_id=q1.id, reason="Đúng"
    )
    svc.cancel_task(task.id, u("gdtx.coordinator"), expected_version=None, reason="Không còn cần")
    plan_items.add_item(
        task.plan_id,
        u("gdtx.coordinator"),
        ItemFields(number="99", title="Nhiệm vụ thêm", leads=["TCCB"], due_on=date(2024, 12, 31)),
        reason="Bổ sung",
    )

    now, digest = _by_code()
    q1_all = _people("pgd-q1.member", "pgd-q1.coordinator") | _mailbox("PGD-Q1")
    expected_now = {
        "report": Counter({"gdtx.coordinator@planwork.demo": 2}),  # two reports, coordinator2 off
        "return": Counter(_mailbox("TCCB")),  # tccb.member chose the digest
        "ext_request": Counter(gdtx_coords),
        "ext_decision": Counter(_people("tccb.member") | _mailbox("TCCB")),
        "reassign": Counter(_people("pgd-q1.member") | _mailbox("PGD-Q1")),
        "created": Counter(_people("tccb.member") | _mailbox("TCCB")),
    }
    expected_digest = {
        "start": Counter(gdtx_coords),
        "expl_request": Counter(tccb_all),
        "expl_answer": Counter(gdtx_coords),
        "return": Counter(_people("tccb.member", "tccb.coordinator")),
        "verify": Counter(tccb_all),
        "reopen": Counter(tccb_all),
        "ext_decision": Counter(_people("tccb.coordinator")),
        "contribution": Counter(tccb_all | gdtx_coords),
        "due": Counter(tccb_all | _people("cdn.member") | _mailbox("CDN")),
        "unassigned": Counter(tccb_all),
        "reassign": Counter(_people("pgd-q1.coordinator")),
        "cancel": Counter(q1_all),
        "created": Counter(_people("tccb.coordinator")),
    }
    assert dict(now) == expected_now
    assert dict(digest) == expected_digest
    # The actor is never told of their own act, by mail or in the app.
    assert "gdtx.coordinator2@planwork.demo" not in digest["verify"]
    assert "cdn.member@planwork.demo" not in digest["contribution"]
    notices = db.session.execute(sa.select(Notification.user_id, Notification.kind)).all()
    member = u("tccb.member").id
    mine = Counter(kind for user_id, kind in notices if user_id == member)
    assert mine == Counter(
        {
            "explain_requested": 1,
            "returned": 1,
            "verified": 1,
            "reopened": 1,
            "extension_decided": 1,
            "contribution": 1,
            "due_changed": 1,
            "changed": 1,
            "assigned": 1,
        }
    )
    coordinator2 = u("gdtx.coordinator2").id
    assert "reported" not in {k for i, k in notices if i == coordinator2}  # chose "off"

    # At once: every at-once row goes out now, one mail each, each with its unsubscribe.
    result = send_pending(policy)
    received = smtp.received
    assert result.sent == sum(sum(c.values()) for c in expected_now.values()) == len(received)
    assert len({m.message_id for m in received}) == len(received)
    for mail in received:
        assert str(mail.message["List-Unsubscribe"]).strip().startswith("<http")
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    returned = [m for m in received if "bị trả lại" in m.subject]
    assert [m.recipients for m in returned] == [sorted(_mailbox("TCCB"))]
    assert "Lý do: Thiếu số liệu" in returned[0].text()

    # The digest waits for 16:30; then each person gets one mail with all their lines.
    assert send_pending(policy).sent == 0
    at(DAY, 16, 31)
    before = len(received)
    result = send_pending(policy)
    digests = received[before:]
    people = set().union(*(set(c) for c in expected_digest.values()))
    assert sorted(r for m in digests for r in m.recipients) == sorted(people)
    mail = next(m for m in digests if m.recipients == ["tccb.member@planwork.demo"])
    lines = sum(c["tccb.member@planwork.demo"] for c in expected_digest.values())
    assert f"{lines} thông báo" in mail.subject
    assert "Báo cáo nhiệm vụ 2 – 4403/KH-SGDĐT bị trả lại" in mail.text()
    assert "/unsubscribe/" in mail.message["List-Unsubscribe"]
    assert all(r.state in (OutboxState.SENT,) for r in outbox_rows())
    # Nothing is sent twice.
    at(DAY, 17, 0)
    assert send_pending(policy).sent == 0


def test_a_change_rolled_back_tells_nobody(demo_app):
    from notifications.subscribers import _on_transition

    task = task_of(PLAN, "2")
    with pytest.raises(RuntimeError), unit_of_work():
        # What the transition's receiver writes, inside a change that then fails.
        _on_transition(task, event="return", actor=users_by_name("gdtx.coordinator"), reason="x")
        db.session.flush()
        assert db.session.execute(sa.select(sa.func.count(Notification.id))).scalar_one() > 0
        raise RuntimeError("the change failed")
    assert outbox_rows() == []
    assert db.session.execute(sa.select(sa.func.count(Notification.id))).scalar_one() == 0


def test_assignment_by_import_tells_the_new_lead_units(demo_app):
    at(DAY, 9, 0)
    coordinator = users_by_name("gdtx.coordinator")
    plan_id = task_of(PLAN, "2").plan_id
    plan_items.add_item(
        plan_id,
        coordinator,
        ItemFields(number="77", title="Chia cho hai đơn vị", leads=["TCCB", "PGD-Q1"]),
    )
    told = {
        (r.recipient, r.kind)
        for r in outbox_rows()
        if r.event == "created" and r.kind == MailKind.EVENT
    }
    # A fanned-out item: each sub-task's lead unit hears of its own sub-task once.
    assert told == {
        (a, MailKind.EVENT)
        for a in _people("tccb.member", "pgd-q1.member") | _mailbox("TCCB") | _mailbox("PGD-Q1")
    }
    counts = Counter(
        db.session.execute(
            sa.select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == "assigned")
        ).scalars()
    )
    assert counts == Counter(
        ["tccb.member", "tccb.coordinator", "pgd-q1.member", "pgd-q1.coordinator"]
    )


def test_the_actor_is_never_told_and_followers_are(demo_app, smtp, policy):
    """2417 item 2.1 is led by GDTX, which also tracks the plan: its coordinator who
    returns the report is one of the people the return concerns, and is left out."""
    from workflow import follows

    at(DAY, 9, 0)
    task = task_of("2417/KH-SGDĐT", "2.1")
    follows.follow(task.id, users_by_name("sgddt.admin"))
    member, coordinator = users_by_name("gdtx.member"), users_by_name("gdtx.coordinator")
    svc.start_task(task.id, member, expected_version=None)
    task_reports.submit_report(task.id, member, expected_version=None, text="Xong")
    svc.return_task(task.id, coordinator, expected_version=None, reason="Bổ sung")
    now, digest = _by_code()
    gdtx = _people("gdtx.member", "gdtx.member2", "gdtx.coordinator", "gdtx.coordinator2")
    assert now["return"] == Counter(_people("gdtx.member", "gdtx.member2") | _mailbox("GDTX"))
    assert digest["return"] == Counter(_people("gdtx.coordinator2", "sgddt.admin"))
    assert "gdtx.coordinator@planwork.demo" not in now["return"] + digest["return"]
    # The reporter is not told of their own report; the follower hears of it in the digest.
    assert now["report"] == Counter(_people("gdtx.coordinator", "gdtx.coordinator2"))
    assert digest["report"] == Counter(_people("sgddt.admin"))
    assert set(now["report"]) <= gdtx
    told = set(
        db.session.execute(
            sa.select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == "returned")
        ).scalars()
    )
    assert told == {"gdtx.member", "gdtx.member2", "gdtx.coordinator2", "sgddt.admin"}
