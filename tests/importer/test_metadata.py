"""Plan number, date, issuer, title and basis, also from OCR'd headers."""

from __future__ import annotations

from datetime import date

import importer
from importer.metadata import parse_issue_date, parse_number, parse_references


def test_numbers():
    assert parse_number("Số: 2417/KH-SGDĐT") == "2417/KH-SGDĐT"
    assert parse_number("Sb: 2417 IKH-SGDDPT Thanh phé Ho Chi Minh") == "2417/KH-SGDĐT"
    assert parse_number("S64403KH-SGDDT Thanh phé") == "4403/KH-SGDĐT"
    assert parse_number("S6: 128 /KH-UBND Ba Dinh") == "128/KH-UBND"
    assert parse_number("Số:           /KH-THPTLTT Thành phố") is None


def test_dates():
    assert parse_issue_date("Thành phố Hồ Chí Minh, ngày 22 tháng 4 năm 2024") == date(2024, 4, 22)
    assert parse_issue_date("Thanh phé Ho Chi Minh, ngdy22hang 4 nam 2024") == date(2024, 4, 22)
    assert parse_issue_date("ngay 08 thdng 4 ndm 2025") == date(2025, 4, 8)
    assert parse_issue_date("ngay 79thang” nam 2024") is None
    assert parse_issue_date("ngày      tháng 12 năm 2024") is None


def test_references():
    text = (
        "Căn cứ Quyết định số 2646/QD-BGDDT ngày 23/8/2021; Nghị quyết số 23-NQ/TU; "
        "Thông tư 24/2023/TT-BGDĐT; Kế hoạch số 2417/ KH-SGDĐT"
    )
    assert parse_references(text) == [
        "2646/QĐ-BGDĐT",
        "23-NQ/TU",
        "24/2023/TT-BGDĐT",
        "2417/KH-SGDĐT",
    ]


def test_header_of_a_clean_plan():
    text = (
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "QUẬN GÒ VẤP Độc lập - Tự do - Hạnh phúc\n"
        "Số: 15/KH-UBND Gò Vấp, ngày 3 tháng 2 năm 2025\n"
        "KẾ HOẠCH\nPhát triển giáo dục thường xuyên năm 2025\n"
        "Căn cứ Kế hoạch số 2417/KH-SGDĐT ngày 22 tháng 4 năm 2024;\n"
        "I. MỤC ĐÍCH\n"
    )
    plan = importer.parse_text(text, importer.default_directory()).plan
    assert plan.number == "15/KH-UBND"
    assert plan.issued_on == date(2025, 2, 3)
    assert plan.issuer == "Ủy ban nhân dân quận Gò Vấp"
    assert plan.title == "Phát triển giáo dục thường xuyên năm 2025"
    assert plan.based_on == ["2417/KH-SGDĐT"]


def test_office_under_a_district_is_named_with_its_district():
    import importer

    head = (
        "ỦY BAN NHÂN DÂN QUẬN GÒ VẤP   CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO   Độc lập - Tự do - Hạnh phúc\n"
        "Số: 12/KH-GDĐT   Gò Vấp, ngày 5 tháng 9 năm 2024\nKẾ HOẠCH\nVề việc thử\n"
        "I. NỘI DUNG\n1. Tổ chức hội thi\n- Đơn vị chủ trì: Phòng GD&ĐT.\n"
        "- Đơn vị phối hợp: các Phòng GDĐT.\n- Thời gian: Quý IV/2024.\n"
    )
    directory = importer.default_directory()
    draft = importer.parse_text(head, directory)
    assert draft.plan.issuer == "Phòng Giáo dục và Đào tạo quận Gò Vấp"
    item = draft.items[0]
    # The singular names the plan's own office; the plural still names every office.
    assert [m.name for m in item.lead] == ["Phòng Giáo dục và Đào tạo quận Gò Vấp"]
    assert [m.kind for m in item.coordinating] == ["group"]
    hanoi = head.replace("GÒ VẤP", "CẦU GIẤY").replace("Gò Vấp", "Cầu Giấy")
    assert importer.parse_text(hanoi, directory).plan.issuer == (
        "Phòng Giáo dục và Đào tạo quận Cầu Giấy"
    )
