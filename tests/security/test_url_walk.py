"""Every route, every role, hostile parameters: the answer is never a 500 (issue 9, item 8).

Hypothesis walks every rule of `app.url_map`, GET and POST, signed in as each role of the
demo (admin, coordinator, member, inspector) and signed out, and fills:

- the path's parameters with ids that exist, 0, INTEGER's last value and the first beyond
  it, 20-digit numbers, Unicode digits and text that is no number at all;
- the query and the form with the field names each endpoint reads (found in its module's
  source and its WTForms classes, plus a few dynamic names), valued from a hostile
  alphabet: superscript and Arabic-Indic digits, NUL, `%`, `_`, backslashes, very long
  strings, `nan`, `inf`, dates like 31/12/9999 and 01/01/0001, quarters like 0-Q1 and
  99999-Q1, redirect tricks, and the plausible values that let a form get past validation.

POSTs carry a valid CSRF token, so each one reaches its view. TESTING propagates
exceptions, so an unhandled error fails the test as an exception; a handled one would be a
500 response, which fails it too. Each test function (one per role) gets its own copy of
the demo database; the POSTs may change it as they go, and every answer must still be
below 500. The walk is deterministic (`derandomize=True`) and bounded: WALK_EXAMPLES
examples per route and role (default 6; PLANWORK_WALK_EXAMPLES overrides it).
"""

from __future__ import annotations

import inspect
import io
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter, Rule
from wtforms import FieldList, FormField
from wtforms.fields.core import UnboundField

from models import (
    Attachment,
    ExplanationRequest,
    Indicator,
    OutboxMessage,
    Plan,
    Task,
    TaskState,
    Unit,
    UnitAlias,
    UnitGroup,
    User,
    db,
)
from tests.foundation.web import csrf_token, login
from workflow import clock, task_reports
from workflow import requests as requests_service
from workflow import tasks as task_service
from workflow.attachments import UploadedFile

WALK_EXAMPLES = int(os.environ.get("PLANWORK_WALK_EXAMPLES", "6"))
ROLES = {
    "admin": "sgddt.admin",
    "coordinator": "gdtx.coordinator",  # tracks plan 4403, imports plans
    "member": "tccb.member",  # leads item 2 of plan 4403
    "inspector": "sgddt.inspector",
    "anonymous": None,  # the public routes: login, language, calendar feed
}
PLAN_NUMBER, ITEM = "4403/KH-SGDĐT", "2"
FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "importer"
DRAFT_SOURCE = FIXTURE / "2417-KH-SGDDT-2024-hcmc-doet-learning-city-ocr.txt"

HUGE = "99999999999999999999"
BAD_IDS = ["0", "1", str(2**31 - 1), str(2**31), str(2**63), HUGE, "²", "٣", "-1", "1.5", "a"]
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "²",
    "¹²³",
    "٣",
    "①",
    "007",
    str(2**31),
    str(2**63),
    HUGE,
    "1" * 400,
    "1e309",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "%",
    "_",
    "%_%",
    "\\",
    "\x00",
    "a\x00b",
    "\x01\x1f",
    "31/12/9999",
    "9999-12-31",
    "01/01/0001",
    "0001-01-01",
    "29/02/2023",
    "00/00/0000",
    "0-Q1",
    "99999-Q1",
    "2024-Q5",
    "²⁰²⁴-Q1",
    "/\t/evil.example",
    "/\\evil.example",
    "//evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "unit:²",
    f"unit:{HUGE}",
    "group:-1",
    "x" * 300,
    "ê" * 5000,
    "{{7*7}}",
    "' OR 1=1 --",
    "\u202etxt.exe",
    "\ud7ff\ufffd",
]
PLAUSIBLE_TEXT = ["1", "2", "2024", "2025", "Lý do hợp lệ.", "30/09/2024", "2024-Q2", "on"]
HOSTILE_ALPHABET = "09²³¹⁰٣%_\\\x00-/:Q.,eE +aé\t\n"
PLAUSIBLE: dict[str, list[str]] = {
    "event": ["start", "report", "verify", "return", "reopen", "cancel", "__init__"],
    "decision": ["grant", "refuse", "maybe"],
    "lang": ["vi", "en", "xx"],
    "format": ["csv", "xlsx", "pdf", "html"],
    "action": ["preview", "create", "update", "task.start", "x"],
    "kind": ["authority", "department", "district_office", "school", "organization", "x"],
    "role": ["admin", "coordinator", "member", "inspector", "root"],
    "state": ["assigned", "in_progress", "reported", "verified", "cancelled", "pending"],
    "bucket": ["done_on_time", "done_late", "open_in_time", "open_overdue", "x"],
    "quarter": ["2024-Q1", "2024-Q4", "2026-Q4", "0-Q1", "99999-Q1"],
    "due_on": ["2027-06-30", "2030-01-31", "9999-12-31", "0001-01-01", "2024-02-30"],
    "year": ["2024", "2025", "1999", "2101", "99999"],
    "date": ["30/09/2024", "31/12/9999", "01/01/0001"],
    "from": ["01/01/2024", "01/01/0001", "2024-13-01"],
    "to": ["31/12/2024", "31/12/9999", "32/01/2024"],
    "overdue": ["1", "0"],
    "due_soon": ["1"],
    "leaves": ["1"],
    "include": ["1", "0"],
    "active": ["y", "on", ""],
    "email": ["a@b.vn", "x" * 300 + "@b.vn"],
    "unit_code": ["TCCB", "GDTX", "NOPE"],
    "tracking_unit": ["unit:1", "group:1", "unit:²", f"unit:{HUGE}", "x:1"],
    "next": ["/my-tasks", "/\t/evil.example", "//evil.example"],
}
# Names a view builds at run time, which no source scan finds.
DYNAMIC_FIELDS = {
    "tasks.report": [
        "indicator-{indicator}-number",
        "indicator-{indicator}-rating",
        "indicator-{indicator}-change",
        "indicator-{indicator}-note",
        f"indicator-{HUGE}-number",
        "indicator-²-number",
    ],  # fmt: skip
    "imports.confirm": [
        "plan-number",
        "plan-title",
        "plan-issuer",
        "plan-issued_on",
        "plan-based_on",
        "items-0-number",
        "items-0-title",
        "items-0-lead",
        "items-0-coordinating",
        "items-0-timeframe",
        "items-0-due",
        "items-0-include",
        "map-0-text",
        "map-0",
        "suggestions-0-number",
    ],  # fmt: skip
}
FILE_FIELDS = {"tasks.report": "files", "tasks.contribute": "files", "imports.upload": "document"}
FILE_NAMES = ["bien-ban.txt", "n" * 300 + ".txt", "a\x00b.txt", "\u202etxt.exe", "..\\..\\x.txt"]
_READS = re.compile(
    r"""(?:args|form|files)\.get\(\s*["']([^"']+)["']"""
    r"""|(?:_arg|_int|form_int|form_float|form_year|_float)\(\s*["']([^"']+)["']"""
)
_PREFIXED = re.compile(r"""(\w+Form)\(prefix=["'](\w+)["']\)""")


@dataclass
class World:
    """Existing ids for the path parameters, per parameter name and per endpoint."""

    values: dict[str, list[str]]
    by_endpoint: dict[str, list[str]] = field(default_factory=dict)
    draft_token: str | None = None


def _one(model, **where):  # type: ignore[no-untyped-def]  # noqa: ANN001
    return db.session.execute(sa.select(model).filter_by(**where)).scalars().first()


def _build_world(app: Flask, walker: User | None, tmp_path: Path) -> World:
    """A started and reported task with an attachment, a pending extension, an explanation
    request, a calendar token, an outbox mail and (for importers) an import draft."""
    plan = _one(Plan, number=PLAN_NUMBER)
    task = _one(Task, plan_id=plan.id, number=ITEM, parent_id=None)
    lead = _one(User, username=ROLES["member"])
    tracker = _one(User, username=ROLES["coordinator"])
    if task.state == TaskState.ASSIGNED:
        task_service.start_task(task.id, lead, expected_version=task.version)
    extension = requests_service.request_extension(
        task.id, lead, new_due_on=date(clock.today().year + 2, 1, 31), reason="x"
    )
    explanation = ExplanationRequest(task_id=task.id, requested_by_id=tracker.id, question="?")
    db.session.add(explanation)
    db.session.commit()
    task_reports.add_contribution(
        task.id, lead, text="Biên bản.", files=[UploadedFile("bien-ban.txt", b"hello")]
    )
    from notifications.ical import ensure_calendar_token

    unit = _one(Unit, code="TCCB")
    token = ensure_calendar_token(unit)
    other_task = db.session.execute(
        sa.select(Task.id).where(Task.id != task.id).order_by(Task.id.desc())
    ).scalar()
    indicators = db.session.execute(sa.select(Indicator.id).limit(3)).scalars().all()
    users = [
        str(u)
        for u in db.session.execute(
            sa.select(User.id)
            .where(User.id != (walker.id if walker else 0))
            .order_by(User.id)
            .limit(2)
        ).scalars()
    ]
    world = World(
        values={
            "task_id": [str(task.id), str(other_task)],
            "plan_id": [str(plan.id), "1"],
            "attachment_id": [str(_one(Attachment, task_id=task.id).id)],
            "unit_id": [str(unit.id), str(tracker.unit_id)],
            "group_id": [str(_one(UnitGroup).id)],
            "alias_id": [str(a.id) for a in [_one(UnitAlias)] if a] or ["1"],
            "user_id": users,
            "outbox_id": [str(m.id) for m in [_one(OutboxMessage)] if m] or ["1"],
            "indicator_id": [str(i) for i in indicators] or ["1"],
            "token": [token, "0" * 32, "a" * 16],
            "fmt": ["csv", "xlsx", "pdf", "docx", "zip", "exe"],
            "filename": ["style.css", "../../etc/passwd", "x" * 300],
            "job_id": ["1", "2"],
        },
        by_endpoint={
            "tasks.decide_extension": [str(extension)],
            "tasks.answer_explanation": [str(explanation.id)],
        },
    )
    from workflow.import_draft import review_draft
    from workflow.import_draft_store import save_draft
    from workflow.import_permissions import can_import
    from workflow.import_resolution import import_directory

    if walker is not None and can_import(walker):
        # A real draft, so the review and confirm forms are walked past "no such draft".
        import importer

        folder = tmp_path / "imports"
        app.config["IMPORT_DRAFT_DIR"] = str(folder)
        parsed = importer.parse_bytes(
            DRAFT_SOURCE.read_bytes(), directory=import_directory()
        ).to_json()
        world.draft_token = save_draft(folder, walker, review_draft(parsed, DRAFT_SOURCE.name))
        world.values["token"].insert(0, world.draft_token)
    return world


def _unbound_fields(form_class: type) -> list[str]:
    """A form class's field names; a list of sub-forms gives its first two rows' names
    ("items-0-title"), as the browser sends them."""
    names = []
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        if not isinstance(unbound, UnboundField):
            continue
        names.append(name)
        inner = unbound.args[0] if unbound.field_class is FieldList and unbound.args else None
        if isinstance(inner, UnboundField) and inner.field_class is FormField:
            for sub in _unbound_fields(inner.args[0]):
                names += [f"{name}-0-{sub}", f"{name}-1-{sub}"]
    return names


def _form_fields(module) -> set[str]:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """The fields of the WTForms classes a module uses, with the prefixes it gives them."""
    source = inspect.getsource(module)
    prefixes: dict[str, set[str]] = {}
    for form_name, prefix in _PREFIXED.findall(source):
        prefixes.setdefault(form_name, set()).add(prefix)
    names: set[str] = set()
    for obj in vars(module).values():
        if isinstance(obj, type) and issubclass(obj, FlaskForm) and obj is not FlaskForm:
            fields = _unbound_fields(obj)
            for prefix in prefixes.get(obj.__name__, set()) | {""}:
                names |= {f"{prefix}-{n}" if prefix else n for n in fields}
    return names


def field_names(app: Flask, endpoint: str, world: World) -> tuple[list[str], list[str]]:
    """What an endpoint reads: (the fields of the forms its module uses, every other name:
    request.args/form names in its module and in the task filter it shares, and the names
    views build at run time)."""
    import reports.progress

    module = inspect.getmodule(app.view_functions[endpoint])
    form_fields = _form_fields(module) - {"csrf_token"}
    names: set[str] = set()
    for mod in (module, reports.progress):
        for a, b in _READS.findall(inspect.getsource(mod)):
            names.add(a or b)
    indicator = world.values["indicator_id"][0]
    names |= {n.format(indicator=indicator) for n in DYNAMIC_FIELDS.get(endpoint, [])}
    names |= {"q", "page", "next"}
    return sorted(form_fields), sorted(names - form_fields - {"csrf_token"})


def fields_for(always: list[str], optional: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Every name of `always` and up to four of `optional`, each with a value."""
    chosen = st.dictionaries(st.sampled_from(optional), st.none(), max_size=4)
    return chosen.flatmap(
        lambda extra: st.fixed_dictionaries({n: values_for(n) for n in [*always, *extra]})
    )


def values_for(name: str) -> st.SearchStrategy[str]:
    """A field's value: plausible for its name, or hostile."""
    plausible = PLAUSIBLE.get(name.rsplit("-", 1)[-1], []) + PLAUSIBLE_TEXT
    return st.one_of(
        st.sampled_from(plausible),
        st.sampled_from(HOSTILE),
        st.text(alphabet=HOSTILE_ALPHABET, max_size=12),
    )


def _path_values(rule: Rule, world: World) -> st.SearchStrategy[dict[str, str]]:
    strategies = {}
    for name in rule.arguments:
        existing = world.by_endpoint.get(rule.endpoint) or world.values.get(name) or ["1"]
        converter = rule._converters[name]  # noqa: SLF001 (werkzeug keeps them there)
        hostile = BAD_IDS if isinstance(converter, IntegerConverter) else HOSTILE
        strategies[name] = st.one_of(st.sampled_from(existing), st.sampled_from(hostile))
    return st.fixed_dictionaries(strategies)


def _url(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with the values put in as they are (url_for would refuse "²")."""

    def fill(match: re.Match[str]) -> str:
        return quote(values[match.group(1)], safe="")

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", fill, rule.rule)


def _routes(app: Flask) -> list[tuple[str, Rule]]:
    routes = [
        (method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    # Logging out ends the walk's session: do it last.
    return sorted(routes, key=lambda r: (r[1].endpoint == "auth.logout", r[1].endpoint, r[0]))


class Walker:
    """A signed-in client that signs in again when a request ended its session (or an
    anonymous one, with the login page's CSRF token)."""

    def __init__(self, app: Flask, username: str | None) -> None:
        self.app, self.username = app, username
        self.client: FlaskClient = app.test_client()
        self.token = ""
        self.requests = 0
        self.sign_in()

    def sign_in(self) -> None:
        self.client = self.app.test_client()
        if self.username is None:
            self.token = csrf_token(self.client.get("/login").get_data(as_text=True))
            return
        login(self.client, self.username)
        self.token = csrf_token(self.client.get("/my-tasks").get_data(as_text=True))

    def ensure_signed_in(self) -> None:
        if self.username is None:
            # A walked login may have signed the anonymous client in: start over.
            self.sign_in()
        elif self.client.get("/my-tasks").status_code != 200:
            self.sign_in()

    def send(self, method: str, url: str, query: dict, form: dict, upload) -> int:  # noqa: ANN001
        self.requests += 1
        if method == "GET":
            response = self.client.get(url, query_string=query)
        else:
            data = {**form, "csrf_token": self.token}
            if upload is not None:
                field_name, name, body = upload
                data[field_name] = (io.BytesIO(body), name)
            response = self.client.post(
                url, query_string=query, data=data, content_type="multipart/form-data"
            )
        response.close()  # send_file keeps the file open until the response is closed
        # The test client passes any header; gunicorn refuses one that is not Latin-1 or
        # holds a control character, and the client gets a 500 (the NUL attachment name).
        for key, value in response.headers.items():
            assert value.isprintable() and value.encode("latin-1"), (url, key, value)
        return response.status_code


def walk_route(walker: Walker, method: str, rule: Rule, world: World, label: str) -> None:
    """Send WALK_EXAMPLES generated requests to one route; fail on an exception or a 500."""
    form_fields, other_names = field_names(walker.app, rule.endpoint, world)
    # A POST sends its forms' every field, so that it can pass validation and reach the
    # service; a GET sends a few of the names its view reads.
    if method == "POST":
        fields = fields_for(form_fields, other_names)
    else:
        fields = fields_for([], sorted({*form_fields, *other_names}))
    file_field = FILE_FIELDS.get(rule.endpoint)
    uploads = (
        st.one_of(
            st.none(),
            st.tuples(
                st.just(file_field),
                st.sampled_from(FILE_NAMES),
                st.sampled_from([b"hello", b"", b"\x00\xff", "Kế hoạch 1.".encode()]),
            ),
        )
        if file_field and method == "POST"
        else st.none()
    )

    @settings(
        max_examples=WALK_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        path=_path_values(rule, world),
        query=fields if method == "GET" else st.just({}),
        form=fields if method == "POST" else st.just({}),
        upload=uploads,
    )
    def one_request(path, query, form, upload) -> None:  # noqa: ANN001
        url = _url(rule, path)
        status = walker.send(method, url, query, form, upload)
        assert status < 500, f"{label} {method} {url} {query or form}: {status}"

    one_request()


def walk(app: Flask, role: str, tmp_path: Path) -> Walker:
    """Walk every route as `role`; fail on the first exception or 500."""
    app.config["PROPAGATE_EXCEPTIONS"] = True
    username = ROLES[role]
    world = _build_world(app, _one(User, username=username) if username else None, tmp_path)
    walker = Walker(app, ROLES[role])
    for method, rule in _routes(app):
        walk_route(walker, method, rule, world, role)
        if method == "POST":
            walker.ensure_signed_in()
    return walker


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_route_answers_500(demo_app: Flask, role: str, tmp_path: Path) -> None:
    """Issue 9, item 8: every route answers 2xx, 3xx or 4xx for any parameter, as any role."""
    started = time.monotonic()
    walker = walk(demo_app, role, tmp_path)
    print(  # noqa: T201 (the figures the report quotes: pytest -s shows them)
        f"\nURL walk as {role}: {walker.requests} requests in {time.monotonic() - started:.1f} s"
    )
    assert walker.requests >= WALK_EXAMPLES
