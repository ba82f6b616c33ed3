"""Schools that share a name across districts ("Trường Tiểu học Kim Đồng" in quận 8 and in
Gò Vấp): the directory takes both, every page tells them apart by their district, and a
plan naming the school leaves the choice to the coordinator instead of picking one."""

from __future__ import annotations

import sqlalchemy as sa

from importer.unit_table import read_unit_table
from models import Plan, Role, Task, TaskUnit, Unit, UnitRole, User, db
from tests.directory.helpers import HEADER, to_csv
from tests.foundation.web import login
from workflow.directory_import import apply_import, plan_import
from workflow.errors import InvalidInput
from workflow.import_commit import commit_import
from workflow.import_draft import review_draft
from workflow.import_draft_store import save_draft
from workflow.import_resolution import Resolver, pending_mentions
from workflow.tokens import create_token
from workflow.unit_admin import create_unit

NAME = "Trường Tiểu học Kim Đồng"
Q8 = "Phòng Giáo dục và Đào tạo quận 8"


def _unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _second_kim_dong() -> Unit:
    """The demo's Kim Đồng is in quận 8; a file adds Gò Vấp's, of the same name."""
    table = read_unit_table(
        to_csv([["TH-KDGV", NAME, "Trường", "PGD-GVAP", ""]], HEADER), "danh-muc.csv"
    )
    plan = plan_import(table)
    assert plan.ok, plan.errors
    apply_import(plan, None, source="danh-muc.csv")
    return _unit("TH-KDGV")


def _draft(issuer: str = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh") -> dict:
    return review_draft(
        {
            "plan": {
                "number": "77/KH-SGDĐT",
                "issuer": issuer,
                "issued_on": "2025-03-01",
                "title": "Kế hoạch ngày hội đọc sách năm 2025",
                "based_on": [],
            },
            "items": [
                {
                    "number": "1",
                    "title": "Tổ chức ngày hội đọc sách cấp trường",
                    "lead": [NAME],
                    "coordinating": [],
                    "timeframe_text": "Quý II năm 2025",
                    "periods": ["2025-Q2"],
                    "due": "2025-06-30",
                }
            ],
        },
        "77.txt",
    )


def test_two_schools_of_one_name_in_two_districts_import(demo_app):  # noqa: ANN001
    first, second = _unit("TH-KD8"), _second_kim_dong()
    assert first.name == second.name == NAME and first.id != second.id
    assert first.parent.code == "PGD-Q8" and second.parent.code == "PGD-GVAP"
    # Under one parent, though, two units of one name are refused, by file and by hand.
    again = plan_import(
        read_unit_table(
            to_csv([["TH-KDGV2", NAME, "Trường", "PGD-GVAP", ""]], HEADER), "danh-muc.csv"
        )
    )
    assert not again.ok and "cùng đơn vị cấp trên" in again.errors[0]
    in_file = read_unit_table(
        to_csv(
            [
                ["A1", "Trường A", "Trường", "PGD-Q1", ""],
                ["A2", "Trường A", "Trường", "PGD-Q1", ""],
            ],
            HEADER,
        ),
        "danh-muc.csv",
    )
    assert in_file.errors and "cùng đơn vị cấp trên" in in_file.errors[0]
    actor = db.session.execute(sa.select(User).where(User.role == Role.ADMIN)).scalars().first()
    try:
        create_unit(actor, code="TH-KDGV3", name=NAME, kind=first.kind, parent_id=second.parent_id)
    except InvalidInput as error:
        assert "cùng đơn vị cấp trên" in error.message
    else:
        raise AssertionError("a second Kim Đồng under Gò Vấp was accepted")
    # In a third district, by hand, it is fine.
    create_unit(actor, code="TH-KDQ1", name=NAME, kind=first.kind, parent_id=_unit("PGD-Q1").id)
    assert len(db.session.execute(sa.select(Unit).where(Unit.name == NAME)).all()) == 3


def test_shared_names_show_their_district_in_choices(demo_app, client):  # noqa: ANN001
    second = _second_kim_dong()
    first = _unit("TH-KD8")
    gv = second.parent.name
    login(client, "sgddt.admin")
    page = client.get("/admin/units/new").get_data(as_text=True)
    assert f"{NAME} — {Q8}" in page and f"{NAME} — {gv}" in page
    # A name borne once shows plain.
    assert "Trường THPT Bùi Thị Xuân —" not in page
    # The API lists both bearers of the name, told apart by parent_id.
    user = db.session.execute(sa.select(User).where(User.username == "sgddt.admin")).scalar_one()
    token = create_token(user.id, None, scope="read", name="homonyms").secret
    response = client.get(
        "/api/v1/units", query_string={"name": NAME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert {(u["id"], u["parent_id"]) for u in items} == {
        (first.id, first.parent_id),
        (second.id, second.parent_id),
    }


def test_a_plan_naming_the_school_asks_the_coordinator(demo_app, client, tmp_path):  # noqa: ANN001
    second = _second_kim_dong()
    first = _unit("TH-KD8")
    draft = _draft()
    resolver = Resolver(draft)
    # The name alone picks neither school; the review proposes both, with their district.
    assert resolver.target(NAME) is None
    (pending,) = pending_mentions(draft, resolver)
    assert pending["text"] == NAME and pending["proposed_parent"] is None
    labels = dict(pending["candidates"])
    assert labels == {
        f"unit:{first.id}": f"{NAME} — {Q8}",
        f"unit:{second.id}": f"{NAME} — {second.parent.name}",
    }
    # The review page shows the candidates to the coordinator.
    coordinator = db.session.execute(
        sa.select(User).where(User.username == "gdtx.coordinator")
    ).scalar_one()
    demo_app.config["IMPORT_DRAFT_DIR"] = tmp_path / "imports"
    token = save_draft(tmp_path / "imports", coordinator, draft)
    login(client, "gdtx.coordinator")
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "Các đơn vị cùng tên" in page
    assert f"{NAME} — {second.parent.name}" in page and f"{NAME} — {Q8}" in page
    # The coordinator chooses Gò Vấp's school: the task goes to it, not to quận 8's.
    draft["mappings"] = {NAME: f"unit:{second.id}"}
    draft["mapping_scopes"] = {NAME: "plan"}
    plan_id = commit_import(draft, coordinator)
    leads = db.session.execute(
        sa.select(TaskUnit.unit_id)
        .join(Task, Task.id == TaskUnit.task_id)
        .where(Task.plan_id == plan_id, TaskUnit.role == UnitRole.LEAD)
    ).scalars()
    assert set(leads) == {second.id}
    assert db.session.get(Plan, plan_id) is not None


def test_a_district_plan_means_its_own_school(demo_app):  # noqa: ANN001
    second = _second_kim_dong()
    resolver = Resolver(_draft(issuer=second.parent.name))
    assert resolver.target(NAME).unit_id == second.id
    resolver = Resolver(_draft(issuer=Q8))
    assert resolver.target(NAME).unit_id == _unit("TH-KD8").id
