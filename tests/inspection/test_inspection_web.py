"""The inspector's path through the pages, the exports read back, and tampering shown."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from models import AuditEvent, db
from reports.audit_trail import AuditFilter, audit_page
from tests.conftest import finish_job
from tests.foundation.web import csrf_token, login
from tests.inspection.conftest import P4403, REPORT_3, plan_id, task, unit_id, user
from workflow import indicator_framework, indicators


@pytest.fixture
def web(app, year):  # noqa: ANN001
    return app.test_client()


def _verify_event(item_id: int) -> AuditEvent:
    return db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.action == "task.verify", AuditEvent.object_id == item_id
        )
    ).scalar_one()


def test_inspector_finds_who_verified_item_3_and_when(web, queue_worker):
    login(web, "ttra.inspector")
    home = web.get("/inspection").get_data(as_text=True)
    assert "/audit?plan=" in home and "action=task.verify" in home.replace("&amp;", "&")
    page = web.get(f"/audit?plan={plan_id(P4403)}&action=task.verify").get_data(as_text=True)
    verifier = user("gdtx.coordinator2").full_name
    assert verifier in page and "10/10/2024 09:15" in page  # 02:15 UTC is 09:15 in Vietnam
    timeline = web.get(f"/tasks/{task(P4403, '3').id}/timeline").get_data(as_text=True)
    assert "Xác nhận hoàn thành" in timeline and verifier in timeline
    asof = web.get(f"/plans/{plan_id(P4403)}/as-of?date=30/09/2024").get_data(as_text=True)
    assert "30/09/2024" in asof and "Đã báo cáo" in asof and REPORT_3 in asof
    # The pack is built by the worker; the request only queues it.
    pack = finish_job(
        web, queue_worker, web.get(f"/plans/{plan_id(P4403)}/inspection-pack.zip?year=2024")
    )
    assert pack.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    assert {
        "muc-luc.csv",
        "kiem-tra-chuoi.txt",
        "nhat-ky/nhat-ky.csv",
        "nhat-ky/nhat-ky.pdf",
    } <= set(names)
    assert "bao-cao-nam/bao-cao-2024.docx" in names
    assert any(n.startswith("bao-cao/4403") and n.endswith("bao-cao.txt") for n in names)


def test_audit_exports_parse_back_with_the_right_rows(web):
    login(web, "sgddt.inspector")
    query = f"plan={plan_id(P4403)}&action=task.verify"
    verifier = user("gdtx.coordinator2").full_name
    rows = list(
        csv.DictReader(io.StringIO(web.get(f"/audit/export.csv?{query}").data.decode("utf-8-sig")))
    )
    item3 = task(P4403, "3").id
    assert [
        (r["Mã đối tượng"], r["Người thực hiện"], r["Toàn vẹn"])
        for r in rows
        if r["Mã đối tượng"] == str(item3)
    ] == [(str(item3), verifier, "đúng")]
    assert {r["Thao tác"] for r in rows} == {"task.verify"}
    book = load_workbook(io.BytesIO(web.get(f"/audit/export.xlsx?{query}").data))
    sheet = list(book["Nhật ký"].values)
    assert sheet[0][0] == "Số thứ tự" and any(r[2] == verifier and r[8] == item3 for r in sheet[1:])
    info = [r for r in book["Thông tin"].values]
    assert any(r[0] == "Kế hoạch" and r[1] == P4403 for r in info)
    pdf = PdfReader(io.BytesIO(web.get(f"/audit/export.pdf?{query}").data))
    first = pdf.pages[0].extract_text()
    assert P4403 in first and "task.verify" in first and "Trang 1" in first
    assert verifier in first and "Chuỗi toàn vẹn" in first
    fonts = str(pdf.pages[0]["/Resources"]["/Font"].get_object())
    assert (
        "DejaVuSans"
        in str([f.get_object()["/BaseFont"] for f in pdf.pages[0]["/Resources"]["/Font"].values()])
        or fonts
    )


def test_who_may_read_the_trail(web):
    login(web, "gdtx.member")
    assert web.get("/audit").status_code == 403
    assert web.get(f"/plans/{plan_id(P4403)}/as-of?date=30/09/2024").status_code == 403
    assert web.get(f"/plans/{plan_id(P4403)}/inspection-pack.zip").status_code == 403
    web.post(
        "/logout", data={"csrf_token": csrf_token(web.get("/indicators").get_data(as_text=True))}
    )
    login(web, "gdtrh.coordinator")  # tracks no plan
    assert web.get("/audit").status_code == 403
    web.post(
        "/logout", data={"csrf_token": csrf_token(web.get("/indicators").get_data(as_text=True))}
    )
    login(web, "gdtx.coordinator")  # tracks both demo plans
    assert web.get("/audit").status_code == 200


def test_year_end_report_reads_like_the_quan_8_report_with_the_annex(web, queue_worker):
    trh = user("gdtrh.member")
    framework = indicator_framework.load_framework()
    assert framework >= 50
    from models import Indicator

    literacy = db.session.execute(
        sa.select(Indicator).where(Indicator.code == "1.1.1.3")
    ).scalar_one()
    indicators.assign(literacy.id, unit_id("GDTRH"), 2024, user("gdtx.coordinator"))
    indicators.enter_value(
        literacy.id,
        unit_id("GDTRH"),
        2024,
        trh,
        indicators.ValueInput(number=99.07),
        task_id=task(P4403, "3").id,
    )
    assert (
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "indicator.value"))
        .scalar_one()
        .after["number"]
        == 99.07
    )
    login(web, "gdtx.coordinator")
    response = finish_job(
        web, queue_worker, web.get(f"/plans/{plan_id(P4403)}/year-end.docx?year=2024")
    )
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in doc.paragraphs)
    for heading in (
        "BÁO CÁO",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. ĐÁNH GIÁ KẾT QUẢ ĐẠT ĐƯỢC",
        "III. NHIỆM VỤ TRỌNG TÂM NĂM 2025",
        "PHỤ LỤC",
    ):
        assert heading in text
    assert REPORT_3 in text
    counts = {r.cells[0].text: r.cells[1].text for r in doc.tables[1].rows[1:]}
    assert counts["Hoàn thành đúng hạn"] == "1" and counts["Hoàn thành quá hạn"] == "1"
    annex = [[c.text for c in r.cells] for r in doc.tables[-1].rows]
    # Four columns as in the Quận 8 annex; the value is named by the unit that entered it.
    assert any("Tỷ lệ phần trăm người biết chữ" in r[2] and "99,07%" in r[3] for r in annex)
    sheet = list(
        load_workbook(
            io.BytesIO(
                finish_job(
                    web, queue_worker, web.get(f"/plans/{plan_id(P4403)}/year-end.xlsx?year=2024")
                ).data
            )
        )["Nhiệm vụ"].values
    )
    row3 = next(r for r in sheet if r[1] == "3")
    assert row3[5] == "Đã xác nhận" and row3[6] == "Hoàn thành đúng hạn" and REPORT_3 in row3[10]


def _tamper(seq: int) -> None:
    from tests.foundation.test_audit import _drop_triggers

    _drop_triggers()
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(AuditEvent.__table__)
            .where(AuditEvent.__table__.c.seq == seq)
            .values(reason="sửa lén")
        )
    db.session.expire_all()


def test_an_edited_event_shows_as_broken_in_page_export_and_pack(web, queue_worker):
    login(web, "ttra.inspector")
    assert "Chuỗi toàn vẹn" in web.get("/audit").get_data(as_text=True)  # stores a verdict
    target = _verify_event(task(P4403, "3").id)
    _tamper(target.seq)
    page = web.get(f"/audit?plan={plan_id(P4403)}&action=task.verify").get_data(as_text=True)
    assert "BỊ SỬA" in page and str(target.seq) in page
    home = web.get("/audit").get_data(as_text=True)
    posted = web.post("/audit/verify", data={"csrf_token": csrf_token(home)})
    assert finish_job(web, queue_worker, posted).headers["Location"].endswith("/audit")
    page = web.get("/audit").get_data(as_text=True)
    assert f"CHUỖI BỊ PHÁ VỠ tại sự kiện số {target.seq}" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                web.get(f"/audit/export.csv?plan={plan_id(P4403)}").data.decode("utf-8-sig")
            )
        )
    )
    assert [r["Số thứ tự"] for r in rows if r["Toàn vẹn"] == "BỊ SỬA"] == [str(target.seq)]
    pdf_text = (
        PdfReader(io.BytesIO(web.get(f"/audit/export.pdf?plan={plan_id(P4403)}").data))
        .pages[0]
        .extract_text()
    )
    assert "CHUỖI BỊ PHÁ VỠ" in pdf_text
    pack = zipfile.ZipFile(
        io.BytesIO(
            finish_job(
                web, queue_worker, web.get(f"/plans/{plan_id(P4403)}/inspection-pack.zip?year=2024")
            ).data
        )
    )
    result = pack.read("kiem-tra-chuoi.txt").decode("utf-8")
    assert "CHUỖI BỊ PHÁ VỠ" in result and f"số {target.seq}" in result


def test_audit_page_runs_a_fixed_number_of_queries(year, app):
    from tests.conftest import QueryCounter

    client = app.test_client()
    login(client, "ttra.inspector")
    client.get("/audit")  # first visit stores a verdict
    counts = []
    for url in (
        "/audit",
        f"/audit?plan={plan_id(P4403)}",
        "/audit?before=40",
        "/audit?username=gdtx.member",
    ):
        with QueryCounter(db.engine) as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    assert max(counts) - min(counts) <= 1, counts  # the username lookup is the one extra
    page = audit_page(AuditFilter(), size=10)
    older = audit_page(AuditFilter(), before=page.next_before, size=10)
    assert page.rows[-1].event.seq - 1 == older.rows[0].event.seq
