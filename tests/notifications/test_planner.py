"""Planning: who gets which reminder on which day, once, with a fixed number of queries."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from models import MailKind, Task, TaskState, User, db
from notifications.planner import plan_for_day
from notifications.policy import load_policy
from tests.notifications.conftest import at, outbox_rows, task_of, unit_addresses

PLAN = "2417/KH-SGDĐT"
OTHER = "4403/KH-SGDĐT"


def test_done_when_dry_run_lists_14_day_reminders_for_quarter_ii_items(demo_app, policy):
    at(date(2024, 6, 16))
    result = plan_for_day(date(2024, 6, 16), policy, dry_run=True)
    tasks = {task_of(PLAN, n).id: n for n in ("2.1", "2.2", "3.1")}
    assert {m.task_id for m in result.mails} == set(tasks)
    assert {m.kind for m in result.mails} == {MailKind.BEFORE_DUE}
    assert {m.offset_days for m in result.mails} == {14}
    assert {m.due_on for m in result.mails} == {date(2024, 6, 30)}
    for task_id in tasks:
        got = {m.recipient for m in result.mails if m.task_id == task_id}
        assert got == unit_addresses("GDTX")
        assert "gdtx@planwork.demo" in got and "gdtx.member@planwork.demo" in got
    assert outbox_rows() == []  # a dry run writes nothing


def test_planning_twice_writes_each_reminder_once(demo_app, policy):
    first = plan_for_day(date(2024, 6, 16), policy)
    second = plan_for_day(date(2024, 6, 16), policy)
    assert first.inserted == 15
    assert second.inserted == 0 and len(second.already_planned) == 15
    rows = outbox_rows()
    assert len(rows) == 15
    assert len({r.dedupe_key for r in rows}) == 15


def test_duplicate_key_is_refused_by_the_database(demo_app, policy):
    from notifications.outbox import insert_ignoring_duplicates

    result = plan_for_day(date(2024, 6, 16), policy, dry_run=True)
    insert_ignoring_duplicates(result.mails[:3])
    insert_ignoring_duplicates(result.mails[:5])  # three of these already exist
    db.session.commit()
    assert len(outbox_rows()) == 5


def test_coordinating_units_get_the_7_day_reminder_only(demo_app, policy):
    t21 = task_of(PLAN, "2.1")
    fourteen = plan_for_day(date(2024, 6, 16), policy, dry_run=True)
    assert not any("tccb" in m.recipient for m in fourteen.mails)
    seven = plan_for_day(date(2024, 6, 23), policy, dry_run=True)
    tccb = {m.recipient for m in seven.mails if m.task_id == t21.id and m.unit_name}
    assert unit_addresses("TCCB") <= tccb
    coord = [m for m in seven.mails if "tccb" in m.recipient]
    assert coord and all("phối hợp" in m.subject for m in coord)
    one = plan_for_day(date(2024, 6, 29), policy, dry_run=True)
    assert not any("tccb" in m.recipient for m in one.mails)
    assert {m.offset_days for m in one.mails} == {1}


def _set_state(task: Task, state: TaskState) -> None:
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(state=state))
    db.session.commit()


def test_reported_verified_cancelled_tasks_are_not_chased(demo_app, policy):
    _set_state(task_of(PLAN, "2.1"), TaskState.REPORTED)
    _set_state(task_of(PLAN, "2.2"), TaskState.VERIFIED)
    _set_state(task_of(PLAN, "3.1"), TaskState.CANCELLED)
    for day in (date(2024, 6, 16), date(2024, 6, 23), date(2024, 7, 1), date(2024, 7, 8)):
        mails = plan_for_day(day, policy, dry_run=True).mails
        assert [m for m in mails if m.kind != MailKind.DIGEST] == []
    _set_state(task_of(PLAN, "3.1"), TaskState.IN_PROGRESS)
    assert {m.task_id for m in plan_for_day(date(2024, 6, 16), policy, dry_run=True).mails} == {
        task_of(PLAN, "3.1").id
    }


def test_ongoing_and_undated_tasks_get_no_reminders(demo_app, policy):
    t = task_of(PLAN, "2.1")
    db.session.execute(sa.update(Task).where(Task.id == t.id).values(ongoing=True))
    t2 = task_of(PLAN, "2.2")
    db.session.execute(sa.update(Task).where(Task.id == t2.id).values(due_on=None))
    db.session.commit()
    ids = {m.task_id for m in plan_for_day(date(2024, 6, 16), policy, dry_run=True).mails}
    assert ids == {task_of(PLAN, "3.1").id}


GDTX_COORDINATORS = {"gdtx.coordinator@planwork.demo", "gdtx.coordinator2@planwork.demo"}


def _rollups(mails: list) -> list:  # type: ignore[type-arg]
    return [m for m in mails if m.kind == MailKind.ESCALATION]


def test_overdue_day_after_then_weekly_with_escalation_roll_up(demo_app, policy):
    # 4403 item 2 is led by TCCB and tracked by GDTX: due 31/07/2024.
    task = task_of(OTHER, "2")
    for day, expected in ((date(2024, 8, 1), 1), (date(2024, 8, 8), 8), (date(2024, 8, 15), 15)):
        planned = plan_for_day(day, policy, dry_run=True).mails
        mails = [m for m in planned if m.task_id == task.id]
        overdue = {m.recipient for m in mails if m.kind == MailKind.OVERDUE}
        assert overdue == unit_addresses("TCCB")
        assert all(f"Quá hạn {expected} ngày" in m.subject for m in mails)
        # Escalated in the day's roll-up: one mail per coordinator, listing the task.
        rollups = _rollups(planned)
        assert sorted(m.recipient for m in rollups) == sorted(GDTX_COORDINATORS)
        assert all(task.id in m.task_ids and m.task_id is None for m in rollups)
        assert all(f"quá hạn {expected} ngày" in m.body_text for m in rollups)
    for day in (date(2024, 8, 2), date(2024, 8, 7), date(2024, 8, 9)):
        planned = plan_for_day(day, policy, dry_run=True).mails
        assert not [m for m in planned if m.task_id == task.id or task.id in m.task_ids]


def test_escalation_is_one_daily_roll_up_per_coordinator_grouped_by_plan(demo_app, policy):
    from models import Unit
    from tests.notifications.bulk import add_tasks

    day = date(2024, 8, 1)
    tccb = db.session.execute(sa.select(Unit).where(Unit.code == "TCCB")).scalar_one()
    gdtx_id = db.session.execute(sa.select(Unit.id).where(Unit.code == "GDTX")).scalar_one()
    # 2417 item 2.2 handed to TCCB and due a week earlier: 8 days overdue on 01/08.
    t22, t2 = task_of(PLAN, "2.2"), task_of(OTHER, "2")
    db.session.execute(
        sa.update(Task)
        .where(Task.id == t22.id)
        .values(lead_unit_id=tccb.id, due_on=date(2024, 7, 24))
    )
    db.session.commit()
    add_tasks(28, day)  # 8 more overdue by 1 or 8 days, leads spread over the directory
    bulk = db.session.execute(
        sa.select(Task.id, Task.lead_unit_id).where(
            Task.number.like("B%"), Task.due_on.in_([date(2024, 7, 24), date(2024, 7, 31)])
        )
    ).all()
    assert len(bulk) == 8
    expected = {t22.id, t2.id} | {tid for tid, lead in bulk if lead != gdtx_id}

    result = plan_for_day(day, policy)
    rollups = _rollups(result.mails)
    assert sorted(m.recipient for m in rollups) == sorted(GDTX_COORDINATORS)
    for m in rollups:
        assert set(m.task_ids) == expected and len(m.task_ids) == len(expected)
        # GDTX's own overdue item (4403 item 1) reached its coordinators as lead members.
        assert task_of(OTHER, "1").id not in m.task_ids
        assert m.dedupe_key == f"escalation|u{gdtx_id}|-|2024-08-01|{m.recipient}"
        assert m.unit_id == gdtx_id
        assert m.subject == (
            f"[PlanWork] Tổng hợp ngày 01/08/2024: {len(expected)} nhiệm vụ quá hạn cần đôn đốc "
            "– Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học"
        )
    text, html = rollups[0].body_text, rollups[0].body_html
    assert text.startswith("Kính gửi: Điều phối viên – Phòng Giáo dục thường xuyên")
    # Grouped by plan: 2417's items, then 4403's, each with lead, due date, days and link.
    part_2417, part_4403 = text.split("Kế hoạch 4403/KH-SGDĐT")
    assert "Kế hoạch 2417/KH-SGDĐT" in part_2417
    assert f"- 2.2. {t22.title}" in part_2417
    assert "Chủ trì: Phòng Tổ chức cán bộ; hạn 24/07/2024; quá hạn 8 ngày" in part_2417
    assert f"http://127.0.0.1:5000/tasks/{t22.id}" in part_2417
    assert f"- 2. {t2.title}" in part_4403
    assert "Chủ trì: Phòng Tổ chức cán bộ; hạn 31/07/2024; quá hạn 1 ngày" in part_4403
    assert f"http://127.0.0.1:5000/tasks/{t2.id}" in part_4403
    assert all(f"/tasks/{tid}\n" in text for tid in expected)
    assert f'href="http://127.0.0.1:5000/tasks/{t22.id}"' in html
    assert html.index("Kế hoạch 2417/KH-SGDĐT") < html.index("Kế hoạch 4403/KH-SGDĐT")
    assert "<strong>8 ngày</strong>" in html and "<strong>1 ngày</strong>" in html
    assert "Phòng Tổ chức cán bộ" in html and "24/07/2024" in html
    # Written once: planning the day again (catch-up, second scheduler) adds nothing.
    again = plan_for_day(day, policy)
    assert again.inserted == 0
    rows = [r for r in outbox_rows() if r.kind == MailKind.ESCALATION]
    assert sorted(r.recipient for r in rows) == sorted(GDTX_COORDINATORS)
    assert all(r.planned_for == day and r.task_id is None for r in rows)
    # The next day is not an escalation day for any of them.
    assert _rollups(plan_for_day(date(2024, 8, 2), policy, dry_run=True).mails) == []


def test_no_roll_up_on_a_day_already_escalated_task_by_task(demo_app, policy):
    """A catch-up run after the upgrade re-plans days escalated the old way: no second copy."""
    from notifications.outbox import PlannedMail, insert_ignoring_duplicates

    day, task = date(2024, 8, 1), task_of(OTHER, "2")
    old = "gdtx.coordinator@planwork.demo"
    insert_ignoring_duplicates(
        [
            PlannedMail(
                dedupe_key=f"escalation|t{task.id}|2024-07-31|-1|{old}",
                kind=MailKind.ESCALATION,
                recipient=old,
                planned_for=day,
                subject="[PlanWork] Nhiệm vụ quá hạn 1 ngày: 2 – 4403/KH-SGDĐT",
                body_text="x",
                body_html="x",
                task_id=task.id,
            )
        ]
    )
    db.session.commit()
    result = plan_for_day(day, policy)
    assert [m.recipient for m in _rollups(result.mails)] == ["gdtx.coordinator2@planwork.demo"]
    rows = [r for r in outbox_rows() if r.kind == MailKind.ESCALATION]
    assert sorted(r.recipient for r in rows) == sorted(GDTX_COORDINATORS)


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
    to = {m.recipient for m in plan_for_day(date(2024, 6, 16), policy, dry_run=True).mails}
    assert "gdtx.member2@planwork.demo" not in to
    assert "gdtx.member@planwork.demo" in to
    assert not any("admin" in r or "inspector" in r for r in to)


def test_sub_tasks_remind_their_own_lead_and_parents_do_not(demo_app, policy):
    # 4403 item 6 is led by every district office: one sub-task each, due 31/12/2024.
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
    assert parent_mails and all("phối hợp" in m.subject for m in parent_mails)
    assert {m.recipient for m in parent_mails} >= unit_addresses("HKH")


def test_digest_on_first_working_day_lead_and_coordinating_apart(demo_app, policy):
    assert plan_for_day(date(2024, 6, 30), policy, dry_run=True).mails == []
    mails = plan_for_day(date(2024, 7, 1), policy, dry_run=True).mails
    digests = [m for m in mails if m.kind == MailKind.DIGEST]
    gdtx = [m for m in digests if m.recipient == "gdtx.member@planwork.demo"]
    assert len(gdtx) == 1
    text = gdtx[0].body_text
    assert "Quý III/2024" in gdtx[0].subject
    lead_part, coord_part = text.split("NHIỆM VỤ ĐƠN VỊ PHỐI HỢP")
    assert "NHIỆM VỤ ĐƠN VỊ CHỦ TRÌ" in lead_part
    assert "Kế hoạch 2417/KH-SGDĐT" in lead_part and "Kế hoạch 4403/KH-SGDĐT" in lead_part
    assert "2.3. " in lead_part and "3.2. " in lead_part  # Quý III items GDTX leads
    assert "chủ trì: Phòng Tổ chức cán bộ" in coord_part  # 4403 item 2, via "Các phòng thuộc Sở"
    assert "1.2. " not in text  # due in Q4
    assert {m.recipient for m in digests if m.unit_name and "Tổ chức cán bộ" in m.unit_name} == (
        unit_addresses("TCCB", digest=True)
    )


def test_policy_file_changes_the_plan_without_code(demo_app, policy_file):
    path = policy_file(
        'holidays_file = "holidays_vn.json"\n'
        "[before_due]\nlead_days = [10]\ncoordinating_days = []\n"
        "[overdue]\nenabled = false\n[digest]\nenabled = false\n"
    )
    custom = load_policy(path)
    assert plan_for_day(date(2024, 6, 16), custom, dry_run=True).mails == []
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
    assert small <= 12


def test_escalation_can_be_turned_off_in_the_policy(demo_app, policy, policy_file):
    day = date(2024, 8, 1)
    quiet = load_policy(
        policy_file('holidays_file = "holidays_vn.json"\n[overdue]\nescalate = false\n')
    )
    mails = plan_for_day(day, quiet, dry_run=True).mails
    assert {m.kind for m in mails} == {MailKind.OVERDUE}
    assert len(_rollups(plan_for_day(day, policy, dry_run=True).mails)) == 2
