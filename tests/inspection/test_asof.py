"""The plan and unit "as of" a date agree with what the app held on that day."""

from __future__ import annotations

from datetime import date

from reports.asof import plan_as_of, unit_as_of
from tests.inspection.conftest import P2417, P4403, REPORT_3, plan_id, task, unit_id


def test_reconstruction_matches_the_states_recorded_at_the_time(year):
    assert len(year.snapshots) == 4
    for day, recorded in year.snapshots.items():
        rebuilt = {}
        for number in (P4403, P2417):
            for t in plan_as_of(plan_id(number), day):
                rebuilt[t.task_id] = (t.state, t.lead_unit_id, t.due_on)
        assert rebuilt == recorded, day


def test_end_of_day_is_vietnam_time_and_reports_are_as_they_stood(year):
    on_30 = {t.number: t for t in plan_as_of(plan_id(P4403), date(2024, 9, 30))}
    assert on_30["3"].state == "reported"  # 23:30 local on 30/09 counts
    assert [r.text for r in on_30["3"].reports] == [REPORT_3]
    assert on_30["4"].state == "assigned"  # 00:30 local on 01/10 does not
    before = {t.number: t for t in plan_as_of(plan_id(P4403), date(2024, 9, 29))}
    assert before["3"].state == "in_progress" and before["3"].reports == []
    assert plan_as_of(plan_id(P4403), date(2023, 12, 31)) == []  # nothing existed yet


def test_unit_as_of_follows_reassignment(year):
    item2 = task(P4403, "2")
    march = {t.task_id for t in unit_as_of(unit_id("TCCB"), date(2024, 3, 31))}
    april = {t.task_id for t in unit_as_of(unit_id("TCCB"), date(2024, 4, 30))}
    assert item2.id in march and item2.id not in april
    assert item2.id in {t.task_id for t in unit_as_of(unit_id("GDTRH"), date(2024, 4, 30))}
