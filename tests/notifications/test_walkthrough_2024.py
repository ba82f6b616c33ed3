"""A frozen clock walks through 2024 with the demo plans, running the jobs every morning
(and once more in the afternoon), with the scheduler stopped for 5 days around the end of
Quarter III. Every mail is read back as the SMTP server received it and checked against the
day it arrived: its day counts, that no deadline already passed says "Còn N ngày", that no
reminder arrives on a weekend or holiday, that nobody gets two reminder mails a day, and that
2417's overdue items (its tracking unit leads them all) are chased by the issuing Sở."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from models import MailKind, OutboxMessage, Task, db
from notifications import jobs
from tests.notifications.conftest import at, task_of, unit_addresses, users_by_name
from workflow import task_reports
from workflow import tasks as task_service

PLAN = "2417/KH-SGDĐT"
# Stopped from Friday 27/09 to Tuesday 01/10 (the Q3 deadline, Monday 30/09, and the Q4
# overview day, Tuesday 01/10), started again on Wednesday 02/10. With catch_up_days = 3,
# 29/09-01/10 are caught up as of 02/10 and 27-28/09 are reported to the administrators.
STOPPED = {date(2024, 9, 27) + timedelta(days=k) for k in range(5)}
SDGDT = "sgddt@planwork.demo"
STATUS = re.compile(r"^(Còn (\d+) ngày|Đến hạn hôm nay|Quá hạn (\d+) ngày|Hạn (\d\d/\d\d/\d{4}))$")


@dataclass
class Line:
    status: str
    number: str
    task_id: int
    deadline: date
    section: str


def _lines(text: str) -> list[Line]:
    """The task lines of a reminder mail's text part, with the section each is in."""
    out, section = [], ""
    rows = text.splitlines()
    for i, row in enumerate(rows):
        if re.match(r"^[IV]+\. NHIỆM VỤ", row):
            section = row
        if not row.startswith("  - "):
            continue
        status, rest = row[4:].split(" – ", 1)
        deadline = re.search(r"; hạn (\d\d/\d\d/\d{4})", rows[i + 1])
        url = re.search(r"/tasks/(\d+)$", rows[i + 2])
        assert deadline and url, (row, rows[i + 1], rows[i + 2])
        out.append(
            Line(
                status,
                rest.split(". ", 1)[0],
                int(url.group(1)),
                datetime.strptime(deadline.group(1), "%d/%m/%Y").date(),
                section,
            )
        )
    return out


def _check_true_on(day: date, line: Line, due: dict[int, date]) -> None:
    """A line says what is true on `day`, the day its mail arrived."""
    assert line.deadline == due[line.task_id], line
    found = STATUS.match(line.status)
    assert found, line
    left = (line.deadline - day).days
    if found.group(2) is not None:
        assert left == int(found.group(2)) and left > 0, (day, line)
    elif found.group(3) is not None:
        assert -left == int(found.group(3)) and left < 0, (day, line)
    elif found.group(4) is not None:
        assert left >= 0, (day, line)  # the quarter's overview lists what is still ahead
    else:
        assert left == 0, (day, line)


def test_a_year_of_reminders_true_on_the_day_they_arrive(demo_app, smtp, policy):
    member = users_by_name("gdtx.member")
    t21 = task_of(PLAN, "2.1")
    by_day: dict[date, list] = defaultdict(list)
    day = date(2024, 1, 1)
    while day <= date(2024, 12, 31):
        if day == date(2024, 6, 20):  # the lead reports 2.1 between its 14- and 7-day reminders
            at(day, 9, 0)
            task_service.start_task(t21.id, member, expected_version=None)
            task_reports.submit_report(t21.id, member, expected_version=None, text="Đã hoàn thành")
        if day not in STOPPED:
            before = len(smtp.received)
            at(day)
            jobs.run_planning(day, policy)
            jobs.run_sending(policy)
            at(day, 15, 0)  # the scheduler keeps sending through the day
            jobs.run_sending(policy)
            by_day[day] = smtp.received[before:]
        day += timedelta(days=1)

    received = smtp.received
    kinds = dict(db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.kind)).all())
    due = dict(db.session.execute(sa.select(Task.id, Task.due_on)).all())
    # Event mails (at once, or the daily digest of events) are not reminders.
    event_kinds = (MailKind.EVENT, MailKind.EVENT_DIGEST)
    reminders = [
        (d, r)
        for d, mails in by_day.items()
        for r in mails
        if kinds[int(r.message["X-PlanWork-Outbox"])] not in event_kinds
    ]
    digests = Counter(
        (d, r.recipients[0])
        for d, mails in by_day.items()
        for r in mails
        if kinds[int(r.message["X-PlanWork-Outbox"])] == MailKind.EVENT_DIGEST
    )
    # The start of 2.1 on 20/06 reaches its tracking coordinators in one digest each.
    assert digests and max(digests.values()) == 1
    # Once: no Message-ID twice.
    assert len({r.message_id for r in received}) == len(received)
    # No reminder on a weekend or holiday; at most one reminder mail a person a day.
    assert all(policy.calendar.is_working_day(d) for d, _ in reminders)
    per_person_day = Counter((d, r.recipients[0]) for d, r in reminders)
    assert max(per_person_day.values()) == 1
    # Every line true on the day it arrived; a single line's subject says the same.
    lines_by_day: dict[date, list[tuple[str, Line]]] = defaultdict(list)
    for d, r in reminders:
        lines = _lines(r.text())
        assert lines, r.subject
        for line in lines:
            _check_true_on(d, line, due)
            lines_by_day[d].append((r.recipients[0], line))
        if len(lines) == 1:
            assert r.subject.startswith(f"[PlanWork] {lines[0].status}") or "Quý" in r.subject
        else:
            assert r.subject.startswith(f"[PlanWork] Nhắc việc ngày {d:%d/%m/%Y}: {len(lines)}")
        assert not re.search(r"Còn (\d+) ngày", r.subject) or all(ln.deadline > d for ln in lines)

    def days_of(recipient: str, number: str, section: str = "") -> list[date]:
        """Days `recipient` got a line on 2417's item `number` (quarter overviews aside)."""
        return [
            d
            for d, lines in sorted(lines_by_day.items())
            for who, line in lines
            if who == recipient
            and line.number == number
            and line.task_id in ids
            and section in line.section
            and "ĐẾN HẠN TRONG" not in line.section
        ]

    ids = {task_of(PLAN, n).id for n in ("2.1", "2.2", "2.3", "3.1", "3.2")}
    gdtx = "gdtx.member@planwork.demo"
    # 2.1 (due Sunday 30/06): the 14-day reminder on Friday 14/06, then it was reported.
    assert days_of(gdtx, "2.1") == [date(2024, 6, 14)]
    # 2.2, never reported: Fridays 14/06, 21/06, 28/06, then overdue from Monday 01/07
    # weekly, plus the Q3 overview, never on the stopped days.
    # (Monday 02/09 is National Day: that notice waits for Wednesday 04/09.)
    overdue = [
        policy.calendar.next_working_day(date(2024, 7, 1) + timedelta(weeks=w)) for w in range(27)
    ]
    assert date(2024, 9, 4) in overdue
    overdue = [d if d not in STOPPED else date(2024, 10, 2) for d in overdue]
    assert days_of(gdtx, "2.2") == [date(2024, 6, 14), date(2024, 6, 21), date(2024, 6, 28)] + (
        overdue
    )
    # 3.2 (due Monday 30/09): 14 and 7 days ahead; its 1-day reminder (Sunday 29/09, moved
    # to Friday 27/09) fell in the gap; caught up on 02/10 as the overdue line it is by then.
    late = [
        ln
        for d, lines in lines_by_day.items()
        for w, ln in lines
        if w == gdtx and d == date(2024, 10, 2)
    ]
    t32 = task_of(PLAN, "3.2").id
    assert [ln.status for ln in late if ln.task_id == t32] == ["Quá hạn 2 ngày"]
    assert days_of(gdtx, "3.2")[:2] == [date(2024, 9, 16), date(2024, 9, 23)]
    # The Q4 overview due on Tuesday 01/10 came on 02/10, with the day's other lines.
    assert any("QUÝ IV/2024" in ln.section for ln in late)
    # The gap beyond the catch-up window was told to the administrators, not dropped silently.
    gap = [r for r in by_day[date(2024, 10, 2)] if r.recipients == ["sgddt.admin@planwork.demo"]]
    assert len(gap) == 1 and "(27/09/2024 – 28/09/2024)" in gap[0].subject
    # Coordinating TCCB: only the 7-day reminder of 2.2 (2.1 was reported by then).
    tccb = "tccb.member@planwork.demo"
    assert days_of(tccb, "2.2") == [date(2024, 6, 21)]
    assert days_of(tccb, "2.1") == []
    # 2417's overdue items are chased by the Sở that issued it: weekly from 01/07.
    chased = days_of(SDGDT, "2.2", "CẦN ĐÔN ĐỐC")
    assert chased == overdue
    escalations_2417 = [
        (d, ln)
        for d, lines in lines_by_day.items()
        for who, ln in lines
        if "CẦN ĐÔN ĐỐC" in ln.section and ln.task_id in {t.id for t in _plan_tasks(PLAN)}
    ]
    # A task nobody reports: every reminder to every address of its lead, once each.
    for recipient in unit_addresses("GDTX"):
        # 30/09: 14 and 7 days ahead; the 1-day one fell in the gap; overdue from 02/10
        # (caught up), then weekly from 08/10.
        assert days_of(recipient, "2.3") == [date(2024, 9, 16), date(2024, 9, 23)] + [
            date(2024, 10, 2)
        ] + [date(2024, 10, 1) + timedelta(weeks=w) for w in range(1, 14)]
    print(
        f"\nwalk 2024: {len(received)} mails, {len(reminders)} reminder mails, "
        f"{sum(len(v) for v in lines_by_day.values())} lines, "
        f"max {max(per_person_day.values())} reminder a person a day, "
        f"{sum(1 for d, _ in reminders if not policy.calendar.is_working_day(d))} on days off, "
        f"{len(escalations_2417)} escalation lines for 2417 "
        f"({len({d for d, _ in escalations_2417})} days)"
    )


def _plan_tasks(number: str) -> list[Task]:
    from models import Plan

    return list(
        db.session.execute(sa.select(Task).join(Plan).where(Plan.number == number)).scalars()
    )
