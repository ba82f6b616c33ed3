"""The Ba Đình seed: OCR without diacritics, a Hà Nội district's plan.

Restored before anything is matched; resolved only within the issuer's own place (the
demo directory is Ho Chi Minh City's, so nothing of it is this plan's)."""

from __future__ import annotations

import json
import re

import pytest

import importer
from importer.diacritics import load_model
from importer.textutil import fold

from .support import seed_text

SEED = "128-KH-UBND-Ba-Dinh-2025-district-learning-city-ocr"
HCMC = (
    "thanh pho ho chi minh",
    "thu duc",
    "cac quan, huyen",
    "quan 1",
    "quan 8",
    "go vap",
    "cu chi",
)


@pytest.fixture(scope="module")
def draft():
    return importer.parse_text(seed_text(SEED), importer.default_directory()).to_json()


def _mentions(draft):
    for item in draft["items"] + draft["suggestions"]:
        for role in ("lead", "coordinating"):
            yield from item["mentions"][role]


def test_header_reads_with_diacritics(draft):
    plan = draft["plan"]
    assert plan["number"] == "128/KH-UBND"
    assert plan["issued_on"] == "2025-04-08"
    assert plan["issuer"] == "Ủy ban nhân dân quận Ba Đình"
    assert plan["title"].startswith("Xây dựng Thủ đô Hà Nội trở thành thành viên Mạng lưới")
    assert plan["title"].endswith("của UNESCO trên địa bàn quận Ba Đình")


def test_unit_names_have_their_diacritics(draft):
    leads = {name for item in draft["items"] for name in item["lead"]}
    for name in (
        "Phòng Giáo dục và Đào tạo",
        "Phòng Tài chính - Kế hoạch",
        "Phòng Nội vụ",
        "Phòng Y tế",
        "Phòng Tài nguyên và Môi trường",
        "Liên đoàn Lao động quận",
        "Ủy ban nhân dân các phường",
        "Trung tâm Văn hóa, Thông tin và Thể thao",
        "Ban Tuyên giáo và Dân vận quận ủy",
    ):
        assert name in leads, sorted(leads)


def _unit_names(draft):
    """Every unit named as a lead or a coordinating unit, in the items and suggestions."""
    names = set()
    for item in draft["items"] + draft["suggestions"]:
        for role in ("lead", "coordinating"):
            names.update(item[role])
            names.update(mention["text"] for mention in item["mentions"][role])
    return names


# A name's words: anything between spaces and the punctuation of a list of units.
_NAME_WORD = re.compile(r"[^\s,;:()/\-–]+")
_ABBREVIATION = re.compile(r"^[A-ZĐ]{2,6}$")  # "UBND", "TNCS"


def _damaged_words(name, model):
    """The words of a unit name that are neither an abbreviation nor a syllable the
    model knows (OCR's "phụ nit", "phmmg", "¢6" for "phụ nữ", "phường", "có")."""
    bad = []
    for word in _NAME_WORD.findall(name):
        if _ABBREVIATION.match(word):
            continue
        low = word.lower()
        if not (model.known(low) and model.possible(low)):
            bad.append(word)
    return bad


def test_every_unit_name_reads_as_vietnamese(draft):
    model = load_model()
    names = _unit_names(draft)
    assert len(names) >= 20
    damaged = {name: words for name in names if (words := _damaged_words(name, model))}
    assert not damaged, damaged
    # The ones OCR had damaged most, back as a reader writes them (the text's own case).
    folded = {name.casefold() for name in names}
    for name in (
        "Hội Liên hiệp Phụ nữ quận",
        "Ủy ban nhân dân phường",
        "Các phòng, ngành, đơn vị có liên quan",
    ):
        assert name.casefold() in folded, sorted(names)


def test_the_check_of_names_catches_ocr_damage():
    model = load_model()
    assert _damaged_words("Hội Liên hiệp phụ nit quận", model) == ["nit"]
    assert _damaged_words("Ủy ban nhân dân phmmg", model) == ["phmmg"]
    assert _damaged_words("đơn vị ¢6 liên quan", model) == ["¢6"]
    assert _damaged_words("Đoàn TNCS Hồ Chí Minh quận", model) == []


def test_items_take_the_plans_2025_timeframe(draft):
    assert draft["items"]
    assert all(item["periods"] == ["2025"] for item in draft["items"])


def test_no_ho_chi_minh_city_unit_anywhere(draft):
    text = fold(json.dumps(draft, ensure_ascii=False))
    for place in HCMC:
        assert place not in text
    # Nothing of the (Ho Chi Minh City) directory is this district's: every unit is
    # kept as written and proposed as a new unit under the issuer.
    for mention in _mentions(draft):
        assert mention["unit"] is None and mention["code"] is None
        assert mention["proposed"]["parent"] == "Ủy ban nhân dân quận Ba Đình"


def test_an_issuer_is_never_a_like_named_body_of_another_place():
    from importer.metadata import _issuer

    directory = importer.default_directory()
    # "quận Ba Đình" and "quận Bình Tân" are alike to a fuzzy matcher, not to a reader.
    assert _issuer(["ỦY BAN NHÂN DÂN", "QUẬN BA ĐÌNH"], directory) == (
        "Ủy ban nhân dân quận Ba Đình"
    )
    assert _issuer(["UY BAN NHAN DAN", "QUAN BINH TAN"], directory) == (
        "Ủy ban nhân dân quận Bình Tân"
    )
