"""The demo: the HCMC education directory, two real plans and a user per role."""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from config.settings import DATA_DIR
from models import Indicator, Plan, Role, Task, Unit, UnitGroup, UnitKind, User, db
from notifications.events import muted
from notifications.outbox import supersede_pending
from workflow import assignees, audit, clock, indicator_framework, indicators, task_reports
from workflow import requests as request_service
from workflow import tasks as task_service
from workflow.directory import load_directory
from workflow.plans import ItemInput, PlanInput, UnitRef, create_plan
from workflow.snapshots import user_snapshot
from workflow.transaction import unit_of_work

DEMO_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "planwork-demo"
# Each demo user gets their own salt, with a cheaper scrypt than real accounts (werkzeug's
# default is n=32768, about 80 ms a hash): the demo password is public anyway, and tests
# load the demo into their template database.
DEMO_HASH_METHOD = "scrypt:1024:8:1"


# The accounts a newcomer tries first, shown by `demo load` and on the login page while the
# demo is loaded: (username, what the account is for).
KEY_LOGINS = [
    ("gdtx.member", "Chuyên viên Phòng GDTX-CN&ĐH (đơn vị chủ trì)"),
    ("gdtx.coordinator", "Điều phối viên Phòng GDTX-CN&ĐH (cơ quan thường trực)"),
    ("gdtx.coordinator2", "Điều phối viên thứ hai của cơ quan thường trực"),
    ("tccb.member", "Chuyên viên Phòng Tổ chức cán bộ (đơn vị phối hợp)"),
    ("pgd-q8.member", "Chuyên viên Phòng GDĐT quận 8"),
    ("sgddt.inspector", "Thanh tra (chỉ xem)"),
    ("sgddt.admin", "Quản trị hệ thống"),
]
DEMO_EMAIL_DOMAIN = "@planwork.demo"
LIVE_PLAN_FILE = "live_plan.json"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    unit_name: str


# (unit code, role, username suffix, name). The tracking department gets two coordinators
# and two members so that "nobody verifies their own report" can be walked through.
_EXTRA_USERS = [
    ("SGDDT", Role.ADMIN, "admin", "Quản trị hệ thống"),
    ("SGDDT", Role.INSPECTOR, "inspector", "Thanh tra viên Sở"),
    ("TTRA", Role.INSPECTOR, "inspector", "Thanh tra viên"),
    ("GDTX", Role.COORDINATOR, "coordinator2", "Điều phối viên 2"),
    ("GDTX", Role.MEMBER, "member2", "Chuyên viên 2"),
]

_GIVEN_NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Võ Thị Giang",
    "Đặng Minh Hải",
    "Bùi Thị Hoa",
    "Đỗ Văn Khánh",
    "Ngô Thị Lan",
    "Dương Văn Minh",
    "Lý Thị Ngọc",
    "Huỳnh Văn Phúc",
    "Phan Thị Quyên",
    "Trương Văn Sơn",
]


def is_loaded() -> bool:
    """Whether the database already holds data (the demo loads only into an empty one)."""
    return db.session.execute(sa.select(Unit.id).limit(1)).first() is not None


def demo_accounts_present() -> bool:
    """Whether the demo's accounts are in this database (one indexed lookup): the login page
    lists them only then, never on a real installation."""
    username, _ = KEY_LOGINS[-1]
    return (
        db.session.execute(
            sa.select(User.id).where(
                User.username == username,
                User.email == f"{username}{DEMO_EMAIL_DOMAIN}",
                User.active.is_(True),
            )
        ).first()
        is not None
    )


def _username(code: str, suffix: str) -> str:
    return f"{code.lower()}.{suffix}"


def _user_plan(units: dict[str, Unit]) -> list[tuple[str, Role, str, str]]:
    """Which demo users to create: a coordinator and a member for each unit that works on
    plans, a member for schools and partner bodies, plus admin and inspectors."""
    wanted = []
    for code, unit in units.items():
        if unit.kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT_OFFICE):
            wanted.append((code, Role.COORDINATOR, "coordinator", "Điều phối viên"))
            wanted.append((code, Role.MEMBER, "member", "Chuyên viên"))
        elif unit.kind in (UnitKind.SCHOOL, UnitKind.ORGANIZATION):
            wanted.append((code, Role.MEMBER, "member", "Cán bộ"))
    return wanted + _EXTRA_USERS


def _create_users(units: dict[str, Unit]) -> list[DemoLogin]:
    logins = []
    for i, (code, role, suffix, title) in enumerate(_user_plan(units)):
        unit = units[code]
        username = _username(code, suffix)
        person = _GIVEN_NAMES[i % len(_GIVEN_NAMES)]
        user = User(
            username=username,
            full_name=f"{person} ({title})",
            email=f"{username}{DEMO_EMAIL_DOMAIN}",
            unit_id=unit.id,
            role=role,
            password_hash=generate_password_hash(DEMO_PASSWORD, method=DEMO_HASH_METHOD),
        )
        db.session.add(user)
        db.session.flush()
        audit.record(
            "user.create",
            actor=None,
            object_type="user",
            object_id=user.id,
            unit_id=unit.id,
            after=user_snapshot(user),
            reason="Nạp dữ liệu mẫu",
        )
        logins.append(DemoLogin(username, user.full_name, role, unit.name))
    return logins


def _unit_lookup() -> dict[str, int]:
    """A data file's unit mention → unit id: by code, or by a name only one unit bears
    (schools share names across districts; a shared name is left for review)."""
    rows = db.session.execute(sa.select(Unit.code, Unit.name, Unit.id)).all()
    bearers: dict[str, list[int]] = {}
    for row in rows:
        bearers.setdefault(row.name, []).append(row.id)
    lookup = {name: ids[0] for name, ids in bearers.items() if len(ids) == 1}
    lookup.update({row.code: row.id for row in rows})
    return lookup


def _refs(names: list[str], units: dict[str, int], groups: dict[str, int]) -> list[UnitRef]:
    refs = []
    for name in names:
        if name in units:
            refs.append(UnitRef(mention=name, unit_id=units[name]))
        elif name in groups:
            refs.append(UnitRef(mention=name, group_id=groups[name]))
        else:
            refs.append(UnitRef(mention=name, needs_review=True))
    return refs


def plan_input_from_file(path: Path) -> PlanInput:
    """Read a plan data file into a PlanInput, resolving unit names against the database."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    units = _unit_lookup()
    codes = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    groups = dict(db.session.execute(sa.select(UnitGroup.name, UnitGroup.id)).all())
    issuer_id = codes[data["issuer_code"]]
    return PlanInput(
        number=data["number"],
        title=data["title"],
        issuer_name=db.session.get(Unit, issuer_id).name,
        issuer_id=issuer_id,
        tracking_unit_id=codes[data["tracking_code"]],
        issued_on=date.fromisoformat(data["issued_on"]) if data.get("issued_on") else None,
        period=data.get("period"),
        year=data.get("year"),
        based_on=data.get("based_on", []),
        source_filename=data.get("source"),
        items=[
            ItemInput(
                number=item["number"],
                section=item.get("section"),
                title=item["title"],
                content=item.get("content"),
                timeframe_text=item.get("timeframe_text"),
                periods=item.get("periods", []),
                due_on=date.fromisoformat(item["due"]) if item.get("due") else None,
                recurrence=item.get("recurrence"),
                ongoing=item.get("ongoing", False),
                leads=_refs(item.get("lead", []), units, groups),
                coordinating=_refs(item.get("coordinating", []), units, groups),
            )
            for item in data["items"]
        ],
    )


def _utc(local: str) -> datetime:
    """'2024-05-06 09:00' in Vietnam time as the naive UTC instant the database stores."""
    moment = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=clock.LOCAL_TZ)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _step_task_id(step: dict[str, Any]) -> int:
    query = (
        sa.select(Task.id)
        .join(Plan, Task.plan_id == Plan.id)
        .where(Plan.number == step["plan"], Task.number == step["item"])
    )
    if step.get("unit"):
        unit_id = sa.select(Unit.id).where(Unit.code == step["unit"]).scalar_subquery()
        query = query.where(Task.lead_unit_id == unit_id, Task.parent_id.is_not(None))
    else:
        query = query.where(Task.parent_id.is_(None))
    return db.session.execute(query).scalar_one()


def _replay_indicator(step: dict[str, Any], actor: User) -> None:
    indicator_id = db.session.execute(
        sa.select(Indicator.id).where(Indicator.code == step["code"])
    ).scalar_one()
    unit_id = db.session.execute(sa.select(Unit.id).where(Unit.code == step["unit"])).scalar_one()
    if step["do"] == "assign_indicator":
        indicators.assign(indicator_id, unit_id, step["year"], actor)
    else:
        value = indicators.ValueInput(
            number=step.get("number"), rating=step.get("rating"), note=step.get("note")
        )
        indicators.enter_value(indicator_id, unit_id, step["year"], actor, value)


def _replay(step: dict[str, Any]) -> None:
    actor = db.session.execute(sa.select(User).where(User.username == step["user"])).scalar_one()
    action = step["do"]
    if action in ("assign_indicator", "indicator_value"):
        _replay_indicator(step, actor)
        return
    task_id = _step_task_id(step)
    if action == "report":
        task_reports.submit_report(task_id, actor, expected_version=None, text=step["text"])
    elif action == "contribute":
        task_reports.add_contribution(task_id, actor, text=step["text"])
    else:
        task_service.transition(
            task_id, actor, action, expected_version=None, reason=step.get("reason")
        )


def load_demo(
    data_dir: Path = DEMO_DIR, *, history: bool = False, live: bool = False
) -> list[DemoLogin]:
    """Load the directory, the demo users and the demo plans; returns the logins.

    With `history`, the plans are created on their 2024 dates and a year of work is replayed
    through the workflow services (demo/data/demo_activity.json), so dashboards, the audit trail,
    "as of" views and year-end reports have something true to show. With `live`, a plan of the
    current year is added whose dates are set around today (see `load_live_plan`).
    """
    activity = json.loads((data_dir / "demo_activity.json").read_text(encoding="utf-8"))
    directory = json.loads((DATA_DIR / "units.json").read_text(encoding="utf-8"))
    try:
        if history:
            clock.freeze(_utc(activity["setup_at"]))
        with unit_of_work():
            load_directory(directory, actor=None)
            units = {u.code: u for u in db.session.execute(sa.select(Unit)).scalars()}
            logins = _create_users(units)
        admin = db.session.execute(
            sa.select(User).where(User.username == _username("SGDDT", "admin"))
        ).scalar_one()
        for entry in activity["plans"]:
            creator = admin
            if history:
                clock.freeze(_utc(entry["at"]))
                creator = db.session.execute(
                    sa.select(User).where(User.username == entry["by"])
                ).scalar_one()
            # The plain demo's plans are seed data: nobody is told they were "assigned".
            with nullcontext() if history else muted():
                create_plan(plan_input_from_file(data_dir / "plans" / entry["file"]), actor=creator)
        if history:
            indicator_framework.ensure_framework()
            for step in activity["steps"]:
                clock.freeze(_utc(step["at"]))
                _replay(step)
            # The replayed events queued their mails in 2024: none may go out today.
            supersede_pending("Dữ liệu mẫu: thư của lịch sử 2024 được dựng lại, không gửi.")
    finally:
        if history:
            clock.freeze(None)
    if live:
        load_live_plan(data_dir)
    return logins


def _quarter_text(day: date) -> str:
    roman = ("I", "II", "III", "IV")[(day.month - 1) // 3]
    return f"Quý {roman} năm {day.year}"


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _source_items(data_dir: Path, spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    files = {entry["from"][0] for entry in spec["items"]}
    items = {}
    for name in files:
        data = json.loads((data_dir / "plans" / name).read_text(encoding="utf-8"))
        items.update({(name, item["number"]): item for item in data["items"]})
    return items


def live_plan_input(data_dir: Path, today: date) -> tuple[PlanInput, dict[str, Any]]:
    """The current year's demo plan with every date set relative to `today`, and its spec."""
    spec = json.loads((data_dir / LIVE_PLAN_FILE).read_text(encoding="utf-8"))
    sources = _source_items(data_dir, spec)
    units = _unit_lookup()
    codes = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    groups = dict(db.session.execute(sa.select(UnitGroup.name, UnitGroup.id)).all())
    issuer_id = codes[spec["issuer_code"]]
    items = []
    for position, entry in enumerate(spec["items"], start=1):
        source = sources[tuple(entry["from"])]
        due = today + timedelta(days=entry["due"])
        items.append(
            ItemInput(
                number=str(position),
                section=None,
                title=source["title"],
                content=source.get("content"),
                timeframe_text=_quarter_text(due),
                periods=[_quarter(due)],
                due_on=due,
                leads=_refs(source.get("lead", []), units, groups),
                coordinating=_refs(source.get("coordinating", []), units, groups),
            )
        )
    plan = PlanInput(
        number=spec["number"].format(year=today.year),
        title=spec["title"].format(year=today.year),
        issuer_name=db.session.get(Unit, issuer_id).name,
        issuer_id=issuer_id,
        tracking_unit_id=codes[spec["tracking_code"]],
        issued_on=today + timedelta(days=spec["created"]["days"]),
        period=str(today.year),
        year=today.year,
        based_on=spec.get("based_on", []),
        items=items,
    )
    return plan, spec


def _at(today: date, days: int, time: str) -> datetime:
    return _utc(f"{(today + timedelta(days=days)).isoformat()} {time}")


def _user(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def _live_step(task_id: int, step: dict[str, Any], today: date) -> None:
    actor = _user(step["user"])
    action = step["do"]
    if action == "assign":
        assignees.assign(task_id, actor, [_user(name).id for name in step["users"]])
    elif action == "report":
        task_reports.submit_report(task_id, actor, expected_version=None, text=step["text"])
    elif action == "extension":
        request_service.request_extension(
            task_id,
            actor,
            new_due_on=today + timedelta(days=step["new_due"]),
            reason=step["text"],
        )
    elif action == "explanation":
        request_service.request_explanation(task_id, actor, question=step["text"])
    else:
        task_service.transition(
            task_id, actor, action, expected_version=None, reason=step.get("text")
        )


def load_live_plan(data_dir: Path = DEMO_DIR, today: date | None = None) -> int:
    """Add the current year's demo plan (demo/data/live_plan.json) around `today`; its id.

    The items of the 2024 plans come back with deadlines from 20 days ago to 60 days ahead,
    and their steps (start, report, return, verify, person-level assignment, an extension
    request, explanation requests) run through the workflow on past days, in date order. The
    mails those steps queue are marked not to be sent: they speak of days already gone, and
    the scheduler's catch-up at start mails today's reminders instead.
    """
    today = today or clock.today()
    plan_input, spec = live_plan_input(data_dir, today)
    created = spec["created"]
    steps = [
        (step["days"], step["time"], position, step)
        for position, entry in enumerate(spec["items"], start=1)
        for step in entry["steps"]
    ]
    if any(days >= 0 for days, *_ in steps) or created["days"] >= 0:
        raise ValueError("live demo steps must lie in the past")
    try:
        clock.freeze(_at(today, created["days"], created["time"]))
        plan_id = create_plan(plan_input, actor=_user(created["by"]))
        task_ids = dict(
            db.session.execute(
                sa.select(Task.number, Task.id).where(
                    Task.plan_id == plan_id, Task.parent_id.is_(None)
                )
            ).all()
        )
        for days, time, position, step in sorted(steps, key=lambda s: (s[0], s[1], s[2])):
            clock.freeze(_at(today, days, time))
            _live_step(task_ids[str(position)], step, today)
        supersede_pending("Dữ liệu mẫu: thư của các bước dựng lại trước hôm nay, không gửi.")
    finally:
        clock.freeze(None)
    return plan_id
