"""The year-end DOCX can be signed and sent as written (Nghị định 30/2020/NĐ-CP).

Checked with python-docx on the generated file, for a department of the Sở (Phòng Giáo
dục Trung học) and for a district People's Committee (Ủy ban nhân dân quận 8, the author
of the real report in ../shared/seeds/BC-UBND-Quan-8-2024-annual-report-ocr.txt): A4, the
decree's margins, Times New Roman and its sizes, the two-column heading with the motto,
"Số: …/BC-<abbr>", place and date, "Kính gửi", I/II/III, the annex with its values,
"Nơi nhận" and the signature block from the unit's report settings. The demo is loaded
with its year of history (the values the review found missing from the annex).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docx.document import Document as DocumentType
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table

from demo.loader import DEMO_PASSWORD
from models import AuditEvent, Plan, Role, Unit, UnitReportSettings, User, db
from reports.yearend import gather
from tests.conftest import finish_job
from tests.foundation.web import csrf_token, login, logout
from workflow import report_settings
from workflow.errors import InvalidInput, PermissionDenied, StaleObject

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
Q8_DISTRIBUTION = """- Sở GD&ĐT (Phòng GDTX - CNĐH) (để b/c);
- TT. UBND Q8;
- Thành viên BCĐ XD XHHT Q8;
- Lãnh đạo PGD&ĐT Q8;
- Lưu: VT, PGDĐT."""
SIGNER = "Nguyễn Văn Bình"


@pytest.fixture
def demo(app):  # noqa: ANN001
    """The demo with its 2024 history, as `planwork demo load` builds it."""
    from demo.loader import load_demo

    load_demo(history=True)
    # The demo gives People's Committees no accounts: the district's clerk and its
    # coordinator are added the way an admin adds them.
    from workflow.users import NewUser, create_user

    admin = _user("sgddt.admin")
    for suffix, role in (("coordinator", Role.COORDINATOR), ("member", Role.MEMBER)):
        create_user(
            NewUser(
                f"ubnd-q8.{suffix}", f"Văn phòng UBND quận 8 ({suffix})",
                f"ubnd-q8.{suffix}@planwork.demo", _unit("UBND-Q8").id, role, DEMO_PASSWORD,
            ),
            admin,
        )  # fmt: skip
    return app


def _unit(code: str) -> Unit:
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _write_cli(app, code: str, out: Path) -> DocumentType:  # noqa: ANN001
    result = app.test_cli_runner().invoke(
        args=["report", "year-end", "--unit", code, "--year", "2024", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return Document(str(out))


def _texts(cell) -> list[str]:  # noqa: ANN001
    return [p.text for p in cell.paragraphs]


def _has_top_rule(paragraph) -> bool:  # noqa: ANN001
    ppr = paragraph._p.pPr
    border = None if ppr is None else ppr.find(qn("w:pBdr"))
    return border is not None and border.find(qn("w:top")) is not None


def _run_of(paragraph, text: str):  # noqa: ANN001, ANN202
    return next(r for r in paragraph.runs if text in r.text)


def _size(run) -> float:  # noqa: ANN001
    return run.font.size.pt if run.font.size is not None else 14.0


def _check_page_and_fonts(doc: DocumentType) -> None:
    """A4 portrait; margins top/bottom 20–25, left 30–35, right 15–20 mm; Times New Roman
    everywhere, 12–14 pt."""
    for section in doc.sections:
        assert abs(section.page_width - Mm(210)) < Mm(0.5)
        assert abs(section.page_height - Mm(297)) < Mm(0.5)
        assert Mm(20) <= section.top_margin <= Mm(25)
        assert Mm(20) <= section.bottom_margin <= Mm(25)
        assert Mm(30) <= section.left_margin <= Mm(35)
        assert Mm(15) <= section.right_margin <= Mm(20)
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "cs", "eastAsia")} == {
        "Times New Roman"
    }
    runs = [r for p in doc.paragraphs for r in p.runs]
    runs += [
        r
        for t in doc.tables
        for row in t.rows
        for cell in row.cells
        for p in cell.paragraphs
        for r in p.runs
    ]
    assert runs
    for r in runs:
        if r.text.strip():
            assert r.font.name in (None, "Times New Roman"), r.text
            assert 12 <= _size(r) <= 14, (r.text, _size(r))
    # The body (paragraphs outside tables) is 13–14 pt, as the decree asks.
    for p in doc.paragraphs:
        for r in p.runs:
            if r.text.strip():
                assert 13 <= _size(r) <= 14, r.text


def _check_heading(doc: DocumentType, parent: str | None, body: str, abbr: str, place: str):  # noqa: ANN202
    head: Table = doc.tables[0]
    assert len(head.columns) == 2
    left, right = head.cell(0, 0), head.cell(0, 1)
    lines = [t for t in _texts(left) if t]
    expected = ([parent.upper()] if parent else []) + [body.upper()]
    assert lines == expected
    name_para = next(p for p in left.paragraphs if p.text == body.upper())
    assert all(r.bold for r in name_para.runs)
    if parent:
        parent_para = left.paragraphs[0]
        assert not any(r.bold for r in parent_para.runs)
    assert _has_top_rule(left.paragraphs[-1]) and not left.paragraphs[-1].text
    assert [t for t in _texts(right) if t] == [NATION, MOTTO]
    for p in right.paragraphs[:2]:
        assert all(r.bold for r in p.runs)
    assert _has_top_rule(right.paragraphs[-1])
    assert head.cell(1, 0).text == f"Số:      /BC-{abbr}"
    when = head.cell(1, 1).paragraphs[0]
    assert when.text.startswith(f"{place}, ngày …… tháng …… năm ")
    assert all(r.italic for r in when.runs)
    return head


def _body_text(doc: DocumentType) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _check_title_and_sections(doc: DocumentType, recipient: str) -> list[str]:
    texts = _body_text(doc)
    i = texts.index("BÁO CÁO")
    title = doc.paragraphs[i]
    assert all(r.bold for r in title.runs) and title.alignment == 1  # centred
    assert texts[i + 1].startswith("Kết quả thực hiện") and all(
        r.bold for r in doc.paragraphs[i + 1].runs
    )
    assert f"Kính gửi: {recipient}." in texts
    order = [
        "I. KẾT QUẢ THỰC HIỆN",
        "II. ĐÁNH GIÁ KẾT QUẢ ĐẠT ĐƯỢC, KHÓ KHĂN, TỒN TẠI VÀ NGUYÊN NHÂN",
        "III. NHIỆM VỤ TRỌNG TÂM NĂM 2025",
        "PHỤ LỤC",
    ]
    positions = [texts.index(h) for h in order]
    assert positions == sorted(positions)
    assert texts.index(f"Kính gửi: {recipient}.") < positions[0]
    return texts


def _closing(doc: DocumentType) -> Table:
    return next(t for t in doc.tables if t.cell(0, 0).text.startswith("Nơi nhận:"))


def _check_closing(doc: DocumentType, distribution: list[str], signature: list[str]) -> None:
    table = _closing(doc)
    left = table.cell(0, 0).paragraphs
    label = _run_of(left[0], "Nơi nhận:")
    assert label.bold and label.italic and _size(label) == 12
    assert [p.text for p in left[1:]] == distribution
    assert all(_size(r) == 12 for p in left[1:] for r in p.runs)
    lines = [p.text for p in table.cell(0, 1).paragraphs]
    assert [t for t in lines if t] == signature
    # Room to sign between the title and the name.
    if len(signature) > 1:
        assert lines.count("") >= 3
    for p in table.cell(0, 1).paragraphs:
        assert all(r.bold for r in p.runs)


def _annex(doc: DocumentType) -> list[list[str]]:
    table = doc.tables[-1]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == [
        "Tiêu chuẩn",
        "Tiêu chí cơ bản",
        "Chỉ số",
        "Số liệu thống kê hoặc kết quả khảo sát/đánh giá",
    ]
    return rows[1:]


def test_a_department_report_follows_the_decree(demo, tmp_path):  # noqa: ANN001
    doc = _write_cli(demo, "GDTRH", tmp_path / "gdtrh.docx")
    _check_page_and_fonts(doc)
    _check_heading(
        doc,
        "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "Phòng Giáo dục Trung học",
        "GDTRH",
        "Thành phố Hồ Chí Minh",
    )
    texts = _check_title_and_sections(doc, "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
    assert (
        "(Kèm theo Báo cáo số      /BC-GDTRH ngày …… tháng …… năm 2026 của Phòng Giáo dục "
        "Trung học)" in texts
    )
    annex = _annex(doc)
    literacy = [r for r in annex if r[2].startswith("Tỷ lệ người trong độ tuổi 15–60")]
    assert literacy and literacy[0][3] == "99,07%. Theo kết quả kiểm tra công nhận năm 2024."
    _check_closing(doc, ["- Như trên;", "- Lưu: VT."], ["TRƯỞNG PHÒNG"])


def _save_q8(actor: User) -> int:
    return report_settings.save(
        _unit("UBND-Q8").id,
        actor,
        report_settings.SettingsInput(
            distribution=Q8_DISTRIBUTION,
            signing_authority="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
            signer_title="Phó Chủ tịch",
            signer_name=SIGNER,
        ),
    )


def test_the_district_peoples_committee_report_is_whole(demo, tmp_path, queue_worker):  # noqa: ANN001
    q8 = _unit("UBND-Q8")
    assert q8.name == "Ủy ban nhân dân quận 8"
    coordinator = _user("ubnd-q8.coordinator")
    _save_q8(coordinator)
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "unit.report_settings")
    ).scalar_one()
    assert (event.actor_id, event.object_id, event.unit_id) == (coordinator.id, q8.id, q8.id)
    assert event.after["signer_name"] == SIGNER and event.before is None

    # The page the coordinator uses and the command write the same report.
    web = demo.test_client()
    login(web, "ubnd-q8.coordinator")
    response = finish_job(web, queue_worker, web.get(f"/units/{q8.id}/year-end.docx?year=2024"))
    assert response.status_code == 200
    from_web = Document(io.BytesIO(response.data))
    doc = _write_cli(demo, str(q8.id), tmp_path / "ubnd-q8.docx")  # CODE may be the id
    assert _body_text(from_web) == _body_text(doc)

    _check_page_and_fonts(doc)
    _check_heading(doc, None, "Ủy ban nhân dân quận 8", "UBND", "Quận 8")
    texts = _check_title_and_sections(doc, "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh")
    # Not an empty shell any more: the work of its Phòng GD&ĐT and the tasks it coordinates.
    assert any(t.startswith("Tổng số nhiệm vụ năm 2024: 1 ") for t in texts)
    assert any("16/16 phường duy trì hoạt động trung tâm học tập cộng đồng" in t for t in texts)
    assert "3. Phối hợp thực hiện" in texts
    assert any(t.startswith("- Nhiệm vụ 4 (4403/KH-SGDĐT)") for t in texts)
    annex = _annex(doc)
    # (An area's row spans the four columns; the value rows are the others.)
    assert [r[3] for r in annex if r[3] and r[0] != r[3]] == [
        "Phòng Giáo dục và Đào tạo quận 8: 100%. 16/16 phường."
    ]
    _check_closing(
        doc,
        [
            "- Sở GD&ĐT (Phòng GDTX - CNĐH) (để b/c);",
            "- TT. UBND Q8;",
            "- Thành viên BCĐ XD XHHT Q8;",
            "- Lãnh đạo PGD&ĐT Q8;",
            "- Lưu: VT, PGDĐT.",
        ],
        ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", SIGNER],
    )


def test_plan_2417_annex_lists_every_value_entered_under_the_plan(demo):  # noqa: ANN001
    plan_id = db.session.execute(
        sa.select(Plan.id).where(Plan.number == "2417/KH-SGDĐT")
    ).scalar_one()
    data = gather(2024, plan_id=plan_id)
    values = "\n".join(r.value for r in data.annex)
    for expected in (
        "Phòng Giáo dục Trung học: 99,07%",
        "Phòng Giáo dục và Đào tạo quận 1: 100%. 10/10 phường.",
        "Phòng Giáo dục và Đào tạo quận 8: 100%. 16/16 phường.",
        "Văn phòng Sở: 96,5%",
        "Văn phòng Sở: 4 – Rất tốt",
        "Hội Khuyến học Thành phố: 92,5%",
    ):
        assert expected in values
    # Every item of 2417 is led by GDTX, which answers no indicator: the values come from
    # the units working under the plan, not from its leads.
    assert {i.task.lead_unit_name for i in data.items} == {
        "Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học"
    }


def test_defaults_come_from_the_name_and_the_parent(demo):  # noqa: ANN001
    units = report_settings.all_units()
    pgd = report_settings.resolve(_unit("PGD-Q8"), units)
    assert (pgd.parent_body, pgd.place, pgd.abbreviation) == (
        "Ủy ban nhân dân quận 8",
        "Quận 8",
        "PGDĐT",
    )
    assert pgd.recipients == ["Ủy ban nhân dân quận 8"] and pgd.signer_title == "TRƯỞNG PHÒNG"
    school = report_settings.resolve(_unit("THCS-LQD8"), units)
    assert (school.parent_body, school.place, school.signer_title) == (
        "Phòng Giáo dục và Đào tạo quận 8",
        "Quận 8",
        "HIỆU TRƯỞNG",
    )
    q8 = report_settings.resolve(_unit("UBND-Q8"), units, ["Sở Giáo dục và Đào tạo X"])
    assert (q8.abbreviation, q8.parent_body, q8.signing_authority, q8.signer_title) == (
        "UBND",
        "",
        ["TM. ỦY BAN NHÂN DÂN"],
        "CHỦ TỊCH",
    )
    assert q8.recipients == ["Sở Giáo dục và Đào tạo X"]
    # A district's report covers its Phòng GD&ĐT and that office's schools.
    covered = report_settings.subordinate_ids(_unit("UBND-Q8").id, units)
    codes = {u.code for u in units if u.id in covered}
    assert codes == {"UBND-Q8", "PGD-Q8", "THCS-LQD8", "TH-KD8", "MN-HM8"}


def _settings_events() -> int:
    return db.session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "unit.report_settings")
    ).scalar_one()


def test_bad_settings_change_nothing(demo):  # noqa: ANN001
    q8 = _unit("UBND-Q8")
    for who in ("ubnd-q8.member", "pgd-q8.coordinator", "sgddt.inspector"):
        with pytest.raises(PermissionDenied):
            _save_q8(_user(who))
    coordinator = _user("ubnd-q8.coordinator")
    for bad in (
        report_settings.SettingsInput(abbreviation="UB ND/Q8"),
        report_settings.SettingsInput(signer_name="x" * 121),
        report_settings.SettingsInput(distribution="\n".join(f"Đơn vị {i}" for i in range(31))),
    ):
        with pytest.raises(InvalidInput):
            report_settings.save(q8.id, coordinator, bad)
    assert _settings_events() == 0
    assert db.session.execute(sa.select(UnitReportSettings)).all() == []
    version = _save_q8(coordinator)
    # A form loaded before someone else saved is refused.
    report_settings.save(q8.id, _user("sgddt.admin"), report_settings.SettingsInput(place="Quận 8"))
    with pytest.raises(StaleObject):
        report_settings.save(
            q8.id,
            coordinator,
            report_settings.SettingsInput(signer_name="Khác"),
            expected_version=version,
        )
    db.session.expire_all()
    row = db.session.execute(sa.select(UnitReportSettings)).scalar_one()
    assert (row.signer_name, row.place) == ("", "Quận 8")  # the admin's save stands
    assert _settings_events() == 2


def test_the_settings_page(demo):  # noqa: ANN001
    q8 = _unit("UBND-Q8")
    web = demo.test_client()
    login(web, "ubnd-q8.coordinator")
    page = web.get(f"/units/{q8.id}/report-settings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "TM. ỦY BAN NHÂN DÂN" in html and "Quận 8" in html  # the defaults, suggested
    bad = web.post(
        f"/units/{q8.id}/report-settings",
        data={"csrf_token": csrf_token(html), "abbreviation": "UB ND", "signer_name": SIGNER},
    )
    assert bad.status_code == 200
    assert "Chữ viết tắt của cơ quan chỉ gồm chữ, số" in bad.get_data(as_text=True)
    assert _settings_events() == 0
    good = web.post(
        f"/units/{q8.id}/report-settings",
        data={"csrf_token": csrf_token(html), "abbreviation": "UBND", "signer_name": SIGNER},
    )
    assert good.status_code == 302
    assert report_settings.resolve(q8).signer_name == SIGNER
    assert _settings_events() == 1
    logout(web)
    login(web, "pgd-q8.coordinator")
    assert web.get(f"/units/{q8.id}/report-settings").status_code == 403


def test_the_command_refuses_what_it_cannot_write(demo, tmp_path):  # noqa: ANN001
    runner = demo.test_cli_runner()
    out = tmp_path / "x.docx"
    unknown = runner.invoke(
        args=["report", "year-end", "--unit", "KHONG-CO", "--year", "2024", "--out", str(out)]
    )
    assert unknown.exit_code == 1 and "Không tìm thấy đơn vị" in unknown.output
    wrong = runner.invoke(
        args=["report", "year-end", "--unit", "UBND-Q8", "--year", "2024", "--out", "x.pdf"]
    )
    assert wrong.exit_code == 2 and not out.exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_renders_an_a4_report_with_the_heading_on_one_line(demo, tmp_path):  # noqa: ANN001
    _save_q8(_user("ubnd-q8.coordinator"))
    _write_cli(demo, "UBND-Q8", tmp_path / "q8.docx")
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(tmp_path / "q8.docx")],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    from pypdf import PdfReader

    pdf = PdfReader(str(tmp_path / "q8.pdf"))
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    first = pdf.pages[0].extract_text()
    lines = [line.strip() for line in first.splitlines()]
    # The national name and the motto are each on one line, beside the issuer.
    assert any(NATION in line for line in lines) and any(MOTTO in line for line in lines)
    last = pdf.pages[-1].extract_text()
    assert "PHỤ LỤC" in last and "16/16" in last
    assert any(SIGNER in p.extract_text() for p in pdf.pages)
