"""Indicator values sent with a task's report: one transaction, audited, linked to the task.

Item 4 of 4403/KH-SGDĐT is in progress at Phòng GDTX-CN&ĐH after the walk of 2024
(conftest); the unit gets four indicators for 2024, one of each kind the form offers.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, Indicator, IndicatorValue, Report, Task, db
from reports import indicators as indicator_reports
from tests.foundation.web import csrf_token, login
from tests.inspection.conftest import P4403, task, unit_id, user
from workflow import indicator_framework, indicators, task_reports
from workflow.errors import InvalidInput

PERCENT, COUNT, CHANGE, RATING = "1.1.1.3", "2.1.1.1", "1.2.1.1", "2.4.1.2"


def _indicator(code: str) -> Indicator:
    return db.session.execute(sa.select(Indicator).where(Indicator.code == code)).scalar_one()


@pytest.fixture
def assigned(year) -> dict[str, int]:  # noqa: ANN001
    indicator_framework.load_framework()
    coord = user("gdtx.coordinator")
    ids = {}
    for code in (PERCENT, COUNT, CHANGE, RATING):
        ids[code] = _indicator(code).id
        indicators.assign(ids[code], unit_id("GDTX"), 2024, coord)
    return ids


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        ).scalars()
    )


def _nothing_written(item_id: int, before_seq: int) -> None:
    db.session.expire_all()
    assert db.session.get(Task, item_id).state == "in_progress"
    assert db.session.execute(sa.select(Report).where(Report.task_id == item_id)).all() == []
    assert db.session.execute(sa.select(IndicatorValue)).all() == []
    assert db.session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar() == before_seq


def _last_seq() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEvent.seq))).scalar_one()


def test_values_go_in_with_the_report_in_one_transaction(assigned):
    item = task(P4403, "4")
    member = user("gdtx.member")
    task_reports.submit_report(
        item.id,
        member,
        expected_version=None,
        text="Đã tổ chức xóa mù chữ",
        indicator_values={
            assigned[PERCENT]: indicators.ValueInput(number=99.07),
            assigned[RATING]: indicators.ValueInput(rating=4, note="Phủ sóng 90% điểm"),
        },
    )
    report = db.session.execute(sa.select(Report).where(Report.task_id == item.id)).scalar_one()
    values = {v.indicator.code: v for v in db.session.execute(sa.select(IndicatorValue)).scalars()}
    assert set(values) == {PERCENT, RATING}
    assert values[PERCENT].number == 99.07 and values[RATING].rating == 4
    for v in values.values():
        assert (v.unit_id, v.year, v.task_id, v.report_id) == (
            unit_id("GDTX"), 2024, item.id, report.id
        )  # fmt: skip
        assert v.entered_by_id == member.id
    events = _events("indicator.value")
    assert [(e.after["indicator"], e.after["task_id"], e.after["report_id"]) for e in events] == [
        (PERCENT, item.id, report.id),
        (RATING, item.id, report.id),
    ]
    report_event = _events("task.report")[-1]
    # The same transaction: the values' events sit next to the report's in the chain.
    assert {e.seq for e in events} | {report_event.seq} == set(
        range(events[0].seq, report_event.seq + 1)
    )
    assert all(e.actor_id == member.id and e.unit_id == unit_id("GDTX") for e in events)
    assert indicator_reports.display_value(values[PERCENT]) == "99,07%"


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        (PERCENT, indicators.ValueInput(number=140), "tỷ lệ phải từ 0 đến 100"),
        (RATING, indicators.ValueInput(rating=7), "mức đánh giá từ 1 đến 5"),
        (CHANGE, indicators.ValueInput(change="up"), "chọn Tăng, Không đổi hoặc Giảm"),
        (COUNT, indicators.ValueInput(number=-3), "Chỉ số 2.1.1.1"),
    ],
)
def test_a_bad_value_refuses_the_whole_report(assigned, code, value, message):
    item = task(P4403, "4")
    seq = _last_seq()
    with pytest.raises(InvalidInput) as refused:
        task_reports.submit_report(
            item.id,
            user("gdtx.member"),
            expected_version=None,
            text="Báo cáo kèm số liệu sai",
            indicator_values={
                assigned[PERCENT]: indicators.ValueInput(number=98.5),  # a good one is undone
                assigned[code]: value,
            },
        )
    assert message in refused.value.message
    _nothing_written(item.id, seq)


def test_an_indicator_not_assigned_for_the_year_is_refused(assigned):
    item = task(P4403, "4")
    seq = _last_seq()
    other = _indicator("1.1.1.1").id
    with pytest.raises(InvalidInput, match="không được giao cho đơn vị trong năm 2024"):
        task_reports.submit_report(
            item.id,
            user("gdtx.member"),
            expected_version=None,
            text="Báo cáo",
            indicator_values={other: indicators.ValueInput(number=50)},
        )
    _nothing_written(item.id, seq)


def test_a_report_without_values_still_goes_in(assigned):
    item = task(P4403, "4")
    task_reports.submit_report(
        item.id, user("gdtx.member"), expected_version=None, text="Chỉ có nội dung"
    )
    assert db.session.get(Task, item.id).state == "reported"
    assert db.session.execute(sa.select(IndicatorValue)).all() == []


def _report_page(client, item_id: int) -> str:  # noqa: ANN001
    response = client.get(f"/tasks/{item_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_report_form_offers_the_units_indicators_and_saves_them(assigned, app):  # noqa: ANN001
    item = task(P4403, "4")
    client = app.test_client()
    login(client, "gdtx.member")
    html = _report_page(client, item.id)
    percent, rating, change, count = (assigned[c] for c in (PERCENT, RATING, CHANGE, COUNT))
    for name in (
        f"indicator-{percent}-number",
        f"indicator-{count}-number",
        f"indicator-{change}-change",
        f"indicator-{rating}-rating",
    ):
        assert f'name="{name}"' in html
    assert "Số liệu chỉ số năm 2024" in html
    response = client.post(
        f"/tasks/{item.id}/report",
        data={
            "csrf_token": csrf_token(html),
            "version": str(item.version),
            "text": "Báo cáo kèm chỉ số",
            f"indicator-{percent}-number": "99,07",
            f"indicator-{change}-change": "increase",
            f"indicator-{change}-number": "",
            f"indicator-{rating}-rating": "5",
            f"indicator-{count}-number": "",  # left blank: not sent
        },
    )
    assert response.status_code == 302
    assert "Đã gửi báo cáo." in client.get(response.location).get_data(as_text=True)
    values = {v.indicator.code: v for v in db.session.execute(sa.select(IndicatorValue)).scalars()}
    assert set(values) == {PERCENT, CHANGE, RATING}
    assert values[PERCENT].number == 99.07 and values[RATING].rating == 5
    assert values[CHANGE].change == "increase"
    assert {v.task_id for v in values.values()} == {item.id}
    assert len(_events("indicator.value")) == 3
    # The page a coordinator of another unit sees has no such fields (no report action).
    client.post("/logout", data={"csrf_token": csrf_token(_report_page(client, item.id))})
    login(client, "gdtrh.member")
    assert "indicator-" not in _report_page(client, task(P4403, "3").id)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("number", "140", "tỷ lệ phải từ 0 đến 100"),
        ("number", "chín mươi", "Số liệu chỉ số không hợp lệ"),
        ("rating", "7", "mức đánh giá từ 1 đến 5"),
    ],
)
def test_the_report_form_refuses_a_bad_value_and_writes_nothing(
    assigned, app, field, typed, message
):  # noqa: ANN001, E501
    item = task(P4403, "4")
    seq = _last_seq()
    client = app.test_client()
    login(client, "gdtx.member")
    html = _report_page(client, item.id)
    target = assigned[RATING] if field == "rating" else assigned[PERCENT]
    response = client.post(
        f"/tasks/{item.id}/report",
        data={
            "csrf_token": csrf_token(html),
            "version": str(item.version),
            "text": "Báo cáo kèm số liệu sai",
            f"indicator-{target}-{field}": typed,
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    # A login writes its own event; nothing else may have been written.
    logins = len(_events("user.login"))
    _nothing_written(item.id, seq + logins)


def test_the_report_form_without_csrf_is_refused(assigned, app):  # noqa: ANN001
    item = task(P4403, "4")
    client = app.test_client()
    login(client, "gdtx.member")
    response = client.post(
        f"/tasks/{item.id}/report",
        data={
            "version": str(item.version),
            "text": "x",
            f"indicator-{assigned[PERCENT]}-number": "5",
        },
    )
    assert response.status_code in (302, 400)
    assert db.session.execute(sa.select(IndicatorValue)).all() == []
