"""No input crashes the parser: only the domain errors may escape."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import importer
from importer.errors import DocumentError

DIRECTORY = importer.default_directory()
FRAGMENTS = [
    "KẾ HOẠCH",
    "Số: 12/KH-UBND",
    "ngày 5 tháng 6 năm 2024",
    "I. NỘI DUNG",
    "II.",
    "1.",
    "1.1.",
    "a)",
    "b)",
    "- ",
    "+ ",
    "Đơn vị chủ trì:",
    "Pon vi phdi hop:",
    "Thời gian thực hiện:",
    "Phụ trách:",
    "Quý IV năm 2024",
    "quy 11l",
    "hằng năm",
    "trước ngày 10/12/2024",
    "Phòng GDĐT",
    "Sở GD&ĐT",
    "và",
    ",",
    ";",
    "“",
    "”",
    "(",
    ")",
    "STT | Nội dung | Đơn vị chủ trì | Thời gian",
    "| 1 | x | y | z |",
    "Căn cứ Kế hoạch số 1/KH-A",
    "\n",
    "\n\n",
    "|",
    ":",
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(call):
    try:
        draft = call()
    except DocumentError as exc:
        assert exc.message
        return
    data = draft.to_json()
    assert set(data) == {"plan", "items", "suggestions", "warnings"}


@SETTINGS
@given(st.text(max_size=400))
def test_random_text(text):
    _parse(lambda: importer.parse_text(text, DIRECTORY))


@SETTINGS
@given(st.binary(max_size=600))
def test_random_bytes(data):
    _parse(lambda: importer.parse_file(data, directory=DIRECTORY))


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), max_size=60))
def test_plan_like_text(parts):
    _parse(lambda: importer.parse_text(" ".join(parts), DIRECTORY))


@SETTINGS
@given(st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"\xff\xfe"]), st.binary(max_size=300))
def test_truncated_containers(magic, tail):
    _parse(lambda: importer.parse_file(magic + tail, directory=DIRECTORY))
