"""The directory imported from a file and updated by re-import: batched, audited, all or
nothing, with the old names kept for reports about the past."""

from __future__ import annotations

import io
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import Workbook

from demo.loader import load_demo
from importer.unit_table import read_unit_table
from models import AuditEvent, Unit, UnitAlias, UnitName, db
from reports.asof import unit_as_of
from reports.unit_names import unit_name_on
from reports.yearend import gather
from tests.conftest import QueryCounter
from tests.directory.helpers import HEADER, city_rows, to_csv
from tests.foundation.web import login
from workflow import clock
from workflow.directory_import import apply_import, plan_import


def _count(model) -> int:  # noqa: ANN001
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _import(data: bytes, name: str = "danh-muc.csv") -> dict[str, int]:
    plan = plan_import(read_unit_table(data, name))
    assert plan.ok, plan.errors[:5]
    return apply_import(plan, None, source=name)


def test_a_city_directory_goes_in_by_batches_not_row_by_row(app, tmp_path):  # noqa: ANN001
    rows = city_rows()
    assert len(rows) > 2_250
    plan = plan_import(read_unit_table(to_csv(rows), "danh-muc.csv"))
    assert plan.ok and len(plan.adds) == len(rows)
    with QueryCounter(db.engine) as counter:
        apply_import(plan, None, source="danh-muc.csv")
    # Three tree levels, the schools in batches of 1,000: a handful of INSERTs and SELECTs
    # plus the one audit event, whatever the number of rows.
    assert counter.count <= 30, counter.count
    inserts = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT INTO UNITS")]
    assert 3 <= len(inserts) <= 6, len(inserts)
    assert _count(Unit) == len(rows)
    district, school = _unit("PGD79-05"), _unit("79005017")
    assert school.parent_id == district.id and district.parent_id == _unit("S79").id
    assert school.kind.value == "school" and district.kind.value == "district_office"
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "directory.import")
    ).scalar_one()
    assert event.after["counts"]["add"] == len(rows)
    assert len(event.after["added"]) == len(rows)

    # Re-import the whole file with one school renamed and another moved to a district.
    renamed = [list(r) for r in rows]
    for r in renamed:
        if r[0] == "79005017":
            r[1] = "Trường thử nghiệm mang tên mới"
        if r[0] == "79006001":
            r[3] = "PGD79-07"
    plan = plan_import(read_unit_table(to_csv(renamed), "danh-muc-2.csv"))
    assert plan.ok
    assert plan.summary() == {
        "add": 0,
        "rename": 1,
        "move": 1,
        "update": 0,
        "retire": 0,
        "unchanged": len(rows) - 2,
    }
    with QueryCounter(db.engine) as counter:
        apply_import(plan, None, source="danh-muc-2.csv")
    assert counter.count <= 40, counter.count
    db.session.expire_all()
    school = _unit("79005017")
    assert school.name == "Trường thử nghiệm mang tên mới"
    assert _unit("79006001").parent_id == _unit("PGD79-07").id
    history = db.session.execute(
        sa.select(UnitName.name, UnitName.valid_to).where(UnitName.unit_id == school.id)
    ).all()
    assert sorted(h.name for h in history) == [
        "Trường thử nghiệm 17 khu vực 5",
        "Trường thử nghiệm mang tên mới",
    ]
    assert {h.name for h in history if h.valid_to is None} == {"Trường thử nghiệm mang tên mới"}
    # The unit's own trail shows the rename and the move, before and after.
    updates = (
        db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "unit.update").order_by(AuditEvent.seq)
        )
        .scalars()
        .all()
    )
    by_unit = {e.object_id: e for e in updates}
    assert by_unit[school.id].before == {"name": "Trường thử nghiệm 17 khu vực 5"}
    assert by_unit[school.id].after["name"] == "Trường thử nghiệm mang tên mới"
    moved = by_unit[_unit("79006001").id]
    assert moved.before == {"parent": "PGD79-06"} and moved.after["parent"] == "PGD79-07"
    # Documents still writing the old name resolve to the school.
    alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.text == "Trường thử nghiệm 17 khu vực 5")
    ).scalar_one()
    assert alias.unit_id == school.id


def test_a_rename_keeps_the_old_name_in_reports_about_the_past(app):  # noqa: ANN001
    # The demo's plans are issued in 2024; the directory is renamed in 2026.
    clock.freeze(datetime(2024, 1, 2, 2, 0))
    load_demo()
    clock.freeze(datetime(2026, 3, 2, 3, 0))
    gdtx = _unit("GDTX")
    old_name = gdtx.name
    new_name = "Phòng Giáo dục thường xuyên và Đại học"
    moved_school = _unit("TH-KD8")
    data = to_csv(
        [
            ["GDTX", new_name, "department", "SGDDT", gdtx.email or ""],
            ["TH-KD8", moved_school.name, "school", "PGD-Q1", moved_school.email or ""],
        ]
    )
    counts = _import(data, "doi-ten.csv")
    assert counts["rename"] == 1 and counts["move"] == 1
    db.session.expire_all()
    assert _unit("GDTX").name == new_name
    assert _unit("TH-KD8").parent_id == _unit("PGD-Q1").id
    # The name on a day before the rename is the old one; today it is the new one.
    assert unit_name_on(gdtx.id, date(2024, 6, 30)) == old_name
    assert unit_name_on(gdtx.id, date(2026, 3, 2)) == new_name
    assert unit_name_on(gdtx.id, date(2026, 3, 1)) == old_name
    # The 2024 year-end report and the as-of view of 2024 print the name as it was.
    report = gather(2024, unit_id=gdtx.id)
    assert report.items
    assert report.author_name == old_name
    then = unit_as_of(gdtx.id, date(2024, 12, 31))
    assert then and {t.lead_unit_name for t in then} == {old_name}
    now = unit_as_of(gdtx.id, date(2026, 3, 2))
    assert now and {t.lead_unit_name for t in now} == {new_name}
    # The inspector's as-of page of the unit is titled with the name of that day.
    client = app.test_client()
    login(client, "sgddt.inspector")
    page = client.get(f"/units/{gdtx.id}/as-of?date=31/12/2024").get_data(as_text=True)
    assert f"<h1>{old_name}" in page or f"{old_name}</h1>" in page or f"<title>{old_name}" in page


def test_a_bad_file_is_refused_whole_with_row_numbers(demo_app):  # noqa: ANN001
    units_before, events_before = _count(Unit), _count(AuditEvent)
    rows = [
        ["NEW-1", "Trường mới số 1", "Trường", "PGD-Q1", ""],
        ["NEW-2", "", "Trường", "PGD-Q1", ""],  # row 3: no name
        ["NEW-3", "Trường mới số 3", "Trường", "PGD-KHONG-CO", ""],  # row 4: unknown parent
        ["NEW-4", "Trường mới số 4", "Bệnh viện", "PGD-Q1", ""],  # row 5: unknown kind
        # Row 6: the name of another school of the same district (names repeat only across).
        ["NEW-5", _unit("BTX").name, "Trường", "PGD-Q1", ""],
    ]
    runner = demo_app.test_cli_runner()
    path = demo_app.instance_path + "/bad.csv"
    with open(path, "wb") as fh:
        fh.write(to_csv(rows))
    result = runner.invoke(args=["directory", "import", path])
    assert result.exit_code == 1
    assert "Dòng 3: thiếu tên đơn vị." in result.output
    assert "Dòng 5: loại đơn vị «Bệnh viện» không hợp lệ." in result.output
    # Once the rows parse, the directory checks: parent and name clashes, with row numbers.
    with open(path, "wb") as fh:
        fh.write(to_csv([rows[0], rows[2], rows[4]]))
    result = runner.invoke(args=["directory", "import", path])
    assert result.exit_code == 1, result.output
    assert "Dòng 3: mã đơn vị cấp trên «PGD-KHONG-CO» không có trong danh mục." in result.output
    assert "Dòng 4: tên «" in result.output
    assert "đã thuộc đơn vị «BTX» cùng đơn vị cấp trên" in result.output
    # Nothing changed: not even the good first row.
    assert _count(Unit) == units_before and _count(AuditEvent) == events_before
    assert db.session.execute(sa.select(Unit).where(Unit.code == "NEW-1")).first() is None
    # A file without the required columns says which.
    table = read_unit_table("Tên\nTrường A\n".encode(), "x.csv")
    assert table.errors == ["Dòng 1: thiếu cột «mã», «loại» (dòng tiêu đề)."]


def test_dry_run_prints_and_writes_nothing_then_the_import_writes(demo_app):  # noqa: ANN001
    units_before, events_before = _count(Unit), _count(AuditEvent)
    path = demo_app.instance_path + "/moi.csv"
    with open(path, "wb") as fh:
        fh.write(
            to_csv(
                [
                    ["79001999", "Trường Tiểu học Thử Nghiệm", "Trường", "PGD-Q1", ""],
                    ["BTX", "Trường THPT Bùi Thị Xuân", "school", "PGD-Q3", ""],
                ]
            )
        )
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["directory", "import", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Thêm 1, đổi tên 0, chuyển cấp trên 1" in result.output
    assert "+ 79001999" in result.output and "> BTX  cấp trên PGD-Q1 → PGD-Q3" in result.output
    assert _count(Unit) == units_before and _count(AuditEvent) == events_before
    result = runner.invoke(args=["directory", "import", path])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _unit("79001999").parent_id == _unit("PGD-Q1").id
    assert _unit("BTX").parent_id == _unit("PGD-Q3").id


def test_an_xlsx_file_is_read_like_a_csv(demo_app):  # noqa: ANN001
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["79008901", "Trường Mầm non Thử Nghiệm", "Trường", "PGD-Q8", None])
    buffer = io.BytesIO()
    book.save(buffer)
    counts = _import(buffer.getvalue(), "danh-muc.xlsx")
    assert counts["add"] == 1
    assert _unit("79008901").parent_id == _unit("PGD-Q8").id
