"""The three hand-checked plans score >= 97% with no extra items, from TXT, DOCX and PDF."""

from __future__ import annotations

import pytest

import importer
from importer.textutil import fold

from .support import (
    PLANS,
    docx_running,
    docx_table,
    expected,
    pdf_running,
    pdf_table,
    score,
    seed_text,
)

MIN_SCORE = 97.0


@pytest.fixture(scope="module")
def directory():
    return importer.default_directory()


def _assert_scores(name: str, draft) -> None:
    pct, extra, report = score(name, draft.to_json())
    assert extra == 0, report
    assert pct >= MIN_SCORE, report


@pytest.mark.parametrize("name", PLANS)
def test_txt_scores(name, directory):
    _assert_scores(name, importer.parse_text(seed_text(name), directory))


@pytest.mark.parametrize("name", PLANS)
def test_txt_file_bytes_score(name, directory):
    data = seed_text(name).encode("utf-8")
    _assert_scores(name, importer.parse_file(data, filename="x.bin", directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_docx_running_text_scores(name, directory):
    _assert_scores(name, importer.parse_file(docx_running(seed_text(name)), directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_docx_appendix_table_scores(name, directory):
    _assert_scores(name, importer.parse_file(docx_table(expected(name)), directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_pdf_running_text_scores(name, directory):
    _assert_scores(name, importer.parse_file(pdf_running(seed_text(name)), directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_pdf_appendix_table_scores(name, directory):
    _assert_scores(name, importer.parse_file(pdf_table(expected(name)), directory=directory))


@pytest.mark.parametrize("name", PLANS)
def test_plan_block_matches_expected(name, directory):
    plan = importer.parse_text(seed_text(name), directory).to_json()["plan"]
    want = expected(name)["plan"]
    assert plan["number"] == want["number"]
    assert plan["issued_on"] == want["issued_on"]
    assert plan["issuer"] == want["issuer"]
    assert plan["based_on"] == want["based_on"]
    # Titles from OCR keep their damage; compare folded, allowing a few letters off.
    from difflib import SequenceMatcher

    ratio = SequenceMatcher(None, fold(plan["title"]), fold(want["title"])).ratio()
    assert ratio >= 0.85, plan["title"]


def test_phu_trach_is_flagged(directory):
    draft = importer.parse_text(seed_text(PLANS[2]), directory)
    for item in draft.items:
        assert any("Phụ trách" in w for w in item.warnings)


def test_section_iv_deadlines_are_suggestions_not_items(directory):
    draft = importer.parse_text(seed_text(PLANS[0]), directory)
    assert all(
        not s.number or s.number not in {i.number for i in draft.items} for s in draft.suggestions
    )
    yearly = [s for s in draft.suggestions if s.recurrence == "yearly"]
    assert yearly and yearly[0].due.month == 12 and yearly[0].due.day == 10
    draft = importer.parse_text(seed_text(PLANS[1]), directory)
    dues = {s.due.isoformat() for s in draft.suggestions}
    assert "2025-01-10" in dues


def test_unresolved_mention_is_kept_and_flagged(directory):
    draft = importer.parse_text(seed_text(PLANS[0]), directory)
    item = next(i for i in draft.items if i.number == "4.1")
    assert [fold(m.text)[:8] for m in item.coordinating] == ["theo phu"]
    assert item.coordinating[0].unit is None
    assert any("Không tìm thấy đơn vị" in w for w in item.warnings)
