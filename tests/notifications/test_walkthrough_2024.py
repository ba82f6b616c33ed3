"""A frozen clock walks through 2024 with the demo plans, running the jobs every morning."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from notifications import jobs
from tests.notifications.conftest import at, task_of, unit_addresses, users_by_name
from workflow import tasks as task_service

PLAN = "2417/KH-SGDĐT"


def test_a_year_of_reminders_right_days_right_people_once(demo_app, smtp, policy):
    member = users_by_name("gdtx.member")
    t21 = task_of(PLAN, "2.1")
    by_day: dict[date, list] = defaultdict(list)
    day = date(2024, 1, 1)
    while day <= date(2024, 12, 31):
        at(day)
        if day == date(2024, 6, 20):  # the lead reports 2.1 between its 14- and 7-day reminders
            task_service.start_task(t21.id, member, expected_version=None)
            task_service.submit_report(t21.id, member, expected_version=None, text="Đã hoàn thành")
        before = len(smtp.received)
        jobs.run_planning(day, policy)
        jobs.run_sending(policy)
        by_day[day] = smtp.received[before:]
        day += timedelta(days=1)

    received = smtp.received
    # Once: no Message-ID twice, no (recipient, subject) twice.
    assert len({r.message_id for r in received}) == len(received)
    assert len({(r.recipients[0], r.subject) for r in received}) == len(received)

    def days_of(recipient: str, words: str) -> list[date]:
        return [
            d
            for d, mails in by_day.items()
            for r in mails
            if r.recipients == [recipient] and words in r.subject
        ]

    gdtx = "gdtx.member@planwork.demo"
    # Digests: first working day of the quarters with duties (Q1 2024 had none).
    digest_days = sorted(
        {d for d, mails in by_day.items() for r in mails if "nhiệm vụ đến hạn" in r.subject}
    )
    assert digest_days == [date(2024, 4, 1), date(2024, 7, 1), date(2024, 10, 1)]
    assert days_of(gdtx, "Quý III/2024") == [date(2024, 7, 1)]
    # 2.1: the 14-day reminder, then it was reported: nothing more.
    assert days_of(gdtx, "nhiệm vụ 2.1 – 2417") == [date(2024, 6, 16)]
    # 2.2, never reported: 14, 7, 1 days before, the day after, then weekly to year end.
    expected = [date(2024, 6, 16), date(2024, 6, 23), date(2024, 6, 29)]
    expected += [date(2024, 7, 1) + timedelta(weeks=w) for w in range(27)]
    assert days_of(gdtx, "nhiệm vụ 2.2 – 2417") == expected
    # Coordinating TCCB: only the 7-day reminder of 2.2 (2.1 was reported by then).
    tccb = "tccb.member@planwork.demo"
    assert days_of(tccb, "(phối hợp): nhiệm vụ 2.2 – 2417") == [date(2024, 6, 23)]
    assert days_of(tccb, "nhiệm vụ 2.1 – 2417") == []
    # Escalation of TCCB's overdue 4403 item 2 (due 31/07) to the tracking unit's
    # coordinators: in their daily roll-up, one mail a day, the day after due then weekly.
    # GDTX's own overdue items reached them as lead members and are never in it.
    t2_url = f"http://127.0.0.1:5000/tasks/{task_of('4403/KH-SGDĐT', '2').id}"
    escalation_days = [date(2024, 8, 1) + timedelta(weeks=w) for w in range(22)]
    for coordinator in ("gdtx.coordinator@planwork.demo", "gdtx.coordinator2@planwork.demo"):
        rollups = {
            d: r
            for d, mails in by_day.items()
            for r in mails
            if r.recipients == [coordinator] and "cần đôn đốc" in r.subject
        }
        assert days_of(coordinator, "cần đôn đốc") == escalation_days  # once per day
        assert list(rollups) == escalation_days
        for d, r in rollups.items():
            overdue_days = (d - date(2024, 7, 31)).days
            assert f"Tổng hợp ngày {d:%d/%m/%Y}: 1 nhiệm vụ quá hạn" in r.subject
            assert t2_url in r.text().split() and f"quá hạn {overdue_days} ngày" in r.text()
            assert "Kế hoạch 2417/KH-SGDĐT" not in r.text()
    # A task nobody reports: every reminder to every address of its lead, once each.
    for recipient in unit_addresses("GDTX"):
        assert len(days_of(recipient, "nhiệm vụ 2.3 – 2417")) == 3 + 14  # 14/7/1 + weekly
    # Digests never go out on a weekend or a holiday.
    for d in digest_days:
        assert policy.calendar.is_working_day(d)
