"""The API end to end: tokens only (no session, no CSRF), JSON errors, cursor pages, the
extension and explanation requests, the audit trail copied and checked offline, the
year-end figures."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from models import AuditEvent, Plan, Task, TaskState, db
from reports import yearend
from tests.api.conftest import task_of, user
from tests.foundation.web import login
from workflow import clock


def test_a_session_cookie_is_no_credential_and_csrf_does_not_apply(demo_app, api):
    browser = demo_app.test_client()
    login(browser, "gdtx.coordinator")
    assert browser.get("/my-tasks").status_code == 200  # the session works on the web
    refused = browser.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "unauthorized"
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    assert browser.post(f"/api/v1/tasks/{task.id}/start", json={}).status_code == 401
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == TaskState.ASSIGNED
    # A token needs no CSRF token (CSRF is on: the web's forms carry one).
    assert demo_app.config.get("WTF_CSRF_ENABLED", True)
    started = api("gdtx.member", "write").post(f"/tasks/{task.id}/start", json={})
    assert started.status_code == 200


def test_errors_are_json_with_a_stable_code_under_api_and_pages_elsewhere(demo_app, api):
    client = api("gdtx.member", "read")
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404 and missing.is_json
    assert missing.get_json() == {
        "code": "not_found",
        "message": "Không tìm thấy dữ liệu bạn yêu cầu.",
        "detail": {},
    }
    wrong_method = client.client.delete("/api/v1/me", headers=client._headers())
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]
    invalid = client.get("/tasks", query_string={"state": "done", "limit": "x"})
    assert invalid.status_code == 422
    body = invalid.get_json()
    assert body["code"] == "validation_error"
    assert body["message"] == "Dữ liệu gửi lên không hợp lệ."
    assert set(body["detail"]["query"]) == {"state", "limit"}
    typo = client.get("/tasks", query_string={"stat": "reported"})
    assert typo.status_code == 422 and "stat" in typo.get_json()["detail"]["query"]
    nul = api("gdtx.member", "write").post(
        f"/tasks/{task_of('gdtx.member', TaskState.ASSIGNED).id}/cancel",
        json={"reason": "a\u0000b"},
    )
    assert nul.status_code in (400, 422) and nul.is_json
    # The HTML pages keep their own error page.
    page = demo_app.test_client().get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_stale_version_is_a_conflict(api):
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    member = api("gdtx.member", "write")
    stale = member.post(f"/tasks/{task.id}/start", json={"version": task.version + 5})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "stale_object"
    wrong_state = member.post(f"/tasks/{task.id}/verify", json={})
    assert wrong_state.status_code in (403, 409)


def test_plan_items_come_in_document_order_across_pages(api):
    plan_id = db.session.execute(sa.select(Plan.id).order_by(Plan.id)).scalars().first()
    client = api("sgddt.inspector")
    seen: list[tuple[int, int]] = []
    cursor = None
    while True:
        args = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/plans/{plan_id}/items", query_string=args).get_json()
        seen += [(item["position"], item["id"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = db.session.execute(
        sa.select(Task.position, Task.id)
        .where(Task.plan_id == plan_id)
        .order_by(Task.position, Task.id)
    ).all()
    assert seen == [tuple(row) for row in expected] and len(seen) > 5
    assert client.get("/plans/999999/items").status_code == 404


def test_extension_and_explanation_requests(api):
    task = task_of("gdtx.member", TaskState.ASSIGNED)
    member, tracker = api("gdtx.member", "write"), api("gdtx.coordinator2", "write")
    assert task.due_on is not None
    # The demo's plans are of 2024: ask while the task is still in time.
    clock.freeze(datetime.combine(task.due_on - timedelta(days=30), datetime.min.time()))
    new_due = task.due_on + timedelta(days=60)
    asked = member.post(
        f"/tasks/{task.id}/extensions",
        json={"due_on": new_due.isoformat(), "reason": "Chờ kinh phí."},
    )
    assert asked.status_code == 201, asked.get_json()
    request_id = asked.get_json()["id"]
    assert member.post(f"/extensions/{request_id}/grant", json={}).status_code == 403
    granted = tracker.post(f"/extensions/{request_id}/grant", json={})
    assert granted.status_code == 200, granted.get_json()
    detail = tracker.get(f"/tasks/{task.id}").get_json()
    assert detail["due_on"] == new_due.isoformat()
    assert detail["extension_requests"][0]["status"] == "granted"

    # Overdue: the tracking unit asks why, the lead unit explains.
    clock.freeze(datetime.combine(new_due + timedelta(days=3), datetime.min.time()))
    asked = tracker.post(f"/tasks/{task.id}/explanations", json={"question": "Vì sao chậm?"})
    assert asked.status_code == 201, asked.get_json()
    explanation_id = asked.get_json()["id"]
    answered = member.post(
        f"/explanations/{explanation_id}/answer", json={"explanation": "Thiếu kinh phí."}
    )
    assert answered.status_code == 200
    again = member.post(f"/explanations/{explanation_id}/answer", json={"explanation": "x"})
    assert again.status_code == 400 and again.get_json()["code"] == "invalid_input"
    actions = db.session.execute(
        sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "task", AuditEvent.object_id == task.id
        )
    ).scalars()
    assert {
        "task.extension_request",
        "task.extension_grant",
        "task.explanation_request",
        "task.explanation_answer",
    } <= set(actions)


def _offline_hash(event: dict) -> str:
    """The chain hash from the JSON alone, as an inspector's own script would compute it."""
    fields = {
        key: event[key]
        for key in (
            "seq", "actor_id", "actor_name", "on_behalf_of_id", "unit_id", "action",
            "object_type", "object_id", "plan_id", "before", "after", "reason",
            "client_addr", "prev_hash",
        )
    }  # fmt: skip
    fields["occurred_at"] = event["occurred_at"].removesuffix("Z")
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_an_inspector_copies_the_whole_trail_and_checks_it_offline(api):
    api("gdtx.member", "write").post(
        f"/tasks/{task_of('gdtx.member', TaskState.ASSIGNED).id}/start", json={}
    )
    inspector = api("sgddt.inspector")
    events: list[dict] = []
    after = 0
    while True:
        page = inspector.get("/audit/events", query_string={"after_seq": after, "limit": 40})
        body = page.get_json()
        assert body["complete_chain"] is True
        events += body["items"]
        if body["next_after_seq"] is None:
            break
        after = body["next_after_seq"]
    total = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
    assert [e["seq"] for e in events] == list(range(1, total + 1))
    assert body["head_seq"] == total
    previous = "0" * 64
    for event in events:
        assert event["prev_hash"] == previous
        assert _offline_hash(event) == event["hash"]
        previous = event["hash"]

    # Members may not read the trail; a tracking coordinator reads their plans' events.
    refused = api("gdtx.member").get("/audit/events")
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    partial = api("gdtx.coordinator").get("/audit/events", query_string={"limit": 2000})
    tracked = set(
        db.session.execute(
            sa.select(Plan.id).where(Plan.tracking_unit_id == user("gdtx.coordinator").unit_id)
        ).scalars()
    )
    assert partial.get_json()["complete_chain"] is False
    assert {e["plan_id"] for e in partial.get_json()["items"]} <= tracked


def test_year_end_figures_are_the_reports_figures(api):
    plan = db.session.execute(sa.select(Plan).order_by(Plan.id)).scalars().first()
    year = plan.year or date.today().year
    figures = api("sgddt.inspector").get(f"/plans/{plan.id}/year-end", query_string={"year": year})
    assert figures.status_code == 200, figures.get_json()
    body = figures.get_json()
    expected = yearend.gather(year, plan_id=plan.id)
    assert body["total"] == expected.total
    assert body["counts"] == {b: expected.counts[b] for b in yearend.BUCKETS}
    assert [i["task_id"] for i in body["items"]] == [i.task.task_id for i in expected.items]
    refused = api("gdtx.member").get(f"/plans/{plan.id}/year-end", query_string={"year": year})
    assert refused.status_code == 403
    unit = user("gdtx.coordinator").unit_id
    own = api("gdtx.coordinator").get(f"/units/{unit}/year-end", query_string={"year": year})
    assert own.status_code == 200
    other = api("gdtx.coordinator").get("/units/1/year-end", query_string={"year": year})
    assert other.status_code in (403, 404)


def test_the_documentation_page_needs_nothing_from_outside(demo_app):
    page = demo_app.test_client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/tasks/{task_id}/report" in html and "openapi.json" in html
    # Every script, style and image is served by PlanWork itself (no CDN, CSP 'self').
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    assert "cdn" not in html.lower()
    spec = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
