"""Diacritics restored on OCR'd titles from the lexicon, only where a phrase is unambiguous."""

from __future__ import annotations

import pytest

from importer.restore import restore_diacritics


@pytest.mark.parametrize(
    "ocr, want",
    [
        (
            "Trién khai thuc hién xay dung ke hoach nam 2024",
            "Triển khai thực hiện xây dựng kế hoạch năm 2024",
        ),
        ("nganh Giao duc va Pao tao Thanh pho", "ngành Giáo dục và Đào tạo Thành phố"),
        ("TRIEN KHAI THUC HIEN", "TRIỂN KHAI THỰC HIỆN"),
        ("tren dia ban quan Go Vap", "trên địa bàn quan Go Vap"),  # "quan": quận or quan?
    ],
)
def test_phrases_get_their_marks(ocr, want):
    assert restore_diacritics(ocr) == want


@pytest.mark.parametrize(
    "text",
    [
        "Triển khai thực hiện xây dựng “Thành phố học tập toàn cầu UNESCO”",
        "nhan ban tai lieu",  # "nhân bản", not "nhân dân": B is not Đ there
        "ke, hoach",  # punctuation inside: not the phrase "kế hoạch"
        "quan Go Vap; nam 20",
        "",
    ],
)
def test_clean_or_ambiguous_text_is_left_alone(text):
    assert restore_diacritics(text) == text


def test_nam_hoc_is_a_school_year_only_before_a_year():
    assert restore_diacritics("nam hoc sinh") == "nam học sinh"  # male pupils


def test_ocr_d_and_school_years():
    ocr = "Trién khai bé an nam hoc 2024 - 2025 cua nganh Giao duc va Pao tao"
    assert restore_diacritics(ocr) == (
        "Triển khai đề án năm học 2024 - 2025 của ngành Giáo dục và Đào tạo"
    )
