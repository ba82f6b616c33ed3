"""How a parsed plan reads (DESIGN.md): groups, lettered fields, headings, appendix rows."""

from __future__ import annotations

import pytest

import importer

from .support import FIXTURES


@pytest.fixture(scope="module")
def directory():
    return importer.default_directory()


GROUP_PLAN = """KẾ HOẠCH
Tổ chức năm học 2024
I. MỤC ĐÍCH, YÊU CẦU
1. Mục đích
a) Nâng cao chất lượng.
b) Đổi mới quản lý.
II. NỘI DUNG
1. Tuyên truyền về học tập suốt đời
a) Tổ chức hội nghị chuyên đề
- Đơn vị chủ trì: Văn phòng Sở.
- Thời gian thực hiện: Quý II năm 2024.
b) Phát hành tài liệu hướng dẫn
- Đơn vị chủ trì: Phòng TCCB.
- Đơn vị phối hợp: HTV, VOH.
- Thời gian thực hiện: thường xuyên.
2. Kiểm tra, giám sát
a) Nội dung: kiểm tra định kỳ các đơn vị.
b) Đơn vị chủ trì: Thanh tra Sở.
c) Đơn vị phối hợp: các phòng thuộc Sở.
d) Thời gian hoàn thành: trước ngày 15/01/2025.
3. Báo cáo tổng kết
a) Tổng hợp số liệu.
b) Viết báo cáo.
- Cơ quan chủ trì: Phòng Kế hoạch - Tài chính.
- Thời gian thực hiện: tháng 12 năm 2024.
III. TỔ CHỨC THỰC HIỆN
1. Các phòng thuộc Sở
Báo cáo kết quả trước ngày 10 tháng 12 hằng năm.
"""


def test_groups_lettered_fields_and_headings(directory):
    draft = importer.parse_text(GROUP_PLAN, directory)
    by_number = {i.number: i for i in draft.items}
    assert list(by_number) == ["1.a", "1.b", "2", "3"]
    assert by_number["1.a"].section == "1"
    assert by_number["1.b"].coordinating[0].unit == "Đài Truyền hình Thành phố"
    assert by_number["1.b"].ongoing and by_number["1.b"].due is None
    two = by_number["2"]
    assert two.title.startswith("Kiểm tra, giám sát")
    assert "kiểm tra định kỳ" in two.content
    assert [m.name for m in two.lead] == ["Thanh tra Sở"]
    assert two.due.isoformat() == "2025-01-15"
    three = by_number["3"]  # sub-points a), b) then the item's own fields
    assert [m.name for m in three.lead] == ["Phòng Kế hoạch tài chính"]
    assert "Viết báo cáo" in three.content
    assert [s.due.isoformat() for s in draft.suggestions] == ["2024-12-10"]
    assert draft.suggestions[0].lead[0].unit == "Các phòng thuộc Sở Giáo dục và Đào tạo"


def test_appendix_table_in_text_rows(directory):
    text = """KẾ HOẠCH
Triển khai năm 2024
PHỤ LỤC PHÂN CÔNG NHIỆM VỤ
STT | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian | Sản phẩm
I | CÔNG TÁC TUYÊN TRUYỀN | | | |
1 | Tổ chức tuyên truyền | Phòng GDTX | HKH, Công đoàn ngành | Quý III/2024 | Báo cáo
2 | Xây dựng phần mềm | Văn phòng Sở | | tháng 9, 10 năm 2024 | Phần mềm
II | KIỂM TRA | | | |
1 | Kiểm tra cuối năm | Thanh tra Sở | Phòng TCCB | năm 2024 | Biên bản
"""
    draft = importer.parse_text(text, directory)
    rows = [(i.number, i.section, [m.name for m in i.lead], i.periods) for i in draft.items]
    assert rows == [
        ("I.1", "I", ["Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học"], ["2024-Q3"]),
        ("I.2", "I", ["Văn phòng Sở"], ["2024-09", "2024-10"]),
        ("II.1", "II", ["Thanh tra Sở"], ["2024"]),
    ]
    # "1" restarts in section II: every task is numbered with its section, and told so.
    assert any("số phần" in w for w in draft.warnings)
    assert "Sản phẩm: Báo cáo" in draft.items[0].content


def test_ba_dinh_plan_yields_unit_duties(directory):
    text = (FIXTURES / "128-KH-UBND-Ba-Dinh-2025-district-learning-city-ocr.txt").read_text()
    draft = importer.parse_text(text, directory)
    assert draft.plan.number == "128/KH-UBND"
    assert draft.plan.issued_on.isoformat() == "2025-04-08"
    assert len(draft.items) >= 8
    numbers = [i.number for i in draft.items]
    assert len(set(numbers)) == len(numbers)
    assert all(i.lead and i.title for i in draft.items)
    assert all(any("Tổ chức thực hiện" in w for w in i.warnings) for i in draft.items)
    # A Hanoi district is not resolved to a Ho Chi Minh City one by a fuzzy match.
    assert "Tân Bình" not in (draft.plan.issuer or "")


def test_annual_report_parses_without_tasks(directory):
    text = (FIXTURES / "BC-UBND-Quan-8-2024-annual-report-ocr.txt").read_text()
    draft = importer.parse_text(text, directory)
    assert draft.plan.based_on[0] == "7962/KH-UBND"
    assert draft.plan.issuer is None  # the OCR lost the issuer block: say so, do not guess
    assert all(i.lead for i in draft.items)


def test_fields_written_in_one_paragraph(directory):
    text = """KẾ HOẠCH
Thử năm 2025
II. NHIỆM VỤ
1. Đánh giá, công nhận các mô hình học tập cấp cơ sở.
Cơ quan chủ trì: Văn phòng Sở; Cơ quan phối hợp: Phòng TCCB, Hội Khuyến học quận;
Thời gian hoàn thành: trước ngày 30 tháng 11 năm 2025.
"""
    item = importer.parse_text(text, directory).items[0]
    assert [m.name for m in item.lead] == ["Văn phòng Sở"]
    assert [m.name for m in item.coordinating] == ["Phòng Tổ chức cán bộ", "Hội Khuyến học quận"]
    assert item.due.isoformat() == "2025-11-30"
