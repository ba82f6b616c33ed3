"""The personal iCalendar link: made and renewed by its owner (audited, the token never in
the trail), a renewed link dead at once, and the feed holding the person's tasks."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from models import AuditEvent, CalendarLink, User, db
from reports.calendar import link_token
from tests.calendar.support import month_plan
from tests.foundation.web import csrf_token, login, logout
from workflow import assignees, calendar_links
from workflow.audit import verify_chain
from workflow.errors import PermissionDenied


def _renew(client, page: str = "/calendar/") -> str:  # noqa: ANN001
    """Press "Tạo liên kết…" on a page; the token it made."""
    html = client.get(page).get_data(as_text=True)
    response = client.post("/calendar/link", data={"csrf_token": csrf_token(html), "next": page})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.expire_all()
    token = db.session.execute(
        sa.select(CalendarLink.token)
        .join(User, User.id == CalendarLink.user_id)
        .where(User.username == client.username)
    ).scalar_one()
    return token


def _events(action: str = "account.calendar_link") -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).scalars()
    )


def _summaries(body: bytes) -> dict[str, str]:
    """UID → SUMMARY of every event in a feed."""
    cal = Calendar.from_ical(body)
    return {str(e["uid"]): str(e["summary"]) for e in cal.walk("VEVENT")}


@pytest.fixture
def member(client):  # noqa: ANN001, ANN201
    login(client, "tccb.member")
    client.username = "tccb.member"
    return client


def test_the_page_offers_to_make_a_link(member) -> None:
    html = member.get("/calendar/").get_data(as_text=True)
    assert "Tạo liên kết lịch" in html and "/calendar/personal/" not in html


def test_renewing_kills_the_old_link_at_once_and_is_audited(member, users) -> None:
    first = _renew(member)
    assert len(first) >= 32  # 24 random bytes, URL-safe: 192 bits
    assert member.get(f"/calendar/personal/{first}.ics").status_code == 200
    second = _renew(member)
    assert second != first
    assert member.get(f"/calendar/personal/{first}.ics").status_code == 404
    assert member.get(f"/calendar/personal/{second}.ics").status_code == 200
    created, renewed = _events()
    owner = users("tccb.member")
    for event in (created, renewed):
        assert (event.object_type, event.object_id, event.actor_id) == ("user", owner.id, owner.id)
        text = json.dumps([event.before, event.after, event.reason])
        assert first not in text and second not in text  # the trail never holds a key
    assert created.before == {"calendar_link": None}
    assert renewed.before == {"calendar_link": "có"} and renewed.after == {"calendar_link": "mới"}
    assert verify_chain().intact


def test_the_link_is_shown_with_a_copy_button_on_both_pages(member) -> None:
    token = _renew(member)
    for page in ("/calendar/", "/account/profile"):
        html = member.get(page).get_data(as_text=True)
        assert f"/calendar/personal/{token}.ics" in html, page
        assert 'data-copy="calendar-feed-url"' in html and "Google Calendar" in html
        assert "Outlook" in html and "Tạo liên kết mới" in html
    # Renewing from the profile comes back to the profile.
    assert _renew(member, "/account/profile") != token


def test_only_the_owner_renews(users) -> None:
    with pytest.raises(PermissionDenied):
        calendar_links.renew_link(users("tccb.member").id, users("sgddt.admin"))
    assert link_token(users("tccb.member").id) is None
    assert _events() == []


@pytest.mark.parametrize(
    "token", ["x", "0" * 32, "A" * 43, "..%2F..%2Fetc", "a" * 200, "Zm9v-YmFy_" * 4]
)
def test_unknown_tokens_are_404(client, token: str) -> None:
    assert client.get(f"/calendar/personal/{token}.ics").status_code == 404


def test_a_deactivated_person_s_link_stops(member, users) -> None:
    token = _renew(member)
    db.session.execute(sa.update(User).where(User.username == "tccb.member").values(active=False))
    db.session.commit()
    assert member.get(f"/calendar/personal/{token}.ics").status_code == 404


def test_feed_holds_my_tasks_then_my_units_each_once(member, users) -> None:
    ids = month_plan(users)
    assignees.assign(ids["2"], users("tccb.coordinator"), [users("tccb.member").id])
    token = _renew(member)
    response = member.get(f"/calendar/personal/{token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"].startswith("private")
    events = _summaries(response.data)
    mine = [uid for uid in events if re.fullmatch(rf"task-{ids['2']}-\w+@planwork", uid)]
    assert mine == [f"task-{ids['2']}-assigned@planwork"]
    assert events[mine[0]].startswith("[Tôi thực hiện] 2. Báo cáo sơ kết quý I")
    assert events[f"task-{ids['1']}-lead@planwork"].startswith("[Chủ trì] 1.")
    assert f"task-{ids['4']}-lead@planwork" in events  # every month, not only this one
    # Công đoàn ngành's task is not TCCB's.
    assert not any(uid.startswith(f"task-{ids['3']}-") for uid in events)
    # A colleague who is not assigned sees the unit's task, not as theirs.
    logout(member)
    login(member, "tccb.coordinator")
    member.username = "tccb.coordinator"
    theirs = _summaries(member.get(f"/calendar/personal/{_renew(member)}.ics").data)
    assert theirs[f"task-{ids['2']}-lead@planwork"].startswith("[Chủ trì] 2.")
