"""Issue 10, item 5: the review page people can work in — rows split, merged, added and
removed before confirming; mappings shown in the preview at once; each item's source text
with the importer's spans highlighted; bad input refused in Vietnamese, the draft unchanged."""

from __future__ import annotations

import copy
import json
import re

from workflow.import_draft import included
from workflow.import_review import review_action
from workflow.import_review_rows import source_blocks

from .helpers import SEED_4403, UNKNOWN, field_named, login, unit
from .test_web_import import review_form, upload


def _item(number: str, title: str, lead: list[str], coordinating: list[str], tf: str) -> dict:
    content = f"{title}. Chủ trì: {', '.join(lead)}."
    return {
        "number": number,
        "section": "II",
        "title": title,
        "content": content,
        "lead": lead,
        "coordinating": coordinating,
        "timeframe_text": tf,
        "periods": [],
        "due": None,
        "recurrence": None,
        "ongoing": False,
        "warnings": [],
        "include": True,
        "spans": {"title": {"in": "content", "index": 0, "start": 0, "end": len(title)}},
        "sources": {"timeframe": [tf]},
    }


def _draft() -> dict:
    return {
        "plan": {"number": "9/KH", "issuer": "Sở Giáo dục và Đào tạo"},
        "items": [
            _item("1", "Xây dựng thư viện", ["Phòng Giáo dục Trung học"], [], "Quý II năm 2025"),
            _item("2", "Ngày hội đọc sách", ["Phòng Giáo dục Tiểu học"], ["Văn phòng Sở"], ""),
            _item("3", "Bồi dưỡng cán bộ", ["Phòng Tổ chức cán bộ"], [], "Quý IV năm 2025"),
        ],
        "suggestions": [],
        "warnings": [],
        "mappings": {},
    }


def test_split_makes_two_rows_the_second_with_its_own_title_and_number():
    draft = _draft()
    new, errors = review_action(
        draft, "split:items-1", {"items-1-split_title": "Cuộc thi giới thiệu sách"}
    )
    assert errors == []
    assert [i["number"] for i in new["items"]] == ["1", "2", "2.1", "3"]
    first, second = new["items"][1], new["items"][2]
    assert first["title"] == "Ngày hội đọc sách"
    assert second["title"] == "Cuộc thi giới thiệu sách"
    assert second["lead"] == first["lead"] and second["coordinating"] == first["coordinating"]
    assert second["content"] == first["content"]  # the same source paragraph
    assert draft == _draft()  # a pure function: the draft given is left as it was


def test_merge_joins_titles_and_unites_units():
    new, errors = review_action(_draft(), "merge:items-0", {})
    assert errors == []
    assert [i["number"] for i in new["items"]] == ["1", "3"]
    merged = new["items"][0]
    assert merged["title"] == "Xây dựng thư viện Ngày hội đọc sách"
    assert merged["lead"] == ["Phòng Giáo dục Trung học", "Phòng Giáo dục Tiểu học"]
    assert merged["coordinating"] == ["Văn phòng Sở"]
    assert merged["timeframe_text"] == "Quý II năm 2025"
    # Both paragraphs are still shown, each with its own highlight.
    blocks = source_blocks(merged)
    marked = [text for b in blocks for text, hit in b["pieces"] if hit]
    assert marked == ["Xây dựng thư viện", "Ngày hội đọc sách"]


def test_add_appends_an_empty_row_and_remove_restore_toggle_inclusion():
    new, errors = review_action(_draft(), "add", {})
    assert errors == []
    assert new["items"][-1]["number"] == "4" and new["items"][-1]["title"] == ""
    assert new["items"][-1]["include"] is True
    removed, errors = review_action(new, "remove:items-0", {})
    assert errors == [] and removed["items"][0]["include"] is False
    assert len(removed["items"]) == 4  # kept on the page, restorable
    assert [i["number"] for i in included(removed)] == ["2", "3", "4"]
    restored, errors = review_action(removed, "restore:items-0", {})
    assert errors == [] and restored["items"][0]["include"] is True


def test_bad_row_actions_are_refused_in_vietnamese_and_change_nothing():
    draft = _draft()
    for action, message in [
        ("merge:items-2", "Dòng cuối không có dòng kế tiếp để gộp."),
        ("merge:items-9", "Không tìm thấy dòng cần gộp."),
        ("split:items-7", "Không tìm thấy dòng cần tách."),
        ("remove:items-3", "Không tìm thấy dòng cần bỏ hoặc khôi phục."),
        ("split:plan-0", "Thao tác trên bảng nhiệm vụ không hợp lệ."),
        ("xoa-het", "Thao tác trên bảng nhiệm vụ không hợp lệ."),
    ]:
        before = copy.deepcopy(draft)
        new, errors = review_action(draft, action, {})
        assert errors == [message], action
        assert new == before and draft == before, action


def test_the_source_paragraph_is_cut_around_the_spans():
    blocks = source_blocks(_draft()["items"][0])
    assert blocks[0]["label"] == "Đoạn văn bản"
    assert blocks[0]["pieces"][0] == ("Xây dựng thư viện", True)
    assert blocks[0]["pieces"][1][1] is False
    assert blocks[1] == {"label": "Thời gian", "pieces": [("Quý II năm 2025", False)]}


def _draft_file(import_app, location: str):  # noqa: ANN001
    token = location.rsplit("/", 1)[-1]
    return import_app.config["IMPORT_DRAFT_DIR"] / f"{token}.json"


def test_the_review_page_shows_sources_applies_mappings_and_row_actions(
    web, import_app, queue_worker
):
    login(web, "gdtx.coordinator")
    location = upload(web, queue_worker, SEED_4403.read_bytes()).headers["Location"]
    html, fields = review_form(web, location)
    # Each item one compact row; its source text below, the importer's spans in <mark>.
    assert html.count('<tr class="item') == 11
    assert 'class="row-detail"' in html and "<mark>" in html
    assert re.search(r'<details class="source"><summary>Văn bản nguồn của nhiệm vụ 1<', html)
    assert re.search(r'src="/static/review\.js(\?v=\w+)?"', html)

    # A mapping is shown in the row at once after "Cập nhật bản xem trước".
    target = unit("TTTT")
    fields[field_named(fields, UNKNOWN)] = f"unit:{target.id}"
    fields["action"] = "preview"
    page = web.post(location, data=fields)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    mapped = f'class="unit mapped" data-mention="{UNKNOWN}">{target.name} <span class="muted">'
    assert mapped + f"(«{UNKNOWN}»)" in html

    # Split row 1 in two, then remove the new one: 12 rows, 11 included.
    fields = review_form(web, location)[1]
    fields["items-0-split_title"] = "Phần tách ra của nhiệm vụ 1"
    fields["action"] = "split:items-0"
    html = web.post(location, data=fields).get_data(as_text=True)
    assert html.count('<tr class="item') == 12 and "Phần tách ra của nhiệm vụ 1" in html
    fields = review_form(web, location)[1]
    fields["action"] = "remove:items-1"
    assert web.post(location, data=fields).status_code == 200
    saved = json.loads(_draft_file(import_app, location).read_text(encoding="utf-8"))["draft"]
    assert len(saved["items"]) == 12 and len(included(saved)) == 11
    assert saved["items"][1]["include"] is False

    # Bad input: refused with a Vietnamese message; the saved draft is unchanged.
    fields = review_form(web, location)[1]
    fields["action"] = "merge:items-11"
    before = _draft_file(import_app, location).read_text(encoding="utf-8")
    page = web.post(location, data=fields)
    assert page.status_code == 400
    assert "Dòng cuối không có dòng kế tiếp để gộp." in page.get_data(as_text=True)
    after = _draft_file(import_app, location).read_text(encoding="utf-8")
    assert json.loads(after)["draft"] == json.loads(before)["draft"]
