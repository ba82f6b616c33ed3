"""The Done-when walk-through: a coordinator imports 4403/KH-SGDĐT through the web page."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

import importer
from models import AuditEvent, Plan, Task, TaskUnit, UnitAlias, UnitGroup, UnitRole, db
from tests.conftest import finish_job
from workflow.import_resolution import import_directory
from workflow.text import fold

from .helpers import (
    NUMBER_4403,
    SEED_4403,
    UNKNOWN,
    UNKNOWN_TOO,
    counts,
    csrf,
    field_named,
    form_fields,
    login,
    unit,
    user,
)


def post_document(web, data: bytes, filename: str = "4403.txt"):  # noqa: ANN001
    """Send the upload form; the answer is a redirect to the parsing job's page."""
    page = web.get("/imports/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return web.post(
        "/imports/new",
        data={"csrf_token": token, "document": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def upload(web, worker, data: bytes, filename: str = "4403.txt"):  # noqa: ANN001
    """Upload, let the worker parse, and return the job page's redirect to the review."""
    return finish_job(web, worker, post_document(web, data, filename))


def review_form(web, location: str) -> tuple[str, dict[str, str]]:  # noqa: ANN001
    page = web.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return html, form_fields(html, location)


def top_tasks(plan_id: int) -> list[Task]:
    return list(
        db.session.execute(
            sa.select(Task)
            .where(Task.plan_id == plan_id, Task.parent_id.is_(None))
            .order_by(Task.position)
        ).scalars()
    )


def test_coordinator_imports_4403_maps_a_unit_confirms_and_sees_items(
    web, import_app, tmp_path, queue_worker
):
    login(web, "gdtx.coordinator")
    home = web.get("/my-tasks").get_data(as_text=True)
    assert 'href="/imports/new"' in home and "Nhập kế hoạch" in home
    before = counts()

    queued = post_document(web, SEED_4403.read_bytes(), "4403-KH-SGDDT.txt")
    assert not list((tmp_path / "imports").glob("*.json"))  # the request parsed nothing
    response = finish_job(web, queue_worker, queued)
    assert response.status_code == 302
    location = response.headers["Location"]
    token = location.rsplit("/", 1)[1]
    draft_file = tmp_path / "imports" / f"{token}.json"
    assert draft_file.exists()  # kept server-side, not in the cookie
    # Nothing written before confirmation but the audit event of the upload's job.
    assert counts() == {**before, "audit_events": before["audit_events"] + 1}

    html, fields = review_form(web, location)
    assert html.count('<tr class="item') == 11
    assert html.count('<tr class="suggestion') == 3
    assert "low-confidence" in html  # item 10's unknown coordinating unit scores 0
    assert "bị hỏng do OCR" in html  # item 6's repaired quarter is flagged
    assert f"«{UNKNOWN}»" in html
    # The issuer is a unit of the directory: it is the default tracking unit.
    assert fields["tracking_unit"] == f"unit:{unit('SGDDT').id}"
    assert fields["plan-number"] == NUMBER_4403
    assert (
        fields["items-5-lead"] == "Phòng Giáo dục và Đào tạo thành phố Thủ Đức và các quận, huyện"
    )

    # Map the one unknown unit, fix an OCR-damaged title and the plan title, then confirm.
    fields[field_named(fields, UNKNOWN)] = f"unit:{unit('TCCB').id}"
    # The reviewer's scope for the mapping: every plan (the page offers this issuer's plans).
    assert fields[field_named(fields, UNKNOWN) + "-scope"] == "issuer"
    fields[field_named(fields, UNKNOWN) + "-scope"] = "global"
    fields[field_named(fields, UNKNOWN_TOO)] = f"unit:{unit('VPS').id}"
    fields["items-0-title"] = "Thực hiện nhiệm vụ “Giao Sở GDĐT chủ trì phối hợp với Sở Nội vụ”"
    fields["plan-title"] = "Triển khai thực hiện Đề án “Xây dựng xã hội học tập” năm 2024"
    fields["tracking_unit"] = f"unit:{unit('GDTX').id}"
    fields["action"] = "create"
    response = web.post(location, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = db.session.execute(sa.select(Plan).where(Plan.number == NUMBER_4403)).scalar_one()
    assert response.headers["Location"].endswith(f"/plans/{plan.id}")
    assert not draft_file.exists()
    assert plan.tracking_unit_id == unit("GDTX").id
    assert plan.issuer_id == unit("SGDDT").id
    assert plan.title.startswith("Triển khai thực hiện Đề án")
    assert plan.source_filename == "4403-KH-SGDDT.txt"

    # 11 items; item 6 fans out to every district office.
    items = top_tasks(plan.id)
    assert [t.number for t in items] == [str(n) for n in range(1, 12)]
    assert items[0].title.startswith("Thực hiện nhiệm vụ “Giao Sở GDĐT")
    district_offices = db.session.execute(
        sa.select(UnitGroup).where(UnitGroup.code == "G-PGD")
    ).scalar_one()
    item6 = items[5]
    assert len(item6.subtasks) == 22
    assert {s.lead_unit_id for s in item6.subtasks} == {m.id for m in district_offices.members}
    assert item6.due_on.isoformat() == "2024-12-31" and item6.periods == ["2024-Q3", "2024-Q4"]
    # The mapped mention is a real unit on item 10 now, and an alias for next time.
    item10_units = {(tu.role, tu.unit_id) for tu in items[9].units}
    assert (UnitRole.COORDINATING, unit("TCCB").id) in item10_units
    alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.folded == fold(UNKNOWN))
    ).scalar_one()
    assert alias.unit_id == unit("TCCB").id and alias.scope == "global"
    issuer_alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.folded == fold(UNKNOWN_TOO))
    ).scalar_one()
    assert issuer_alias.scope == "issuer"
    assert issuer_alias.scope_key == fold("Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id)).all()
    coordinator_id = user("gdtx.coordinator").id
    assert ("unit.alias", coordinator_id) in events and ("plan.create", coordinator_id) in events
    assert sum(1 for a, _ in events if a == "task.create") == counts()["tasks"] - before["tasks"]
    assert not db.session.execute(
        sa.select(TaskUnit).where(TaskUnit.needs_review.is_(True))
    ).first()  # every mention resolved

    # The plan page lists the 11 items with their sub-tasks and the roll-up.
    page = web.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert page.count('<tr class="item"') == 11
    row6 = page.split('id="item-6"')[1].split('<tr class="item"')[0]
    assert row6.count('class="subtask"') == 22
    assert "Phòng Giáo dục và Đào tạo quận Gò Vấp" in row6
    assert "0/22" in row6
    assert "Phòng Tổ chức cán bộ" in page.split('id="item-10"')[1]

    # The alias resolves on the next parse.
    again = importer.parse_file(SEED_4403, directory=import_directory()).to_json()
    mention = next(m for m in again["items"][9]["mentions"]["coordinating"] if m["text"] == UNKNOWN)
    assert mention["unit"] == "Phòng Tổ chức cán bộ" and mention["confidence"] == 1.0


def test_importing_again_is_caught_and_offered_as_an_update(web, import_app, queue_worker):
    login(web, "gdtx.coordinator")
    first = upload(web, queue_worker, SEED_4403.read_bytes()).headers["Location"]
    _, fields = review_form(web, first)
    fields["tracking_unit"] = f"unit:{unit('GDTX').id}"  # as 4403 names it
    fields["action"] = "create"
    assert web.post(first, data=fields).status_code == 302
    plan_id = db.session.execute(sa.select(Plan.id)).scalar_one()
    second = upload(web, queue_worker, SEED_4403.read_bytes()).headers["Location"]
    before = counts()
    html, fields = review_form(web, second)
    assert f"Kế hoạch số {NUMBER_4403} đã có trong hệ thống" in html
    assert 'value="update"' in html and 'value="create"' not in html
    # Forcing "create" anyway is refused, and nothing is written.
    fields["action"] = "create"
    refused = web.post(second, data=fields)
    assert refused.status_code == 400
    assert "đã có trong hệ thống" in refused.get_data(as_text=True)
    assert counts() == before

    # The update: a changed deadline on item 3 and a suggested item taken in.
    fields["action"] = "update"
    fields["items-2-due"] = "2024-11-30"
    fields["suggestions-0-include"] = "1"
    fields["suggestions-0-number"] = "12"
    response = web.post(second, data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan_id}")
    assert db.session.execute(sa.select(sa.func.count(Plan.id))).scalar_one() == 1
    items = top_tasks(plan_id)
    assert [t.number for t in items][-2:] == ["11", "12"]
    item3 = items[2]
    assert item3.due_on.isoformat() == "2024-11-30"
    update = db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == "task.update", AuditEvent.object_id == item3.id
        )
    ).scalar_one()
    assert update.reason == "Cập nhật từ văn bản"
    assert update.before == {"due_on": "2024-12-31"} and update.after == {"due_on": "2024-11-30"}
    assert counts()["tasks"] == before["tasks"] + 1  # one new item, no duplicates
    page = web.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "thêm 1 nhiệm vụ, sửa 1" in page


def test_a_failed_confirmation_writes_nothing_not_even_the_mapping(web, import_app, queue_worker):
    login(web, "gdtx.coordinator")
    location = upload(web, queue_worker, SEED_4403.read_bytes()).headers["Location"]
    _, fields = review_form(web, location)
    before = counts()
    fields[field_named(fields, UNKNOWN)] = f"unit:{unit('TCCB').id}"
    fields["items-1-number"] = "1"  # two items numbered 1
    fields["action"] = "create"
    response = web.post(location, data=fields)
    assert response.status_code == 400
    assert "Số thứ tự nhiệm vụ bị trùng: 1" in response.get_data(as_text=True)
    assert counts() == before
    # An impossible date is refused on the page too, and the edits are kept.
    fields["items-1-number"] = "2"
    fields["plan-issued_on"] = "31/02/2024"
    response = web.post(location, data=fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ngày ban hành «31/02/2024» không hợp lệ" in html
    assert counts() == before
    _, kept = review_form(web, location)
    assert kept[field_named(kept, UNKNOWN)] == f"unit:{unit('TCCB').id}"


def test_members_cannot_import_and_drafts_belong_to_their_uploader(web, import_app, queue_worker):
    login(web, "gdtx.member")
    home = web.get("/my-tasks").get_data(as_text=True)
    assert 'href="/imports/new"' not in home
    assert web.get("/imports/new").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    before = counts()
    response = web.post(
        "/imports/new",
        data={"csrf_token": token, "document": (io.BytesIO(SEED_4403.read_bytes()), "a.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert counts() == before

    login(web, "gdtx.coordinator")
    location = upload(web, queue_worker, SEED_4403.read_bytes()).headers["Location"]
    before["audit_events"] += 1  # the upload's "job.request"
    login(web, "tccb.coordinator")  # another coordinator cannot open or confirm it
    assert web.get(location).status_code == 404
    other = web.get("/imports/new").get_data(as_text=True)
    stolen = web.post(location, data={"csrf_token": csrf(other), "action": "create"})
    assert stolen.status_code == 404
    assert counts() == before
    assert web.get("/imports/not-a-token").status_code == 404
    login(web, "sgddt.admin")
    assert web.get(location).status_code == 404
