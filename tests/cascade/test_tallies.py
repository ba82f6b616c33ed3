"""The roll-up's kept figures (workflow/cascade_tallies.py) equal a full recount after
every change that moves them: the cascade scenario, each transition of a linked lower
task, a due date change, a link confirmed, rejected or undone, a plan made from the
cascade; and `planwork counters rebuild --check` agrees (or names the difference)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from models import CascadePlanTally, CascadeTally, ItemLink, ItemLinkStatus, db
from reports.cascade import rollup
from tests.imports.helpers import user
from web.counter_commands import counters_cli
from workflow import cascade_recount, clock, task_edits
from workflow import tasks as svc
from workflow.cascade import link_items_by_hand
from workflow.task_reports import submit_report

from .helpers import item, linked_and_verified


def _agree() -> None:
    db.session.expire_all()
    assert cascade_recount.differences() == {}


def _level(city: int, number: str, level: str):  # noqa: ANN202
    db.session.expire_all()
    items = {i.number: i for i in rollup(city).page.items}
    return {lvl.level: lvl for lvl in items[number].levels}.get(level)


def test_kept_figures_follow_every_transition_of_a_linked_lower_task(import_app, web):
    clock.freeze(datetime(2024, 9, 1, 3))
    city, district = linked_and_verified()
    _agree()
    assert db.session.execute(sa.select(sa.func.sum(CascadeTally.n))).scalar_one() > 0
    coordinator = user("pgd-q8.coordinator")
    member = user("pgd-q8.member")
    task = item(district, "2")

    def version() -> int:
        db.session.expire_all()
        return item(district, "2").version

    before = _level(city, "2.1", "district").tally.counted
    svc.start_task(task.id, member, expected_version=version())
    _agree()
    submit_report(task.id, member, expected_version=version(), text="Đã làm")
    _agree()
    svc.return_task(task.id, coordinator, expected_version=version(), reason="Thiếu số liệu")
    _agree()
    submit_report(task.id, member, expected_version=version(), text="Bổ sung")
    svc.verify_task(task.id, coordinator, expected_version=version())
    _agree()
    assert _level(city, "2.1", "district").plans_done == 1
    svc.reopen_task(task.id, coordinator, expected_version=version(), reason="Cần bổ sung")
    _agree()
    task_edits.update_task(
        task.id,
        coordinator,
        expected_version=version(),
        reason="Đổi hạn",
        changes={"due_on": date(2024, 8, 1)},
    )
    _agree()
    # Overdue is decided at read time against today, from the kept due dates.
    assert _level(city, "2.1", "district").tally.buckets["open_overdue"] >= 1
    svc.cancel_task(task.id, coordinator, expected_version=version(), reason="Không còn cần")
    _agree()
    assert _level(city, "2.1", "district").tally.counted == before - 1


def test_kept_figures_follow_links_confirmed_rejected_and_made_by_hand(import_app, web):
    # The scenario confirms two proposed links and rejects the rest through workflow.
    city, _district = linked_and_verified()
    _agree()
    admin = user("sgddt.admin")
    rejected = (
        db.session.execute(
            sa.select(ItemLink)
            .where(ItemLink.status == ItemLinkStatus.REJECTED)
            .order_by(ItemLink.id)
        )
        .scalars()
        .all()
    )
    assert rejected, "the scenario rejects some proposed links"
    link = rejected[0]
    higher = link.higher_task.number
    level = _level(city, higher, "district")
    before = sum(level.tally.states.values()) if level is not None else 0
    link_items_by_hand(link.lower_task_id, link.higher_task_id, admin)
    _agree()
    assert sum(_level(city, higher, "district").tally.states.values()) > before


def test_rebuild_check_finds_no_difference_and_names_a_tampered_row(import_app, web):
    linked_and_verified()
    runner = import_app.test_cli_runner()
    result = runner.invoke(counters_cli, ["rebuild", "--check"])
    assert result.exit_code == 0, result.output
    db.session.execute(sa.update(CascadeTally).values(n=CascadeTally.n + 1))
    db.session.commit()
    result = runner.invoke(counters_cli, ["rebuild", "--check"])
    assert result.exit_code == 1 and "triển khai ở cấp dưới" in result.output
    db.session.execute(sa.delete(CascadePlanTally))
    db.session.commit()
    assert runner.invoke(counters_cli, ["rebuild"]).exit_code == 0
    _agree()
    assert db.session.execute(sa.select(sa.func.count(CascadePlanTally.id))).scalar_one() > 0
