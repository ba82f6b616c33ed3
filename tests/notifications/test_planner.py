"""Planning: which reminder lines go to whom on which day, once, with a fixed number of
queries; days off, catch-up and escalation to the issuing body's leadership."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import MailKind, Task, TaskState, User, db
from notifications.planner import plan_for_day
from notifications.policy import load_policy
from notifications.render import number_key
from tests.notifications.conftest import at, outbox_rows, task_of, unit_addresses

PLAN = "2417/KH-SGDĐT"
OTHER = "4403/KH-SGDĐT"
# The Quarter II deadline of 2417 (2.1, 2.2, 3.1) is Sunday 30/06/2024: its 14-, 7- and
# 1-day reminders (Sun 16/06, Sun 23/06, Sat 29/06) go on the Fridays before.
FRI14, FRI21, FRI28 = date(2024, 6, 14), date(2024, 6, 21), date(2024, 6, 28)
GDTX_COORDINATORS = {"gdtx.coordinator@planwork.demo", "gdtx.coordinator2@planwork.demo"}


def _escalations(mails: list) -> list:  # type: ignore[type-arg]
    return [m for m in mails if m.kind == MailKind.ESCALATION]


def test_done_when_dry_run_lists_14_day_reminders_for_quarter_ii_items(demo_app, policy):
    at(FRI14)
    result = plan_for_day(FRI14, policy, dry_run=True)
    tasks = {task_of(PLAN, n).id: n for n in ("2.1", "2.2", "3.1")}
    assert {m.task_id for m in result.mails} == set(tasks)
    assert {m.kind for m in result.mails} == {MailKind.BEFORE_DUE}
    assert {m.offset_days for m in result.mails} == {14}
    assert {m.due_on for m in result.mails} == {date(2024, 6, 30)}
    for task_id in tasks:
        got = {m.recipient for m in result.mails if m.task_id == task_id}
        assert got == unit_addresses("GDTX")
    # The preview is the line as of the planning day, the deadline flagged as a day off.
    assert all("Còn 16 ngày" in m.subject for m in result.mails)
    assert all("30/06/2024 (Chủ nhật, ngày nghỉ)" in m.body_text for m in result.mails)
    assert result.deadlines_on_days_off == set(tasks)
    assert outbox_rows() == []  # a dry run writes nothing


def test_nothing_is_planned_on_a_weekend_or_holiday(demo_app, policy):
    for day in (date(2024, 6, 16), date(2024, 6, 23), date(2024, 6, 29), date(2024, 9, 2)):
        assert not policy.calendar.is_working_day(day)
        assert plan_for_day(day, policy, dry_run=True).mails == []


def test_planning_twice_writes_each_reminder_once(demo_app, policy):
    first = plan_for_day(FRI14, policy)
    second = plan_for_day(FRI14, policy)
    assert first.inserted == 15
    assert second.inserted == 0 and len(second.already_planned) == 15
    rows = outbox_rows()
    assert len(rows) == 15
    assert len({r.dedupe_key for r in rows}) == 15


def test_duplicate_key_is_refused_by_the_database(demo_app, policy):
    from notifications.outbox import insert_ignoring_duplicates

    result = plan_for_day(FRI14, policy, dry_run=True)
    insert_ignoring_duplicates(result.mails[:3])
    insert_ignoring_duplicates(result.mails[:5])  # three of these already exist
    db.session.commit()
    assert len(outbox_rows()) == 5


def test_coordinating_units_get_the_7_day_reminder_only(demo_app, policy):
    t21 = task_of(PLAN, "2.1")
    fourteen = plan_for_day(FRI14, policy, dry_run=True)
    assert not any("tccb" in m.recipient for m in fourteen.mails)
    seven = plan_for_day(FRI21, policy, dry_run=True)
    tccb = {m.recipient for m in seven.mails if m.task_id == t21.id and m.unit_name}
    assert unit_addresses("TCCB") <= tccb
    coord = [m for m in seven.mails if "tccb" in m.recipient]
    assert coord and all("(phối hợp)" in m.subject for m in coord)
    one = plan_for_day(FRI28, policy, dry_run=True)
    assert not any("tccb" in m.recipient for m in one.mails)
    assert {m.offset_days for m in one.mails} == {1}
    assert all("Còn 2 ngày" in m.subject for m in one.mails)  # true on Friday 28/06


def _set_state(task: Task, state: TaskState) -> None:
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(state=state))
    db.session.commit()


def test_reported_verified_cancelled_tasks_are_not_chased(demo_app, policy):
    _set_state(task_of(PLAN, "2.1"), TaskState.REPORTED)
    _set_state(task_of(PLAN, "2.2"), TaskState.VERIFIED)
    _set_state(task_of(PLAN, "3.1"), TaskState.CANCELLED)
    for day in (FRI14, FRI21, date(2024, 7, 1), date(2024, 7, 8)):
        mails = plan_for_day(day, policy, dry_run=True).mails
        assert [m for m in mails if m.kind != MailKind.DIGEST] == []
    _set_state(task_of(PLAN, "3.1"), TaskState.IN_PROGRESS)
    assert {m.task_id for m in plan_for_day(FRI14, policy, dry_run=True).mails} == {
        task_of(PLAN, "3.1").id
    }


def test_ongoing_and_undated_tasks_get_no_reminders(demo_app, policy):
    t = task_of(PLAN, "2.1")
    db.session.execute(sa.update(Task).where(Task.id == t.id).values(ongoing=True))
    t2 = task_of(PLAN, "2.2")
    db.session.execute(sa.update(Task).where(Task.id == t2.id).values(due_on=None))
    db.session.commit()
    ids = {m.task_id for m in plan_for_day(FRI14, policy, dry_run=True).mails}
    assert ids == {task_of(PLAN, "3.1").id}


def test_overdue_day_after_then_weekly_escalated_to_the_tracking_coordinators(demo_app, policy):
    # 4403 item 2 is led by TCCB and tracked by GDTX: due Wednesday 31/07/2024.
    task = task_of(OTHER, "2")
    for day, expected in ((date(2024, 8, 1), 1), (date(2024, 8, 8), 8), (date(2024, 8, 15), 15)):
        planned = plan_for_day(day, policy, dry_run=True).mails
        mails = [m for m in planned if m.task_id == task.id]
        overdue = {m.recipient for m in mails if m.kind == MailKind.OVERDUE}
        assert overdue == unit_addresses("TCCB")
        assert all(f"Quá hạn {expected} ngày" in m.subject for m in mails)
        escalated = [m for m in _escalations(planned) if m.task_id == task.id]
        assert {m.recipient for m in escalated} == GDTX_COORDINATORS
        assert all(m.unit_name and "Giáo dục thường xuyên" in m.unit_name for m in escalated)
    for day in (date(2024, 8, 2), date(2024, 8, 7), date(2024, 8, 9)):
        planned = plan_for_day(day, policy, dry_run=True).mails
        assert not [m for m in planned if m.task_id == task.id]


def test_tracking_unit_leading_its_own_task_is_chased_by_the_issuing_body(demo_app, policy):
    """2417 is tracked by GDTX and GDTX leads every item: its overdue items go to the
    leadership of the Sở that issued the plan (its official mailbox), not to nobody."""
    t22 = task_of(PLAN, "2.2")  # due Sunday 30/06/2024: first overdue notice Monday 01/07
    planned = plan_for_day(date(2024, 7, 1), policy, dry_run=True).mails
    escalated = [m for m in _escalations(planned) if m.task_id == t22.id]
    assert {m.recipient for m in escalated} == {"sgddt@planwork.demo"}
    assert escalated[0].unit_name == "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
    assert "Quá hạn 1 ngày" in escalated[0].subject
    # GDTX's coordinators are lead members here: they get the overdue line, not a chase.
    to_gdtx = {m.recipient for m in planned if m.task_id == t22.id and m.kind == "overdue"}
    assert GDTX_COORDINATORS <= to_gdtx
    assert not [m for m in _escalations(planned) if m.recipient in GDTX_COORDINATORS]


def test_escalation_ignores_opt_out_and_digest_honours_it(demo_app, policy):
    db.session.execute(
        sa.update(User)
        .where(User.username.in_(["gdtx.coordinator", "tccb.member"]))
        .values(digest_opt_out=True)
    )
    db.session.commit()
    mails = plan_for_day(date(2024, 8, 1), policy, dry_run=True).mails
    assert any(
        m.kind == MailKind.ESCALATION and m.recipient == "gdtx.coordinator@planwork.demo"
        for m in mails
    )
    assert any(
        m.kind == MailKind.OVERDUE and m.recipient == "tccb.member@planwork.demo" for m in mails
    )
    digest = plan_for_day(date(2024, 7, 1), policy, dry_run=True).mails
    digest_to = {m.recipient for m in digest if m.kind == MailKind.DIGEST}
    assert "gdtx.coordinator@planwork.demo" not in digest_to
    assert "tccb.member@planwork.demo" not in digest_to
    assert "gdtx.member@planwork.demo" in digest_to and "tccb@planwork.demo" in digest_to


def test_inactive_users_and_other_roles_get_nothing(demo_app, policy):
    db.session.execute(sa.update(User).where(User.username == "gdtx.member2").values(active=False))
    db.session.commit()
    to = {m.recipient for m in plan_for_day(FRI14, policy, dry_run=True).mails}
    assert "gdtx.member2@planwork.demo" not in to
    assert "gdtx.member@planwork.demo" in to
    assert not any("admin" in r or "inspector" in r for r in to)


def test_sub_tasks_remind_their_own_lead_and_parents_do_not(demo_app, policy):
    # 4403 item 6 is led by every district office: one sub-task each, due Tue 31/12/2024.
    parent = task_of(OTHER, "6")
    sub_q8 = task_of(OTHER, "6", "PGD-Q8")
    assert parent.subtasks and sub_q8.parent_id == parent.id
    mails = plan_for_day(date(2024, 12, 17), policy, dry_run=True).mails
    q8 = [m for m in mails if m.recipient in unit_addresses("PGD-Q8")]
    assert {m.task_id for m in q8} == {sub_q8.id}
    subtask_ids = {s.id for s in parent.subtasks}
    assert {m.task_id for m in mails if m.task_id in subtask_ids} == subtask_ids
    assert not [m for m in mails if m.task_id == parent.id]
    # The parent's coordinating units still hear of it at 7 days.
    seven = plan_for_day(date(2024, 12, 24), policy, dry_run=True).mails
    parent_mails = [m for m in seven if m.task_id == parent.id]
    assert parent_mails and all("(phối hợp)" in m.subject for m in parent_mails)
    assert {m.recipient for m in parent_mails} >= unit_addresses("HKH")


def test_quarter_lines_on_the_first_working_day_lead_and_coordinating(demo_app, policy):
    assert plan_for_day(date(2024, 6, 30), policy, dry_run=True).mails == []
    mails = plan_for_day(date(2024, 7, 1), policy, dry_run=True).mails
    digests = [m for m in mails if m.kind == MailKind.DIGEST]
    gdtx = [m for m in digests if m.recipient == "gdtx.member@planwork.demo"]
    numbers = {m.task_number for m in gdtx}
    assert {"2.3", "3.2"} <= numbers  # Quý III items GDTX leads
    assert "1.2" not in numbers  # due in Q4
    text = gdtx[0].body_text  # the unit's whole overview as preview
    assert "NHIỆM VỤ ĐẾN HẠN TRONG QUÝ QUÝ III/2024" not in text
    assert "NHIỆM VỤ ĐẾN HẠN TRONG QUÝ III/2024" in text
    assert "chủ trì: Phòng Tổ chức cán bộ" in text  # 4403 item 2, coordinated by GDTX
    tccb = {m.recipient for m in digests if m.unit_name and "Tổ chức cán bộ" in m.unit_name}
    assert tccb == unit_addresses("TCCB", digest=True)


def test_catch_up_plans_missed_days_as_of_today(demo_app, policy):
    """A scheduler down from Friday 21/06 to Thursday 27/06 restarts on Friday 28/06: the
    missed 7-day reminder of 2.1 (due 30/06) is planned today and says "Còn 2 ngày"."""
    t21 = task_of(PLAN, "2.1")
    missed = [date(2024, 6, d) for d in range(21, 28)]
    result = plan_for_day(FRI28, policy, missed=missed)
    mine = [m for m in result.mails if m.task_id == t21.id and "gdtx.member@" in m.recipient]
    assert sorted(m.offset_days for m in mine) == [1, 7]
    assert all(m.planned_for == FRI28 and "Còn 2 ngày" in m.subject for m in mine)
    tccb = [m for m in result.mails if m.recipient == "tccb.member@planwork.demo"]
    assert tccb and all("Còn 2 ngày (phối hợp)" in m.subject for m in tccb)
    # Days past the deadline: a missed before-due line becomes the lead's overdue line …
    late = plan_for_day(date(2024, 7, 2), policy, dry_run=True, missed=[FRI28]).mails
    one_day = [m for m in late if m.task_id == t21.id and m.offset_days == 1]
    assert one_day and all("Quá hạn 2 ngày" in m.subject for m in one_day)
    # … and a coordinating unit's is dropped (overdue notices go to the lead only).
    catch_21 = plan_for_day(date(2024, 7, 2), policy, dry_run=True, missed=[FRI21]).mails
    assert not [m for m in catch_21 if "tccb" in m.recipient and m.task_id == t21.id]


def test_item_numbers_sort_as_numbers():
    numbers = ["2", "1.10", "11", "1.2", "4", "8", "1.2a"]
    assert sorted(numbers, key=number_key) == ["1.2", "1.2a", "1.10", "2", "4", "8", "11"]


def test_policy_file_changes_the_plan_without_code(demo_app, policy_file):
    path = policy_file(
        'holidays_file = "holidays_vn.json"\n'
        "[before_due]\nlead_days = [10]\ncoordinating_days = []\n"
        "[overdue]\nenabled = false\n[digest]\nenabled = false\n"
    )
    custom = load_policy(path)
    assert plan_for_day(FRI14, custom, dry_run=True).mails == []
    mails = plan_for_day(date(2024, 6, 20), custom, dry_run=True).mails
    assert {m.offset_days for m in mails} == {10} and len(mails) == 15
    assert plan_for_day(date(2024, 7, 1), custom, dry_run=True).mails == []


def test_query_count_does_not_grow_with_tasks(demo_app, count_queries, policy):
    from tests.notifications.bulk import add_tasks

    def count(day: date) -> int:
        db.session.execute(sa.delete(__import__("models").OutboxMessage))
        db.session.commit()
        with count_queries() as counter:
            plan_for_day(day, policy)
        return counter.count

    day = date(2024, 10, 1)  # a digest day: every kind of mail is planned
    add_tasks(20, day)
    small = count(day)
    add_tasks(200, day)
    large = count(day)
    assert small == large
    assert small <= 14


def test_escalation_can_be_turned_off_in_the_policy(demo_app, policy, policy_file):
    day = date(2024, 8, 1)
    quiet = load_policy(
        policy_file('holidays_file = "holidays_vn.json"\n[overdue]\nescalate = false\n')
    )
    mails = plan_for_day(day, quiet, dry_run=True).mails
    assert {m.kind for m in mails} == {MailKind.OVERDUE}
    assert _escalations(plan_for_day(day, policy, dry_run=True).mails)
