"""Plans and tasks by hand (issue 10, part 6): each service, its refusals, its audit events;
withdrawal stops reminders and leaves the live counts; a re-upload of a plan without a
number is recognised; items without a deadline are counted apart."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditEvent, Plan, PlanStatus, Task, TaskState, Unit, User, db
from notifications.planner import plan_for_day
from notifications.policy import load_policy
from reports import progress
from tests.foundation.helpers import event_count, events_for, find_task
from tests.notifications.conftest import at
from tests.ui.support import walk
from workflow import plan_editing, plan_item_edit, plan_items, plan_withdrawal
from workflow.errors import InvalidInput, PermissionDenied, StaleObject
from workflow.import_commit import commit_import, find_existing_plan
from workflow.import_draft import PLAN_TIMEFRAME_WARNING, review_draft, source_fingerprint
from workflow.import_update import update_from_import
from workflow.plan_fields import HeaderFields, ItemFields
from workflow.plans import DuplicatePlan

PLAN = "4403/KH-SGDĐT"


def unit_id(code: str) -> int:
    return db.session.execute(sa.select(Unit.id).where(Unit.code == code)).scalar_one()


def rows() -> dict[str, int]:
    """Rows of what these services write: nothing may change when one refuses."""
    return {
        m.__tablename__: db.session.execute(sa.select(sa.func.count(m.id))).scalar_one()
        for m in (Plan, Task, AuditEvent)
    }


def header(**overrides) -> HeaderFields:  # noqa: ANN003
    values = {
        "title": "Kế hoạch bồi dưỡng giáo viên năm 2025",
        "tracking_unit_id": unit_id("GDTX"),
        "number": "15/KH-GDTX",
        "issued_on": date(2025, 2, 10),
        "issuer": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "year": 2025,
    }
    values.update(overrides)
    return HeaderFields(**values)


def items() -> list[ItemFields]:
    return [
        ItemFields(
            number="1",
            title="Tổ chức lớp bồi dưỡng cán bộ quản lý",
            leads=["Phòng Tổ chức cán bộ"],
            coordinating=["GDTX"],
            timeframe_text="Quý II năm 2025",
        ),
        ItemFields(
            number="2",
            title="Triển khai học tập suốt đời tại các quận, huyện",
            leads=["PGD-Q1", "Phòng Giáo dục và Đào tạo quận 3"],
            due_on=date(2025, 9, 15),
        ),
        ItemFields(
            number="3",
            title="Tổng kết phong trào khuyến học",
            leads=["Hội Khuyến học Thành phố"],
        ),
    ]


def new_plan(users) -> Plan:  # noqa: ANN001
    plan_id = plan_editing.create_plan_by_hand(header(), items(), users("gdtx.coordinator"))
    return db.session.get(Plan, plan_id)


def item(plan: Plan, number: str) -> Task:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan.id,
            Task.number == number,
            Task.parent_id.is_(None),
            Task.state != TaskState.CANCELLED,
        )
    ).scalar_one()


def top_numbers(plan: Plan) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(Task.number)
            .where(Task.plan_id == plan.id, Task.parent_id.is_(None))
            .order_by(Task.position)
        ).scalars()
    )


# --- create by hand ----------------------------------------------------------------------


def test_a_plan_by_hand_gets_its_tasks_fanned_out_and_audited(users):  # noqa: ANN001
    plan = new_plan(users)
    assert (plan.number, plan.year, plan.issued_on) == ("15/KH-GDTX", 2025, date(2025, 2, 10))
    assert plan.issuer_id == unit_id("SGDDT")
    one = item(plan, "1")
    assert one.lead_unit_id == unit_id("TCCB")
    assert (one.periods, one.due_on) == (["2025-Q2"], date(2025, 6, 30))
    assert [tu.unit_id for tu in one.units if tu.role == "coordinating"] == [unit_id("GDTX")]
    two = item(plan, "2")
    assert two.lead_unit_id is None
    assert {s.lead_unit_id for s in two.subtasks} == {unit_id("PGD-Q1"), unit_id("PGD-Q3")}
    assert (two.due_on, two.periods) == (date(2025, 9, 15), ["2025-09"])
    three = item(plan, "3")
    assert three.due_on is None and three.periods == []
    actions = db.session.execute(
        sa.select(AuditEvent.action).where(AuditEvent.plan_id == plan.id)
    ).scalars()
    # The plan, three items and two sub-tasks.
    assert sorted(actions) == ["plan.create"] + ["task.create"] * 5


def test_a_group_lead_fans_out_to_every_member(users):  # noqa: ANN001
    fields = [ItemFields(number="1", title="Báo cáo sơ kết", leads=["G-PGD"])]
    plan_id = plan_editing.create_plan_by_hand(header(), fields, users("gdtx.coordinator"))
    parent = item(db.session.get(Plan, plan_id), "1")
    assert len(parent.subtasks) == 22


@pytest.mark.parametrize(
    ("who", "error"),
    [("gdtx.member", PermissionDenied), ("sgddt.inspector", PermissionDenied)],
)
def test_members_and_inspectors_cannot_create_plans(users, who, error):  # noqa: ANN001
    before = rows()
    with pytest.raises(error):
        plan_editing.create_plan_by_hand(header(), items(), users(who))
    assert rows() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "  "}, "Kế hoạch cần có tiêu đề."),
        ({"tracking_unit_id": None}, "Hãy chọn cơ quan thường trực"),
        ({"number": PLAN}, f"Kế hoạch số {PLAN} đã có trong hệ thống."),
    ],
)
def test_a_bad_header_is_refused_in_vietnamese_and_nothing_is_written(users, change, message):  # noqa: ANN001
    before = rows()
    with pytest.raises(InvalidInput) as refused:
        plan_editing.create_plan_by_hand(header(**change), items(), users("gdtx.coordinator"))
    assert message in refused.value.message
    assert rows() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (ItemFields(number="1", title="Việc", leads=["Phòng Không Có"]), "Không tìm thấy đơn vị"),
        (ItemFields(number="1", title="Việc", leads=[]), "cần có đơn vị chủ trì"),
        (ItemFields(number="", title="Việc", leads=["TCCB"]), "cần có số thứ tự"),
        (ItemFields(number="1", title=" ", leads=["TCCB"]), "chưa có nội dung"),
        (
            ItemFields(number="1", title="Việc", leads=["TCCB"], due_on=date(2999, 1, 1)),
            "Hạn",
        ),
    ],
)
def test_a_bad_item_is_refused_and_nothing_is_written(users, fields, message):  # noqa: ANN001
    before = rows()
    with pytest.raises(InvalidInput) as refused:
        plan_editing.create_plan_by_hand(header(), [fields], users("gdtx.coordinator"))
    assert message in refused.value.message
    assert rows() == before


def test_duplicate_item_numbers_are_refused(users):  # noqa: ANN001
    twice = [items()[0], items()[0]]
    with pytest.raises(InvalidInput, match="bị trùng"):
        plan_editing.create_plan_by_hand(header(), twice, users("gdtx.coordinator"))


def test_an_unnumbered_plan_typed_twice_is_caught(users):  # noqa: ANN001
    coordinator = users("gdtx.coordinator")
    plan_editing.create_plan_by_hand(header(number=None), items(), coordinator)
    with pytest.raises(DuplicatePlan, match="đã có trong hệ thống"):
        plan_editing.create_plan_by_hand(
            header(number=None, title="KẾ HOẠCH BỒI DƯỠNG GIÁO VIÊN NĂM 2025"), items(), coordinator
        )


# --- items --------------------------------------------------------------------------------


def test_add_an_item_at_the_end_with_its_event(users):  # noqa: ANN001
    plan = new_plan(users)
    task_id = plan_items.add_item(
        plan.id,
        users("gdtx.coordinator"),
        ItemFields(number="4", title="Kiểm tra cuối năm", leads=["TTRA"], timeframe_text="Quý IV"),
        reason="Bổ sung theo chỉ đạo",
    )
    assert top_numbers(plan) == ["1", "2", "3", "4"]
    task = db.session.get(Task, task_id)
    assert (task.periods, task.due_on) == (["2025-Q4"], date(2025, 12, 31))
    [created] = events_for(task_id)
    assert (created.action, created.reason) == ("task.create", "Bổ sung theo chỉ đạo")
    with pytest.raises(InvalidInput, match="đã có nhiệm vụ số 4"):
        plan_items.add_item(
            plan.id, users("gdtx.coordinator"), ItemFields(number="4", title="x", leads=["TTRA"])
        )


def test_only_the_plans_coordinators_and_admins_edit_it(users):  # noqa: ANN001
    plan = new_plan(users)
    fields = ItemFields(number="9", title="Việc mới", leads=["TTRA"])
    before = rows()
    for who in ("gdtx.member", "sgddt.inspector", "tccb.coordinator"):
        with pytest.raises(PermissionDenied):
            plan_items.add_item(plan.id, users(who), fields)
    assert rows() == before
    plan_items.add_item(plan.id, users("sgddt.admin"), fields)


def test_edit_an_item_its_units_and_deadline(users):  # noqa: ANN001
    plan = new_plan(users)
    one = item(plan, "1")
    version = plan_item_edit.edit_item(
        one.id,
        users("gdtx.coordinator"),
        ItemFields(
            number="1a",
            title="Tổ chức 3 lớp bồi dưỡng cán bộ quản lý",
            leads=["Phòng Kế hoạch tài chính"],
            coordinating=["TCCB", "GDTX"],
            timeframe_text="Quý III năm 2025",
        ),
        expected_version=one.version,
    )
    task = item(plan, "1a")
    assert task.version == version
    assert task.lead_unit_id == unit_id("KHTC")
    assert (task.periods, task.due_on) == (["2025-Q3"], date(2025, 9, 30))
    assert [tu.unit_id for tu in task.units if tu.role == "coordinating"] == [
        unit_id("TCCB"),
        unit_id("GDTX"),
    ]
    update = events_for(task.id)[-1]
    assert update.action == "task.update"
    assert update.before["number"] == "1" and update.after["number"] == "1a"
    assert update.after["lead"] == ["Phòng Kế hoạch tài chính"]
    assert update.actor_name and update.occurred_at


def test_an_item_gets_a_second_lead_and_loses_one(users):  # noqa: ANN001
    plan = new_plan(users)
    coordinator = users("gdtx.coordinator")
    two = item(plan, "2")
    plan_item_edit.edit_item(
        two.id,
        coordinator,
        ItemFields(number="2", title=two.title, leads=["PGD-Q1", "PGD-Q4"], due_on=two.due_on),
        expected_version=two.version,
    )
    two = item(plan, "2")
    states = {s.lead_unit_id: s.state for s in two.subtasks}
    assert states == {
        unit_id("PGD-Q1"): TaskState.ASSIGNED,
        unit_id("PGD-Q3"): TaskState.CANCELLED,
        unit_id("PGD-Q4"): TaskState.ASSIGNED,
    }
    # Positions stay in order: the item, then its sub-tasks, then the next item.
    positions = [t.position for t in [two, *two.subtasks]]
    assert positions == sorted(positions) and item(plan, "3").position > max(positions)


def test_an_edit_after_work_started_needs_a_reason_and_a_fresh_version(users):  # noqa: ANN001
    plan = new_plan(users)
    one = item(plan, "1")
    walk(users, one.id, "tccb.member", "start")
    one = item(plan, "1")
    coordinator = users("gdtx.coordinator")
    changed = ItemFields(number="1", title="Tiêu đề mới", leads=["TCCB"], coordinating=["GDTX"])
    changed.timeframe_text = one.timeframe_text
    before = rows()
    with pytest.raises(InvalidInput, match="hãy nêu lý do"):
        plan_item_edit.edit_item(one.id, coordinator, changed, expected_version=one.version)
    with pytest.raises(StaleObject):
        plan_item_edit.edit_item(
            one.id,
            coordinator,
            changed,
            expected_version=one.version - 1,
            reason="Sửa lỗi chính tả",
        )
    assert rows() == before
    plan_item_edit.edit_item(
        one.id, coordinator, changed, expected_version=one.version, reason="Sửa lỗi chính tả"
    )
    assert item(plan, "1").title == "Tiêu đề mới"
    assert events_for(one.id)[-1].reason == "Sửa lỗi chính tả"


def test_move_an_item_up_and_down(users):  # noqa: ANN001
    plan = new_plan(users)
    coordinator = users("gdtx.coordinator")
    three = item(plan, "3")
    plan_items.move_item(three.id, coordinator, "up", expected_version=three.version)
    assert top_numbers(plan) == ["1", "3", "2"]
    moved = events_for(three.id)[-1]
    assert (moved.action, moved.before, moved.after) == (
        "task.move",
        {"order": 3},
        {"order": 2, "before": "2"},
    )
    one = item(plan, "1")
    with pytest.raises(InvalidInput, match="đầu"):
        plan_items.move_item(one.id, coordinator, "up", expected_version=one.version)
    two = item(plan, "2")
    subs_before = sorted(s.id for s in two.subtasks)
    plan_items.move_item(two.id, coordinator, "up", expected_version=two.version)
    assert top_numbers(plan) == ["1", "2", "3"]
    two = item(plan, "2")
    assert sorted(s.id for s in two.subtasks) == subs_before
    assert all(
        item(plan, "1").position < s.position < item(plan, "3").position for s in two.subtasks
    )


def test_remove_an_item_cancels_it_with_the_reason_and_keeps_it(users):  # noqa: ANN001
    plan = new_plan(users)
    coordinator = users("gdtx.coordinator")
    two = item(plan, "2")
    sub_ids = [s.id for s in two.subtasks]
    with pytest.raises(InvalidInput, match="lý do"):
        plan_items.remove_item(two.id, coordinator, expected_version=two.version, reason=" ")
    plan_items.remove_item(two.id, coordinator, expected_version=two.version, reason="Nhập trùng")
    db.session.expire_all()
    for task_id in [two.id, *sub_ids]:
        task = db.session.get(Task, task_id)
        assert task.state == TaskState.CANCELLED
        event = events_for(task_id)[-1]
        assert (event.action, event.reason) == ("task.cancel", "Nhập trùng")
    assert "2" in top_numbers(plan)  # still there, cancelled: the trail keeps everything
    # The number is free again for a corrected item.
    plan_items.add_item(plan.id, coordinator, ItemFields(number="2", title="Lại", leads=["TCCB"]))


def test_a_verified_item_cannot_be_removed(users):  # noqa: ANN001
    plan = new_plan(users)
    one = item(plan, "1")
    walk(users, one.id, "tccb.member", "start", "report")
    walk(users, one.id, "gdtx.coordinator", "verify")
    one = item(plan, "1")
    with pytest.raises(InvalidInput, match="đã được xác nhận"):
        plan_items.remove_item(
            one.id, users("gdtx.coordinator"), expected_version=one.version, reason="x"
        )


def test_edit_the_plan_header(users):  # noqa: ANN001
    plan = new_plan(users)
    coordinator = users("gdtx.coordinator")
    new = header(number="16/KH-GDTX", title="Kế hoạch bồi dưỡng giáo viên (sửa đổi)")
    plan_editing.update_plan_header(plan.id, coordinator, new, expected_version=plan.version)
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert (plan.number, plan.title) == ("16/KH-GDTX", "Kế hoạch bồi dưỡng giáo viên (sửa đổi)")
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "plan.update")
    ).scalar_one()
    assert event.before["number"] == "15/KH-GDTX" and event.after["number"] == "16/KH-GDTX"
    with pytest.raises(StaleObject):
        plan_editing.update_plan_header(plan.id, coordinator, header(), expected_version=1)
    with pytest.raises(InvalidInput, match="đã có trong hệ thống"):
        plan_editing.update_plan_header(
            plan.id, coordinator, header(number=PLAN), expected_version=plan.version
        )
    walk(users, item(plan, "1").id, "tccb.member", "start")
    with pytest.raises(InvalidInput, match="lý do"):
        plan_editing.update_plan_header(
            plan.id, coordinator, header(), expected_version=plan.version
        )


# --- withdrawal --------------------------------------------------------------------------


def test_withdraw_cancels_open_tasks_each_with_its_event(users):  # noqa: ANN001
    plan = new_plan(users)
    coordinator = users("gdtx.coordinator")
    one = item(plan, "1")
    walk(users, one.id, "tccb.member", "start", "report")
    walk(users, one.id, "gdtx.coordinator", "verify")
    with pytest.raises(InvalidInput, match="lý do thu hồi"):
        plan_withdrawal.withdraw_plan(
            plan.id, coordinator, expected_version=plan.version, reason=""
        )
    with pytest.raises(PermissionDenied):
        plan_withdrawal.withdraw_plan(
            plan.id, users("sgddt.inspector"), expected_version=plan.version, reason="x"
        )
    count = plan_withdrawal.withdraw_plan(
        plan.id, coordinator, expected_version=plan.version, reason="Nhập nhầm văn bản"
    )
    assert count == 4  # items 2 (with its 2 sub-tasks) and 3; item 1 stays verified
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.status == PlanStatus.WITHDRAWN
    tasks = db.session.execute(sa.select(Task).where(Task.plan_id == plan.id)).scalars().all()
    for task in tasks:
        if task.id == one.id:
            assert task.state == TaskState.VERIFIED
            continue
        assert task.state == TaskState.CANCELLED
        event = events_for(task.id)[-1]
        assert (event.action, event.reason) == ("task.cancel", "Nhập nhầm văn bản")
    withdraw = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "plan.withdraw")
    ).scalar_one()
    assert withdraw.reason == "Nhập nhầm văn bản" and withdraw.after["cancelled_tasks"] == 4
    # Nothing more may change on a withdrawn plan.
    before = event_count()
    with pytest.raises(InvalidInput, match="thu hồi"):
        plan_items.add_item(plan.id, coordinator, ItemFields(number="9", title="x", leads=["TCCB"]))
    with pytest.raises(InvalidInput, match="thu hồi"):
        plan_withdrawal.withdraw_plan(
            plan.id, coordinator, expected_version=plan.version, reason="x"
        )
    assert event_count() == before


def test_a_withdrawn_plan_gets_no_reminders_and_leaves_the_live_counts(users):  # noqa: ANN001
    policy = load_policy()
    parent = find_task("2417/KH-SGDĐT", "2.1")
    plan = db.session.get(Plan, parent.plan_id)
    # Friday 14/06: the 14-day reminders of the Sunday 30/06 deadlines (Sunday 16/06) go then.
    day = date(2024, 6, 14)
    at(day)
    mine = {t for (t,) in db.session.execute(sa.select(Task.id).where(Task.plan_id == plan.id))}
    planned = {m.task_id for m in plan_for_day(day, policy, dry_run=True).mails}
    assert planned & mine
    inspector = users("sgddt.inspector")
    assert progress.dashboard(inspector, "2024-Q2", plan.id).total.counted > 0
    plan_withdrawal.withdraw_plan(
        plan.id, users("gdtx.coordinator"), expected_version=plan.version, reason="Nhập nhầm"
    )
    planned = {m.task_id for m in plan_for_day(day, policy, dry_run=True).mails}
    assert not planned & mine
    board = progress.dashboard(inspector, "2024-Q2", plan.id)
    assert board.total.counted == 0 and sum(board.total.states.values()) == 0
    assert board.overdue_count == 0 and board.no_deadline_count == 0
    # Inspectors still read it and its history.
    assert db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.plan_id == plan.id)
    ).scalar_one() > len(mine)


def test_a_withdrawn_plans_number_can_be_imported_again(users):  # noqa: ANN001
    plan = new_plan(users)
    coordinator = users("gdtx.coordinator")
    plan_withdrawal.withdraw_plan(
        plan.id, coordinator, expected_version=plan.version, reason="Nhầm"
    )
    again = plan_editing.create_plan_by_hand(header(), items(), coordinator)
    assert again != plan.id
    assert db.session.get(Plan, again).number == plan.number


# --- re-upload of a plan without a number ------------------------------------------------


def unnumbered_draft(title: str = "Kế hoạch phát triển văn hóa đọc năm 2025") -> dict:
    return review_draft(
        {
            "plan": {
                "number": None,
                "issuer": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
                "issued_on": "2025-03-01",
                "title": title,
                "based_on": [],
            },
            "items": [
                {
                    "number": "1",
                    "title": "Xây dựng thư viện thân thiện",
                    "lead": ["Phòng Giáo dục Tiểu học"],
                    "coordinating": [],
                    "timeframe_text": "Quý II năm 2025",
                    "periods": ["2025-Q2"],
                    "due": "2025-06-30",
                },
                {
                    "number": "2",
                    "title": "Ngày hội đọc sách",
                    "lead": ["Phòng Giáo dục Trung học"],
                    "coordinating": [],
                    "timeframe_text": None,
                    "periods": [],
                    "due": None,
                },
            ],
        },
        "van-hoa-doc.txt",
    )


def test_review_proposes_the_plans_timeframe_for_items_without_one(demo_app):  # noqa: ANN001
    draft = unnumbered_draft()
    second = draft["items"][1]
    assert (second["periods"], second["due"], second["timeframe_text"]) == (
        ["2025"],
        "2025-12-31",
        "năm 2025",
    )
    assert PLAN_TIMEFRAME_WARNING in second["warnings"]
    assert draft["items"][0]["due"] == "2025-06-30"  # its own timeframe is kept


def test_an_unnumbered_plan_uploaded_again_is_offered_as_an_update(users):  # noqa: ANN001
    coordinator = users("gdtx.coordinator")
    first = unnumbered_draft()
    plan_id = commit_import(first, coordinator, tracking_unit_id=unit_id("GDTX"))
    assert db.session.get(Plan, plan_id).source_hash == first["source_hash"]
    # The same document again: recognised by its fingerprint.
    again = unnumbered_draft()
    assert find_existing_plan(again).id == plan_id
    before = rows()
    with pytest.raises(DuplicatePlan, match="cùng cơ quan ban hành"):
        commit_import(again, coordinator, tracking_unit_id=unit_id("GDTX"))
    assert rows() == before
    # A new version (an item more) with the same issuer, date and title: recognised too.
    newer = unnumbered_draft("KẾ HOẠCH PHÁT TRIỂN VĂN HÓA ĐỌC NĂM 2025")
    newer["items"].append(dict(newer["items"][0], number="3", title="Cuộc thi đại sứ văn hóa đọc"))
    newer["source_hash"] = source_fingerprint(newer)
    assert find_existing_plan(newer).id == plan_id
    summary = update_from_import(plan_id, newer, coordinator)
    assert summary.added == ["3"]
    # Another plan of the same issuer and day with another title is new.
    other = unnumbered_draft("Kế hoạch chuyển đổi số năm 2025")
    other["source_hash"] = source_fingerprint(other)
    assert find_existing_plan(other) is None


def test_a_withdrawn_unnumbered_plan_is_not_offered_as_an_update(users):  # noqa: ANN001
    coordinator = users("gdtx.coordinator")
    plan_id = commit_import(unnumbered_draft(), coordinator, tracking_unit_id=unit_id("GDTX"))
    plan = db.session.get(Plan, plan_id)
    plan_withdrawal.withdraw_plan(
        plan_id, coordinator, expected_version=plan.version, reason="Nhầm"
    )
    assert find_existing_plan(unnumbered_draft()) is None
    with pytest.raises(InvalidInput, match="thu hồi"):
        update_from_import(plan_id, unnumbered_draft(), coordinator)


# --- no deadline ---------------------------------------------------------------------------


def test_open_tasks_without_a_deadline_are_counted_apart(users):  # noqa: ANN001
    inspector: User = users("sgddt.inspector")
    before = progress.dashboard(inspector).no_deadline_count
    plan = new_plan(users)  # item 3 has no deadline
    board = progress.dashboard(inspector, None, plan.id)
    assert board.no_deadline_count == 1
    assert progress.dashboard(inspector).no_deadline_count == before + 1
    listed = progress.list_tasks(progress.TaskFilter(no_due=True, plan_id=plan.id), inspector)
    assert [t.number for t in listed.items] == ["3"]


def test_an_imported_unresolved_unit_may_stay_while_the_title_is_edited(users):  # noqa: ANN001
    task = find_task(PLAN, "10")
    before = [(tu.display_name, tu.needs_review) for tu in task.units if tu.role == "coordinating"]
    assert any(tu.unit_id is None and tu.group_id is None for tu in task.units)
    fields = ItemFields(
        number="10",
        title=task.title + " (sửa)",
        leads=[tu.display_name for tu in task.units if tu.role == "lead"],
        coordinating=[tu.display_name for tu in task.units if tu.role == "coordinating"],
        timeframe_text=task.timeframe_text,
        due_on=task.due_on,
    )
    plan_item_edit.edit_item(
        task.id, users("gdtx.coordinator"), fields, expected_version=task.version
    )
    db.session.expire_all()
    task = find_task(PLAN, "10")
    assert task.title.endswith("(sửa)")
    kept = [tu for tu in task.units if tu.role == "coordinating"]
    assert [(tu.display_name, tu.needs_review) for tu in kept] == before
    change = events_for(task.id)[-1]
    assert set(change.after) == {"title"}  # the units did not change


def test_a_school_year_title_proposes_the_school_year(demo_app):  # noqa: ANN001
    draft = review_draft(
        {
            "plan": {"number": None, "title": "Kế hoạch giáo dục năm học 2025-2026"},
            "items": [{"number": "1", "title": "Việc", "lead": [], "periods": [], "due": None}],
        }
    )
    proposed = draft["items"][0]
    assert proposed["periods"] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert proposed["due"] == "2026-05-31"
    untimed = review_draft(
        {"plan": {"title": "Kế hoạch tuyên truyền"}, "items": [{"number": "1", "title": "x"}]}
    )
    assert not untimed["items"][0].get("due")


def test_taking_away_the_last_open_lead_completes_the_item(users):  # noqa: ANN001
    plan = new_plan(users)
    two = item(plan, "2")
    q1 = next(s for s in two.subtasks if s.lead_unit_id == unit_id("PGD-Q1"))
    walk(users, q1.id, "pgd-q1.member", "start", "report")
    walk(users, q1.id, "gdtx.coordinator", "verify")
    two = item(plan, "2")
    plan_item_edit.edit_item(
        two.id,
        users("gdtx.coordinator"),
        ItemFields(number="2", title=two.title, leads=["PGD-Q1"], due_on=two.due_on),
        expected_version=two.version,
        reason="Quận 3 không tham gia",
    )
    two = item(plan, "2")
    assert two.state == TaskState.VERIFIED
    assert {"task.update", "task.rollup"} <= {e.action for e in events_for(two.id)}
