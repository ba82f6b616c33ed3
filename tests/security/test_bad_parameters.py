"""Regression tests for the security review of 2026-12: malformed parameters never give a 500.

Each test names the finding it covers: M4 (a far-future deadline breaks the iCalendar
feed), M5 (a long attachment name on PostgreSQL) and the grouped low findings ("500 instead
of a clear error", "Attachment whose name contains a NUL byte", "Open redirect through
/\\t/evil.example", "Admin user search uses LIKE without escaping"). Every request goes
through the web client with a valid CSRF token, as the review's probes did; TESTING
propagates exceptions, so an unhandled error fails the test instead of hiding in a 500.
Run on PostgreSQL too (TEST_DATABASE_URL): NUL bytes and M5 only failed there.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from models import (
    Attachment,
    AuditEvent,
    ExtensionRequest,
    Indicator,
    IndicatorKind,
    IndicatorValue,
    Plan,
    Report,
    Task,
    TaskState,
    Unit,
    User,
    db,
)
from tests.conftest import ON_POSTGRES
from tests.foundation.web import csrf_token, login
from workflow import clock, indicator_framework, task_reports
from workflow import indicators as indicator_service
from workflow import requests as requests_service
from workflow import tasks as task_service
from workflow.attachments import UploadedFile
from workflow.errors import InvalidInput

HUGE = "99999999999999999999"  # beyond BIGINT, let alone INTEGER
JUST_OVER = str(2**31)  # the first id INTEGER cannot hold
PLAN_NUMBER, ITEM = "4403/KH-SGDĐT", "2"  # TCCB leads, GDTX tracks


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _task() -> Task:
    plan = db.session.execute(sa.select(Plan).where(Plan.number == PLAN_NUMBER)).scalar_one()
    return db.session.execute(
        sa.select(Task).where(
            Task.plan_id == plan.id, Task.number == ITEM, Task.parent_id.is_(None)
        )
    ).scalar_one()


def _started_task() -> Task:
    task = _task()
    if task.state == TaskState.ASSIGNED:
        task_service.start_task(task.id, _user("tccb.member"), expected_version=task.version)
        db.session.expire_all()
        task = _task()
    return task


def _signed_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    login(client, username)
    return client, csrf_token(client.get("/my-tasks").get_data(as_text=True))


def _events() -> int:
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count(AuditEvent.id))).scalar_one()


def _flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


# --- Low: 500 instead of a clear error — Unicode digits --------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/?page=²",
        "/tasks/?plan=²&unit=³",
        "/plans/?page=²",
        "/my-tasks?page=²&cpage=³",
        "/my-tasks?plan=²",
        "/dashboard/?plan=²",
        "/dashboard/?quarter=²⁰²⁴-Q1",
        "/audit?plan=²&unit=²&user=²&task=²&before=²",
        "/indicators?year=²⁰²⁴",
    ],
)
def test_unicode_digits_in_the_query_are_ignored(demo_app: Flask, url: str) -> None:
    """Low "500 instead of a clear error", Unicode digits: `str.isdigit()` accepted "²" and
    `int()` refused it. A filter or page that does not parse now falls back to its default."""
    client, _ = _signed_in(demo_app, "sgddt.admin")
    response = client.get(url)
    assert response.status_code == 200, url


def test_unicode_digit_rating_on_the_indicator_form_is_refused(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", Unicode digits: POST /indicators/<id>/value with
    rating=² was a 500; it is now refused with a message and nothing is written."""
    indicator_framework.ensure_framework()
    rated = (
        db.session.execute(sa.select(Indicator).where(Indicator.kind == IndicatorKind.RATING))
        .scalars()
        .first()
        or db.session.execute(sa.select(Indicator)).scalars().first()
    )
    client, token = _signed_in(demo_app, "tccb.member")
    before = _events()
    response = client.post(
        f"/indicators/{rated.id}/value",
        data={"csrf_token": token, "year": "2024", "rating": "²", "number": "1"},
    )
    assert response.status_code == 302
    assert _events() == before
    assert any("không hợp lệ" in m for m in _flashes(client))


# --- Low: 500 instead of a clear error — integers out of range ---------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/tasks/{HUGE}",
        f"/plans/{HUGE}",
        f"/plans/{HUGE}/matrix",
        f"/admin/users/{HUGE}",
        f"/admin/units/{HUGE}",
        f"/tasks/attachments/{HUGE}",
        f"/tasks/{HUGE}/timeline",
        f"/plans/{HUGE}/as-of",
        f"/units/{HUGE}/as-of",
    ],
)
def test_ids_beyond_integer_in_the_path_are_404(demo_app: Flask, path: str) -> None:
    """Low "500 instead of a clear error", integers out of range in paths: SQLite raised
    OverflowError and PostgreSQL NumericValueOutOfRange; an id that cannot exist is a 404."""
    client, _ = _signed_in(demo_app, "sgddt.admin")
    assert client.get(path).status_code == 404


def test_post_to_an_id_beyond_integer_is_404(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", integers out of range in paths (POST routes)."""
    client, token = _signed_in(demo_app, "gdtx.coordinator")
    for path in (f"/tasks/{HUGE}/transition", f"/tasks/extensions/{HUGE}/decide"):
        response = client.post(path, data={"csrf_token": token, "event": "start", "version": 1})
        assert response.status_code in (302, 404), path


@pytest.mark.parametrize(
    "url",
    [
        f"/tasks/?plan={HUGE}",
        f"/tasks/?unit={HUGE}",
        f"/my-tasks?plan={HUGE}&unit={JUST_OVER}",
        f"/dashboard/?plan={HUGE}",
        f"/audit?before={HUGE}",
        f"/audit?user={HUGE}",
        f"/audit?task={HUGE}",
        f"/audit?plan={JUST_OVER}&unit={HUGE}",
        f"/admin/users?page={HUGE}",
        f"/admin/outbox/?page={HUGE}",
    ],
)
def test_integers_beyond_the_column_in_the_query_are_ignored(demo_app: Flask, url: str) -> None:
    """Low "500 instead of a clear error", integers out of range in query parameters."""
    client, _ = _signed_in(demo_app, "sgddt.admin")
    assert client.get(url).status_code == 200, url


def test_huge_task_id_on_the_indicator_form_is_refused(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", integers out of range in form fields: `task_id`
    on the indicator form reached the database; now it is refused before any query."""
    indicator_framework.ensure_framework()
    counted = (
        db.session.execute(sa.select(Indicator).where(Indicator.kind == IndicatorKind.COUNT))
        .scalars()
        .first()
        or db.session.execute(
            sa.select(Indicator).where(Indicator.kind == IndicatorKind.PERCENTAGE)
        )
        .scalars()
        .first()
    )
    client, token = _signed_in(demo_app, "tccb.member")
    before = _events()
    response = client.post(
        f"/indicators/{counted.id}/value",
        data={"csrf_token": token, "year": "2024", "number": "5", "task_id": HUGE},
    )
    assert response.status_code == 302
    assert _events() == before
    assert any("Số nhiệm vụ không hợp lệ" in m for m in _flashes(client))


# --- Low: 500 instead of a clear error — dates out of range ------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/?quarter=0-Q1",
        "/tasks/?quarter=99999-Q1",
        "/my-tasks?quarter=0-Q1",
        "/dashboard/?quarter=0-Q1",
        "/dashboard/?quarter=99999-Q1",
        "/audit?to=31/12/9999",
        "/audit?from=01/01/0001",
        "/audit/export.csv?from=01/01/0001&to=31/12/9999",
    ],
)
def test_dates_out_of_range_in_lists_are_ignored(demo_app: Flask, url: str) -> None:
    """Low "500 instead of a clear error", dates out of range: a quarter of year 0 or 99999
    has no dates, and 31/12/9999 + 1 day or 01/01/0001 in UTC overflow."""
    client, _ = _signed_in(demo_app, "sgddt.admin")
    assert client.get(url).status_code == 200, url


def test_dates_out_of_range_on_inspection_pages_are_ignored(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", dates out of range: as-of and the pack."""
    plan = _task().plan
    unit = db.session.execute(sa.select(Unit).where(Unit.code == "TCCB")).scalar_one()
    client, _ = _signed_in(demo_app, "sgddt.inspector")
    for url in (
        f"/plans/{plan.id}/as-of?date=31/12/9999",
        f"/units/{unit.id}/as-of?date=01/01/0001",
        f"/plans/{plan.id}/inspection-pack.zip?from=01/01/0001&to=31/12/9999",
        f"/units/{unit.id}/inspection-pack.zip?to=31/12/9999",
        f"/plans/{plan.id}/year-end.docx?year=99999",
    ):
        response = client.get(url)
        response.close()
        assert response.status_code < 500, url


def test_parsers_refuse_what_the_database_cannot_hold() -> None:
    """Low "500 instead of a clear error": the shared parsers behind every parameter."""
    from workflow.inputs import check_due_date, parse_date, parse_int, parse_quarter

    assert parse_int("²") is None and parse_int("٣") is None and parse_int(HUGE) is None
    assert parse_int(JUST_OVER) is None and parse_int(str(2**31 - 1)) == 2**31 - 1
    assert parse_date("31/12/9999") is None and parse_date("01/01/0001") is None
    assert parse_date("30/09/2024") == date(2024, 9, 30)
    assert parse_quarter("0-Q1") is None and parse_quarter("99999-Q1") is None
    assert parse_quarter("²⁰²⁴-Q1") is None and parse_quarter("2024-Q2") == (2024, 2)
    for far in (date(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(InvalidInput):
            check_due_date(far)


# --- Low: 500 instead of a clear error — non-numeric unit id -----------------------------


@pytest.mark.parametrize("unit_id", ["abc", "²", HUGE])
def test_reassign_with_a_unit_id_that_is_not_an_id(demo_app: Flask, unit_id: str) -> None:
    """Low "500 instead of a clear error", non-numeric unit id: POST /tasks/<id>/reassign
    with unit_id=abc raised ValueError before form validation."""
    task = _task()
    client, token = _signed_in(demo_app, "gdtx.coordinator")
    before = _events()
    response = client.post(
        f"/tasks/{task.id}/reassign",
        data={"csrf_token": token, "version": task.version, "unit_id": unit_id, "reason": "x"},
    )
    assert response.status_code == 302
    assert _events() == before
    assert _flashes(client)


# --- Low: 500 instead of a clear error — PostgreSQL NUL bytes ----------------------------


def test_nul_bytes_in_text_fields_are_refused_before_the_database(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", PostgreSQL NUL bytes: report, contribution,
    reason and extension fields raised DataError on PostgreSQL (and the error page failed
    too). They are refused with a Vietnamese message before any view runs."""
    task = _started_task()
    lead, token = _signed_in(demo_app, "tccb.member")
    before = _events()
    posts = [
        (f"/tasks/{task.id}/report", {"version": task.version, "text": "a\x00b"}),
        (f"/tasks/{task.id}/contributions", {"text": "a\x00b"}),
        (f"/tasks/{task.id}/extensions", {"due_on": "2027-06-30", "reason": "\x00"}),
        (f"/tasks/{task.id}/transition", {"event": "cancel", "version": 1, "reason": "\x00"}),
    ]
    for path, data in posts:
        response = lead.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 400, path
        assert "ký tự NUL" in response.get_data(as_text=True)
    assert _events() == before


def test_nul_bytes_in_the_query_are_refused(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", PostgreSQL NUL bytes: the audit `username`
    filter, and the calendar token in the path, reached PostgreSQL with a NUL."""
    client, _ = _signed_in(demo_app, "sgddt.inspector")
    assert client.get("/audit?username=a%00b").status_code == 400
    assert client.get("/tasks/?q=%00").status_code == 400
    assert client.get("/calendar/aaaaaaaaaaaaaaaa%00.ics").status_code == 400


def test_nul_byte_in_an_uploaded_file_name_is_refused(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", PostgreSQL NUL bytes in an attachment name."""
    task = _started_task()
    client, token = _signed_in(demo_app, "tccb.member")
    response = client.post(
        f"/tasks/{task.id}/contributions",
        data={"csrf_token": token, "text": "x", "files": (io.BytesIO(b"hello"), "a\x00b.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


# --- Low: 500 instead of a clear error — NaN indicator value -----------------------------


@pytest.mark.parametrize("number", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_non_finite_indicator_values_are_refused(demo_app: Flask, number: str) -> None:
    """Low "500 instead of a clear error", NaN indicator value: number=nan was stored as
    NULL on SQLite (with NaN in the audit event) and a 500 ("invalid json") on PostgreSQL."""
    indicator_framework.ensure_framework()
    counted = (
        db.session.execute(sa.select(Indicator).where(Indicator.kind == IndicatorKind.PERCENTAGE))
        .scalars()
        .first()
    )
    client, token = _signed_in(demo_app, "tccb.member")
    before = _events()
    response = client.post(
        f"/indicators/{counted.id}/value",
        data={"csrf_token": token, "year": "2024", "number": number},
    )
    assert response.status_code == 302
    assert _events() == before
    assert any("không hợp lệ" in m for m in _flashes(client))


def test_the_service_refuses_nan_whoever_calls_it(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", NaN indicator value, at the service (the report
    form and any future caller)."""
    indicator_framework.ensure_framework()
    counted = (
        db.session.execute(sa.select(Indicator).where(Indicator.kind == IndicatorKind.PERCENTAGE))
        .scalars()
        .first()
    )
    member = _user("tccb.member")
    with pytest.raises(InvalidInput):
        indicator_service.enter_value(
            counted.id,
            member.unit_id,
            2024,
            member,
            indicator_service.ValueInput(number=float("nan")),
        )
    with pytest.raises(InvalidInput):
        indicator_service.assign(
            counted.id, member.unit_id, 2024, _user("sgddt.admin"), target_value=float("inf")
        )
    db.session.rollback()
    stored = db.session.execute(
        sa.select(IndicatorValue.number).where(
            IndicatorValue.indicator_id == counted.id,
            IndicatorValue.unit_id == member.unit_id,
            IndicatorValue.year == 2024,
        )
    ).scalars()
    assert all(n is None or n == n for n in stored)  # no NaN stored


def test_nan_in_the_report_form_is_refused(demo_app: Flask) -> None:
    """Low "500 instead of a clear error", NaN indicator value, through the report form: an
    indicator assigned to the lead unit, "nan" typed in its field; the report is refused."""
    indicator_framework.ensure_framework()
    counted = (
        db.session.execute(sa.select(Indicator).where(Indicator.kind == IndicatorKind.PERCENTAGE))
        .scalars()
        .first()
    )
    task = _started_task()
    year = indicator_service.task_year(task)
    indicator_service.assign(counted.id, task.lead_unit_id, year, _user("sgddt.admin"))
    client, token = _signed_in(demo_app, "tccb.member")
    before = _events()
    response = client.post(
        f"/tasks/{task.id}/report",
        data={
            "csrf_token": token,
            "version": task.version,
            "text": "Đã làm.",
            f"indicator-{counted.id}-number": "nan",
        },
    )
    assert response.status_code == 302
    assert _events() == before
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == TaskState.IN_PROGRESS


# --- Low: attachment whose name contains a NUL byte --------------------------------------


def test_clean_filename_drops_control_characters_and_keeps_the_extension() -> None:
    """Low "Attachment whose name contains a NUL byte" and M5: names are cleaned and cut."""
    from workflow.attachments import clean_filename

    assert clean_filename("a\x00b.txt") == "ab.txt"
    assert clean_filename("bao\r\ncao.pdf") == "baocao.pdf"
    assert clean_filename("\u202etxt.exe") == "txt.exe"
    assert clean_filename("C:\\Users\\x\\tờ trình.docx") == "tờ trình.docx"
    long = clean_filename("n" * 300 + ".txt")
    assert len(long) == 255 and long.endswith(".txt")


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL cannot even store a NUL in text")
def test_an_attachment_stored_with_a_nul_in_its_name_can_be_downloaded(
    demo_app: Flask, tmp_path
) -> None:  # noqa: ANN001
    """Low "Attachment whose name contains a NUL byte": on SQLite the upload was accepted
    but every download was a 500 (InvalidResponseHeader in Content-Disposition). Rows
    stored before the fix still download, under a clean name."""
    task = _started_task()
    lead = _user("tccb.member")
    task_reports.add_contribution(
        task.id, lead, text="x", files=[UploadedFile("bien-ban.txt", b"hello")]
    )
    attachment = db.session.execute(
        sa.select(Attachment).where(Attachment.task_id == task.id)
    ).scalar_one()
    db.session.execute(
        sa.update(Attachment).where(Attachment.id == attachment.id).values(filename="a\x00b.txt")
    )
    db.session.commit()
    client, _ = _signed_in(demo_app, "tccb.member")
    response = client.get(f"/tasks/attachments/{attachment.id}")
    response.close()
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "\x00" not in disposition and "ab.txt" in disposition


def test_the_calendar_feed_name_is_a_valid_header(demo_app: Flask) -> None:
    """Low "Attachment whose name contains a NUL byte", the same class: a header gunicorn
    refuses (not Latin-1, a quote, a control) is a 500 for the client. The feed's file name
    carried the unit code as typed by an admin."""
    from notifications.ical import ensure_calendar_token

    unit = db.session.execute(sa.select(Unit).where(Unit.code == "TCCB")).scalar_one()
    token = ensure_calendar_token(unit)
    db.session.execute(sa.update(Unit).where(Unit.id == unit.id).values(code='ĐT"\r\nX'))
    db.session.commit()
    response = demo_app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.isprintable() and disposition.count('"') == 2
    disposition.encode("latin-1")


# --- M5: a 256-300 character attachment name (PostgreSQL) --------------------------------


@pytest.mark.parametrize("route", ["contributions", "report"])
def test_a_300_character_attachment_name_is_shortened(demo_app: Flask, route: str) -> None:
    """M5: `attachments.filename` is VARCHAR(255); on PostgreSQL a 300-character name gave
    StringDataRightTruncation and a 500. The name is cut to 255, extension kept."""
    task = _started_task()
    client, token = _signed_in(demo_app, "tccb.member")
    data = {
        "csrf_token": token,
        "text": "Kèm biên bản.",
        "version": task.version,
        "files": (io.BytesIO(b"hello"), "n" * 300 + ".txt"),
    }
    response = client.post(
        f"/tasks/{task.id}/{route}", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    db.session.expire_all()
    names = (
        db.session.execute(sa.select(Attachment.filename).where(Attachment.task_id == task.id))
        .scalars()
        .all()
    )
    assert names and all(len(n) == 255 and n.endswith(".txt") for n in names), names
    if route == "report":
        assert db.session.execute(sa.select(Report).where(Report.task_id == task.id)).first()


def test_a_target_longer_than_its_column_is_refused(demo_app: Flask) -> None:
    """M5's class (a text longer than its VARCHAR is a 500 on PostgreSQL only): the target
    of an indicator assignment is VARCHAR(300) and the form sent any length."""
    indicator_framework.ensure_framework()
    indicator = db.session.execute(sa.select(Indicator)).scalars().first()
    client, token = _signed_in(demo_app, "gdtx.coordinator")
    before = _events()
    response = client.post(
        f"/indicators/{indicator.id}/assign",
        data={"csrf_token": token, "year": "2024", "unit_code": "TCCB", "target_text": "ê" * 301},
    )
    assert response.status_code == 302
    assert _events() == before
    assert any("300 ký tự" in m for m in _flashes(client))


# --- M4: a far-future deadline breaks the iCalendar feed ---------------------------------


def test_the_calendar_feed_survives_the_last_representable_day(demo_app: Flask) -> None:
    """M4: a deadline of 31/12/9999 made `due_on + timedelta(days=1)` overflow and the
    unit's feed a 500 for good. Rows already holding such a date still render."""
    from notifications.ical import ensure_calendar_token

    task = _task()
    db.session.execute(sa.update(Task).where(Task.id == task.id).values(due_on=date.max))
    db.session.commit()
    unit = db.session.get(Unit, task.lead_unit_id)
    token = ensure_calendar_token(unit)
    response = demo_app.test_client().get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert b"DTSTART;VALUE=DATE:99991231" in response.data


def test_an_extension_to_9999_is_refused(demo_app: Flask) -> None:
    """M4: a lead member could request an extension to 31/12/9999 and it was accepted."""
    task = _started_task()
    client, token = _signed_in(demo_app, "tccb.member")
    before = _events()
    response = client.post(
        f"/tasks/{task.id}/extensions",
        data={"csrf_token": token, "due_on": "9999-12-31", "reason": "Chờ."},
    )
    assert response.status_code == 302
    assert _events() == before
    assert any("10 năm" in m for m in _flashes(client))


def test_a_deadline_beyond_the_horizon_is_refused(demo_app: Flask) -> None:
    """M4: "đổi hạn" to 9999-12-31 by the tracking coordinator is refused too."""
    task = _task()
    client, token = _signed_in(demo_app, "gdtx.coordinator")
    response = client.post(
        f"/tasks/{task.id}/due",
        data={
            "csrf_token": token,
            "version": task.version,
            "due_on": "9999-12-31",
            "reason": "Lùi hạn.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task.id).due_on != date(9999, 12, 31)
    assert any("10 năm" in m for m in _flashes(client))


def test_granting_a_stored_request_for_9999_is_refused(demo_app: Flask) -> None:
    """M4: a request stored before the horizon existed cannot be granted either."""
    task = _started_task()
    lead = _user("tccb.member")
    request_id = requests_service.request_extension(
        task.id, lead, new_due_on=date(clock.today().year + 1, 1, 31), reason="Chờ."
    )
    db.session.execute(
        sa.update(ExtensionRequest)
        .where(ExtensionRequest.id == request_id)
        .values(new_due_on=date(9999, 12, 31))
    )
    db.session.commit()
    with pytest.raises(InvalidInput):
        requests_service.decide_extension(
            request_id, _user("gdtx.coordinator"), grant=True, reason="Đồng ý."
        )


# --- Low: open redirect through /\t/evil.example -----------------------------------------

LEAVING = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "https://evil.example/",
    "\t//evil.example",
    "javascript:alert(1)",
]


def test_task_forms_return_only_to_a_local_path(demo_app: Flask) -> None:
    """Low "Open redirect through /\\t/evil.example in the `next` field of task forms":
    `back_to()` let it through (browsers drop the tab) and the response carried
    `Location: //evil.example`. Every variant now returns to the task; a local path (the
    in-place actions of the lists) still works."""
    task = _task()
    client, token = _signed_in(demo_app, "tccb.member")
    for target in LEAVING:
        response = client.post(
            f"/tasks/{task.id}/transition",
            data={"csrf_token": token, "event": "verify", "version": 1, "next": target},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.endswith(f"/tasks/{task.id}"), (target, location)
    response = client.post(
        f"/tasks/{task.id}/transition",
        data={"csrf_token": token, "event": "verify", "version": 1, "next": "/my-tasks?page=2"},
    )
    assert response.headers["Location"].endswith("/my-tasks?page=2")


# --- Low: admin user search uses LIKE without escaping ----------------------------------


def test_admin_user_search_takes_percent_and_underscore_literally(demo_app: Flask) -> None:
    """Low "Admin user search uses LIKE without escaping": `%` matched every user. Now `%`,
    `_` and `\\` are searched as themselves, here and in the task search."""
    client, _ = _signed_in(demo_app, "sgddt.admin")
    for q in ("%", "_", "%%", "\\"):
        page = client.get("/admin/users", query_string={"q": q}).get_data(as_text=True)
        assert '<span class="muted">(0)</span>' in page, q
        assert client.get("/tasks/", query_string={"q": q}).status_code == 200
    page = client.get("/admin/users", query_string={"q": "sgddt.admin"}).get_data(as_text=True)
    assert '<span class="muted">(1)</span>' in page
    from workflow.inputs import escape_like

    assert escape_like("50%_a\\b") == "50\\%\\_a\\\\b"
