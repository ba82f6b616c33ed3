"""workflow/import_*.py below the page: edits, resolution, permissions, updates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import importer
from models import AuditEvent, Plan, Task, UnitRole, db
from workflow.errors import NotFound, PermissionDenied
from workflow.import_commit import commit_import, draft_to_input
from workflow.import_draft import review_draft
from workflow.import_draft_store import load_draft, purge_drafts, save_draft
from workflow.import_resolution import Resolver, import_directory, pending_mentions
from workflow.import_review import apply_edits
from workflow.import_update import update_from_import
from workflow.plans import DuplicatePlan

from .helpers import SEED_4403, UNKNOWN, UNKNOWN_TOO, counts, unit, user


def _draft() -> dict:
    parsed = importer.parse_file(SEED_4403, directory=import_directory()).to_json()
    return review_draft(parsed, "4403.txt")


def _item(plan_id: int, number: str) -> Task:
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan_id, Task.number == number, Task.parent_id.is_(None)
        )
    ).scalar_one()


def test_edits_reparse_a_changed_timeframe_unless_the_date_is_set(import_app):
    draft = _draft()
    form = {
        "items-2-number": "3",
        "items-2-include": "1",
        "items-2-title": "Duy trì kết quả xóa mù chữ",
        "items-2-lead": "Phòng Giáo dục Trung học\n",
        "items-2-coordinating": "GDTX-CN&ĐH\nHội Khuyến học Thành phố",
        "items-2-timeframe": "Quý II năm 2025",
        "items-2-due": draft["items"][2]["due"],
        "items-3-number": "4",
        "items-3-include": "1",
        "items-3-title": "x",
        "items-3-timeframe": "Quý II năm 2025",
        "items-3-due": "15/05/2025",
    }
    edited, errors = apply_edits(draft, form)
    assert errors == []
    three, four = edited["items"][2], edited["items"][3]
    assert three["periods"] == ["2025-Q2"] and three["due"] == "2025-06-30"
    assert four["due"] == "2025-05-15"  # the reviewer's date wins over the timeframe's
    assert three["coordinating"] == ["GDTX-CN&ĐH", "Hội Khuyến học Thành phố"]
    resolver = Resolver()
    plan_input = draft_to_input(edited, resolver, unit("GDTX").id)
    coordinating = plan_input.items[2].coordinating
    assert coordinating[0].unit_id == unit("GDTX").id  # resolved through the alias
    assert coordinating[1].unit_id == unit("HKH").id
    # An unknown name typed by the reviewer is offered for mapping, flagged meanwhile.
    edited, _ = apply_edits(edited, {**form, "items-2-lead": "Ban Tuyên giáo Thành ủy"})
    pending = {m["text"]: m["items"] for m in pending_mentions(edited, resolver)}
    assert pending == {UNKNOWN_TOO: ["10"], UNKNOWN: ["10"], "Ban Tuyên giáo Thành ủy": ["3"]}
    assert draft_to_input(edited, resolver, unit("GDTX").id).items[2].leads[0].needs_review
    # Excluded items are not imported.
    edited, _ = apply_edits(edited, {"items-10-number": "11", "items-10-title": "x"})
    assert len(draft_to_input(edited, resolver, unit("GDTX").id).items) == 10


def test_only_coordinators_and_admins_import(import_app):
    before = counts()
    with pytest.raises(PermissionDenied):
        commit_import(_draft(), user("gdtx.member"))
    with pytest.raises(PermissionDenied):
        commit_import(_draft(), user("ttra.inspector"))
    assert counts() == before
    plan_id = commit_import(_draft(), user("sgddt.admin"))
    plan = db.session.get(Plan, plan_id)
    assert plan.tracking_unit_id == unit("SGDDT").id  # the issuer, a unit of the directory
    with pytest.raises(DuplicatePlan) as caught:
        commit_import(_draft(), user("gdtx.coordinator"))
    assert caught.value.plan_id == plan_id
    # Coordinators of other units may not update a plan they neither issue nor track.
    with pytest.raises(PermissionDenied):
        update_from_import(plan_id, _draft(), user("gdtx.coordinator"))
    with pytest.raises(NotFound):
        update_from_import(plan_id + 100, _draft(), user("sgddt.admin"))


def test_update_changes_fields_and_coordinators_never_deletes_or_reassigns(import_app):
    admin = user("sgddt.admin")
    plan_id = commit_import(_draft(), admin, tracking_unit_id=unit("GDTX").id)
    draft = _draft()
    draft["items"][5]["title"] = "Đẩy mạnh hoạt động của các trung tâm học tập cộng đồng"
    draft["items"][1]["lead"] = ["Văn phòng Sở"]  # a different lead: reported, not applied
    draft["items"][3]["coordinating"] = ["Hội Khuyến học Thành phố"]
    del draft["items"][10]  # item 11 missing from the new version: kept
    summary = update_from_import(plan_id, draft, user("gdtx.coordinator"))
    assert summary.updated == ["4", "6"] and summary.added == []
    assert summary.missing == ["11"] and summary.lead_differs == ["2"]
    assert "giao lại" in summary.message and "không xóa" in summary.message
    item6 = _item(plan_id, "6")
    assert item6.title.startswith("Đẩy mạnh hoạt động")
    assert all(s.title == item6.title for s in item6.subtasks)
    assert _item(plan_id, "2").lead_unit_id == unit("TCCB").id
    item4 = _item(plan_id, "4")
    assert [tu.unit_id for tu in item4.units if tu.role == UnitRole.COORDINATING] == [
        unit("HKH").id
    ]
    assert _item(plan_id, "11") is not None
    updates = (
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "task.update"))
        .scalars()
        .all()
    )
    assert len(updates) == 2 + 22  # items 4 and 6, and item 6's sub-tasks
    assert {e.reason for e in updates} == {"Cập nhật từ văn bản"}
    coord_event = next(e for e in updates if e.object_id == item4.id)
    assert coord_event.after == {"coordinating": ["Hội Khuyến học Thành phố"]}
    assert len(coord_event.before["coordinating"]) == 1


def test_drafts_are_kept_per_owner_and_tokens_are_checked(import_app, tmp_path):
    folder = tmp_path / "drafts"
    token = save_draft(folder, user("gdtx.coordinator"), {"plan": {}, "items": []})
    assert load_draft(folder, token, user("gdtx.coordinator")) == {"plan": {}, "items": []}
    with pytest.raises(NotFound):
        load_draft(folder, token, user("tccb.coordinator"))
    for bad in ("../../etc/passwd", "short", token + "/x"):
        with pytest.raises(NotFound):
            load_draft(folder, bad, user("gdtx.coordinator"))
    assert purge_drafts(folder, max_age=-1) == 1
