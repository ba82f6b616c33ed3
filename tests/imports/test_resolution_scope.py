"""Resolution a coordinator can trust, as the review page resolves: within the issuer's
place and level, groups only when named, and mappings saved in the scope chosen."""

from __future__ import annotations

import json

import sqlalchemy as sa

import importer
from models import UnitAlias, db
from workflow.import_commit import commit_import, draft_to_input
from workflow.import_draft import review_draft
from workflow.import_resolution import Resolver, import_directory, pending_mentions
from workflow.text import fold

from .helpers import FIXTURES, SEED_4403, unit, user

BA_DINH = FIXTURES / "128-KH-UBND-Ba-Dinh-2025-district-learning-city-ocr.txt"
HCMC = ("thanh pho ho chi minh", "thu duc", "cac quan, huyen", "go vap", "quan 1", "quan 8")


def _review(path, name):
    parsed = importer.parse_file(path.read_bytes(), filename=name, directory=import_directory())
    return review_draft(parsed.to_json(), name)


def test_ba_dinh_resolves_to_nothing_of_ho_chi_minh_city(import_app):
    draft = _review(BA_DINH, "128-KH-UBND.txt")
    assert draft["plan"]["issuer"] == "Ủy ban nhân dân quận Ba Đình"
    text = fold(json.dumps(draft, ensure_ascii=False))
    assert not any(place in text for place in HCMC)
    resolver = Resolver(draft)
    plan_input = draft_to_input(draft, resolver, unit("GDTX").id)
    refs = [ref for item in plan_input.items for ref in (*item.leads, *item.coordinating)]
    assert refs and all(r.unit_id is None and r.group_id is None for r in refs)
    assert all(r.needs_review for r in refs)
    assert plan_input.issuer_id is None
    # Every unit is offered for mapping, proposed as new under the issuer.
    pending = pending_mentions(draft, resolver)
    names = {m["text"] for m in pending}
    assert "Phòng Giáo dục và Đào tạo" in names
    assert {m["proposed_parent"] for m in pending} == {"Ủy ban nhân dân quận Ba Đình"}
    assert {m["scope"] for m in pending} == {"issuer"}


def test_a_department_of_another_city_resolves_nothing_at_review(import_app):
    """The Đà Nẵng Sở names itself without its city: the header's place keeps the review
    from mapping its "Phòng Giáo dục và Đào tạo các quận, huyện" to Ho Chi Minh City's."""
    path = FIXTURES / "corpus" / "KH-SGDDT-Da-Nang-2025-foreign-languages-appendix.txt"
    draft = _review(path, "da-nang.txt")
    assert draft["plan"]["issuer_resolution"]["inside"] is False
    resolver = Resolver(draft)
    plan_input = draft_to_input(draft, resolver, unit("GDTX").id)
    refs = [ref for item in plan_input.items for ref in (*item.leads, *item.coordinating)]
    assert refs and all(r.unit_id is None and r.group_id is None for r in refs)
    assert plan_input.issuer_id is None


def test_a_district_plans_own_office_and_no_fuzzy_group(import_app):
    resolver = Resolver({"plan": {"issuer": "Ủy ban nhân dân quận Gò Vấp"}})
    # Named in full: another district's office, or the group itself, is what the text says.
    assert resolver.target("Phòng Giáo dục và Đào tạo quận 1").unit_id == unit("PGD-Q1").id
    assert resolver.target("các Phòng Giáo dục và Đào tạo").group_id is not None
    # A singular name of the group, in a district's plan, is that district's own office.
    assert resolver.target("Phòng Giáo dục và Đào tạo").unit_id == unit("PGD-GVAP").id
    outside = Resolver({"plan": {"issuer": "Ủy ban nhân dân quận Ba Đình"}})
    assert outside.target("Phòng Giáo dục và Đào tạo quận 1") is None
    assert outside.target("Sở Giáo dục và Đào tạo") is None


def test_mapping_scopes_hold_where_chosen(import_app):
    draft = _review(SEED_4403, "4403.txt")
    unknown = "Tổ giúp việc Ban chỉ đạo Phong trào thi đua các cấp"
    draft["mappings"] = {unknown: f"unit:{unit('TCCB').id}"}
    draft["mapping_scopes"] = {unknown: "plan"}
    commit_import(draft, user("gdtx.coordinator"), unit("GDTX").id)
    alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.folded == fold(unknown))
    ).scalar_one()
    assert alias.scope == "plan" and alias.scope_key == draft["source_hash"]
    # The same plan resolves it; another plan of the same issuer does not.
    assert Resolver(draft).target(unknown).unit_id == unit("TCCB").id
    other = {**draft, "source_hash": "another document"}
    assert Resolver(other).target(unknown) is None
    # Nor does the parser's directory, which holds only aliases valid everywhere.
    assert import_directory().lookup(unknown) is None
