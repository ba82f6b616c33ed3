"""The issuer's place from the header when its own name has none (importer/scope.py): a
"Sở Giáo dục và Đào tạo" under another city's or province's people's committee resolves
none of its units to the Ho Chi Minh City directory; one under Ho Chi Minh City does."""

from __future__ import annotations

import pytest

import importer

_PLAN = """{parent}                    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ GIÁO DỤC VÀ ĐÀO TẠO                          Độc lập - Tự do - Hạnh phúc

Số: 45/KH-SGDĐT                        {place}, ngày 14 tháng 02 năm 2025

KẾ HOẠCH
Bồi dưỡng giáo viên {title} năm 2025

I. NHIỆM VỤ CỤ THỂ
1. Tổ chức bồi dưỡng giáo viên tiếng Anh.
Đơn vị chủ trì: Phòng Giáo dục và Đào tạo các quận, huyện.
Đơn vị phối hợp: Các phòng thuộc Sở.
Thời gian thực hiện: Quý II/2025.
"""


@pytest.fixture(scope="module")
def directory():
    return importer.default_directory()


def _parse(directory, parent: str, place: str, title: str):
    text = _PLAN.format(parent=parent, place=place, title=title)
    return importer.parse_text(text, directory=directory).to_json()


def _codes(draft: dict) -> list[str]:
    return [
        m["code"]
        for item in draft["items"]
        for role in ("lead", "coordinating")
        for m in (item.get("mentions") or {}).get(role) or []
        if isinstance(m, dict) and m.get("code")
    ]


@pytest.mark.parametrize(
    ("parent", "place", "title"),
    [
        ("UBND THÀNH PHỐ ĐÀ NẴNG", "Đà Nẵng", "thành phố Đà Nẵng"),
        ("UBND TỈNH NGHỆ AN", "Nghệ An", "tỉnh Nghệ An"),
        # No parent body: the place-and-date line, then the title, say where.
        ("", "Đà Nẵng", "các trường học"),
        ("", "", "tỉnh Nghệ An"),
    ],
)
def test_other_places_sở_resolves_no_directory_unit(directory, parent, place, title):
    draft = _parse(directory, parent, place, title)
    assert draft["plan"]["issuer"] == "Sở Giáo dục và Đào tạo"
    resolution = draft["plan"]["issuer_resolution"]
    assert resolution["code"] is None and resolution["inside"] is False
    assert draft["items"], "the plan's task is read"
    assert _codes(draft) == []


def test_ho_chi_minh_city_sở_still_resolves_its_units(directory):
    draft = _parse(directory, "UBND THÀNH PHỐ HỒ CHÍ MINH", "Thành phố Hồ Chí Minh", "Thành phố")
    resolution = draft["plan"]["issuer_resolution"]
    assert resolution["code"] is not None and resolution["inside"] is True
    assert _codes(draft)
