"""Mention splitting and resolution, with OCR damage; the directory API."""

from __future__ import annotations

import pytest

from importer.directory import Directory, default_directory
from importer.textutil import fold
from importer.units import find_abbreviations, resolve_mentions


@pytest.fixture(scope="module")
def directory():
    return default_directory()


def names(text, directory, abbreviations=None):
    return [m.name for m in resolve_mentions(text, directory, abbreviations)]


def test_names_containing_separators_are_not_broken(directory):
    text = (
        "Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học; Ủy ban nhân dân thành phố "
        "Thủ Đức và các quận, huyện; các sở, ban, ngành Thành phố và các đơn vị liên quan."
    )
    assert names(text, directory) == [
        "Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học",
        "Ủy ban nhân dân thành phố Thủ Đức và các quận, huyện",
        "Các sở, ban, ngành Thành phố",
        "Các đơn vị liên quan",
    ]


def test_groups_have_group_kind(directory):
    mentions = resolve_mentions("Phòng GDĐT các quận, huyện", directory)
    assert [(m.kind, m.unit) for m in mentions] == [
        ("group", "Phòng Giáo dục và Đào tạo thành phố Thủ Đức và các quận, huyện")
    ]


@pytest.mark.parametrize(
    "ocr, want",
    [
        (
            "Phong Gido duc thuong xuyén - Chuyén nghi¢p va Dai hoc",
            "Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học",
        ),
        ("Phong T6 chire can bd", "Phòng Tổ chức cán bộ"),
        ("Pai Tiéng n6i nhan dan Thanh phé (VOH)", "Đài Tiếng nói nhân dân Thành phố"),
        ("Cac phong thugc S¢ GDDT", "Các phòng thuộc Sở Giáo dục và Đào tạo"),
        (
            "Phong GDPT thanh phd Tha Buc va céac quan, huyén",
            "Phòng Giáo dục và Đào tạo thành phố Thủ Đức và các quận, huyện",
        ),
        ("Van phong Sé", "Văn phòng Sở"),
    ],
)
def test_resolution_tolerates_ocr_damage(ocr, want, directory):
    mentions = resolve_mentions(ocr, directory)
    assert [m.unit for m in mentions] == [want]
    assert 0.8 <= mentions[0].confidence <= 1.0


def test_trailing_parent_is_a_qualifier(directory):
    text = "Phòng Tổ chức cán bộ, Sở Giáo dục và Đào tạo, Hội Khuyến học Thành phố"
    assert names(text, directory) == ["Phòng Tổ chức cán bộ", "Hội Khuyến học Thành phố"]


def test_missing_word_is_a_different_unit(directory):
    # A school's "Văn phòng" is not the Sở's; "Hội khuyến học" of a school is not the city's.
    mentions = resolve_mentions("Ban lãnh đạo, Văn phòng, Hội khuyến học", directory)
    assert [m.unit for m in mentions] == [None, None, None]
    assert [m.text for m in mentions] == ["Ban lãnh đạo", "Văn phòng", "Hội khuyến học"]


def test_proper_names_must_agree(directory):
    assert directory.lookup("Uy ban nhan dan quan Ba Pinh") is None
    assert directory.lookup("Uy ban nhan dan quan Tan Binh").entry.code == "UBND-TBINH"


def test_unresolved_neighbours_joined_by_va_stay_one(directory):
    text = (
        "Ban chỉ đạo và và Tổ giúp việc Ban chỉ đạo Phong trào thi đua “Cả nước xây dựng "
        "xã hội học tập, đẩy mạnh học tập suốt đời giai đoạn 2023 - 2030 các cấp"
    )
    assert [fold(n) for n in names(text, directory)] == [
        "ban chi dao va to giup viec ban chi dao phong trao thi dua cac cap"
    ]


def test_plan_defined_abbreviations_expand():
    text = (
        "Giáo viên chủ nhiệm (GVCN) phối hợp với Phòng Giáo dục và Đào tạo "
        "(sau đây gọi là Phòng GDĐT)."
    )
    abbreviations = find_abbreviations(text)
    assert abbreviations["gvcn"] == "Giáo viên chủ nhiệm"
    assert abbreviations["phong gddt"] == "Phòng Giáo dục và Đào tạo"
    assert names("GVCN, Tổ Văn", Directory(), abbreviations) == ["Giáo viên chủ nhiệm", "Tổ Văn"]


def test_directory_from_plain_records_and_user_aliases():
    directory = Directory(
        units=[{"code": "X", "name": "Tổ Tin học", "kind": "team", "aliases": ["TTH"]}],
        groups=[{"code": "G", "name": "Các tổ chuyên môn", "aliases": [], "members": ["X"]}],
    )
    assert directory.lookup("TTH").entry.name == "Tổ Tin học"
    assert directory.lookup("To Tin hoc").confidence == 1.0
    assert directory.lookup("các tổ chuyên môn").entry.kind == "group"
    assert directory.lookup("Tổ Toán") is None
    assert len(directory) == 2


@pytest.mark.parametrize(
    "text, want",
    [
        (
            "các trường Mầm non, Tiểu học, THCS trên địa bàn quận",
            ["Các trường Mầm non, Tiểu học, THCS trên địa bàn quận"],
        ),
        (
            "Liên đoàn Lao động quận, cac truong MN, TH, THCS",
            ["Liên đoàn Lao động quận", "Cac truong MN, TH, THCS"],
        ),
        ("Phòng GDMN, Phòng GDTH", ["Phòng Giáo dục Mầm non", "Phòng Giáo dục Tiểu học"]),
    ],
)
def test_a_list_of_school_levels_is_one_mention(text, want, directory):
    assert names(text, directory) == want


def test_directory_lists_group_members(directory):
    codes = [e.code for e in directory.members("G-PGD")]
    assert "PGD-GVAP" in codes and all(e.kind == "unit" for e in directory.members("G-PGD"))
    assert directory.members("PGD-GVAP") == [] and directory.members("nope") == []


@pytest.mark.parametrize(
    "ocr, want",
    [
        ("theo phu lyc dinh kém", "theo phu luc dinh kém"),
        ("Thyc hién xay dyng, THYC HIEN", "Thuc hién xay dung, THUC HIEN"),
        ("tryc tuyén, linh vyc", "truc tuyén, linh vuc"),
        ("Kỳ thi, quy 11l, Lý Thường Kiệt", "Kỳ thi, quy 11l, Lý Thường Kiệt"),  # left alone
    ],
)
def test_ocr_y_for_u_is_repaired_only_where_spelling_allows(ocr, want):
    from importer.normalize import repair_line

    assert repair_line(ocr) == want
