"""Benchmark data: one city's education sector, deterministic, at the scale of issue 12.

A unit tree (the Sở, its 25 departments, 22 district offices, ~2,230 schools), 10,000
users (coordinators and members in every unit, an administrator, inspectors), 100 plans
whose items fan out to groups (district offices, a district's schools, the high
schools), states spread over 2024–2026 as a year of real work leaves them, reports,
contributions, extension and explanation requests, and an audit trail of ~10 events per
task whose hash chain verifies with `planwork audit verify --full`.

Rows are written with bulk inserts (COPY on PostgreSQL, executemany on SQLite) straight
into a database migrated to head, so the same seed gives the same city on both. The
derived data the application keeps on every write (search text, the dashboard's tallies)
is filled the way the application computes it (workflow.search's folding,
`planwork counters rebuild`).

    .venv/bin/python bench/city.py                       # 100,000 tasks, DATABASE_URL or SQLite
    .venv/bin/python bench/city.py --tasks 10000 --database-url sqlite:///instance/city.sqlite3
    make bench-data                                      # the full city into $BENCH_DATABASE_URL
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.audit import GENESIS_HASH  # noqa: E402
from models.base import db  # noqa: E402
from workflow.audit import event_hash, jsonable  # noqa: E402
from workflow.rollup import rolled_up_state  # noqa: E402
from workflow.text import fold  # noqa: E402

# The day the city's year is seen from: states, reports and events all lie before it.
REFERENCE_DAY = date(2026, 11, 30)
PASSWORD = "planwork-demo"
# A cheap hash: 10,000 users log in during a load run, the bench measures pages, not scrypt.
HASH_METHOD = "scrypt:1024:8:1"
UNITS_TOTAL = 2282
USERS_TOTAL = 10_000
PLANS_TOTAL = 100

DEPARTMENTS = [
    "Văn phòng Sở",
    "Thanh tra Sở",
    "Phòng Tổ chức cán bộ",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Giáo dục Mầm non",
    "Phòng Giáo dục Tiểu học",
    "Phòng Giáo dục Trung học",
    "Phòng Giáo dục thường xuyên - Chuyên nghiệp và Đại học",
    "Phòng Chính trị tư tưởng",
    "Phòng Khảo thí và Kiểm định chất lượng giáo dục",
    "Phòng Công nghệ thông tin",
    "Phòng Pháp chế",
    "Phòng Quản lý cơ sở vật chất",
    "Phòng Giáo dục dân tộc",
    "Phòng Công tác học sinh sinh viên",
    "Phòng Giáo dục quốc phòng",
    "Phòng Hợp tác quốc tế",
    "Phòng Thi đua khen thưởng",
    "Phòng Giáo dục thể chất",
    "Phòng Y tế trường học",
    "Phòng Ngoại ngữ",
    "Phòng Giáo dục hòa nhập",
    "Phòng Chuyển đổi số",
    "Phòng Truyền thông",
    "Phòng Quản lý chất lượng",
]
DISTRICTS = [
    "Quận 1",
    "Quận 3",
    "Quận 4",
    "Quận 5",
    "Quận 6",
    "Quận 7",
    "Quận 8",
    "Quận 10",
    "Quận 11",
    "Quận 12",
    "Quận Bình Thạnh",
    "Quận Gò Vấp",
    "Quận Phú Nhuận",
    "Quận Tân Bình",
    "Quận Tân Phú",
    "Quận Bình Tân",
    "Thành phố Thủ Đức",
    "Huyện Bình Chánh",
    "Huyện Củ Chi",
    "Huyện Hóc Môn",
    "Huyện Nhà Bè",
    "Huyện Cần Giờ",
]
HIGH_SCHOOLS = 230
SCHOOL_KINDS = ("Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở")
GIVEN = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Minh Châu",
    "Phạm Thu Dung",
    "Hoàng Quốc Hùng",
    "Võ Thị Lan",
    "Đặng Hữu Phước",
    "Bùi Ngọc Quyên",
    "Đỗ Thanh Sơn",
    "Huỳnh Thị Tâm",
]
VERBS = [
    "Tổ chức",
    "Triển khai",
    "Tăng cường",
    "Đẩy mạnh",
    "Rà soát",
    "Xây dựng",
    "Kiểm tra",
    "Tổng kết",
    "Bồi dưỡng",
    "Nâng cao",
]
OBJECTS = [
    "công tác chuyển đổi số",
    "chất lượng dạy và học",
    "hoạt động ngoại khóa",
    "phong trào học tập suốt đời",
    "an toàn trường học",
    "cơ sở vật chất",
    "đội ngũ giáo viên",
    "công tác tuyển sinh",
    "giáo dục kỹ năng sống",
    "thư viện thân thiện",
    "công tác y tế trường học",
    "giáo dục thể chất",
]
CONTEXTS = [
    "trong toàn ngành",
    "tại các cơ sở giáo dục",
    "năm học mới",
    "theo Chương trình giáo dục phổ thông 2018",
    "trên địa bàn Thành phố",
    "gắn với mô hình thành phố học tập",
]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]


def _ts(day: date, seconds: int) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)


@dataclass
class City:
    """Everything generated, as plain rows per table, plus what events need."""

    units: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    task_units: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    contributions: list[dict] = field(default_factory=list)
    extensions: list[dict] = field(default_factory=list)
    explanations: list[dict] = field(default_factory=list)
    # (occurred_at, action, object_type, object_id, plan_id, actor index, before, after)
    events: list[tuple] = field(default_factory=list)
    users_of_unit: dict[int, list[int]] = field(default_factory=dict)


# --- the directory --------------------------------------------------------------------


def build_directory(city: City, rng: random.Random, password_hash: str) -> dict[str, Any]:
    """Units as a tree, groups as plans name them, users per unit and role."""
    created = datetime(2023, 12, 1, 1)

    def unit(code: str, name: str, kind: str, parent: int | None) -> int:
        uid = len(city.units) + 1
        city.units.append(
            {
                "id": uid,
                "code": code,
                "name": name,
                "kind": kind,
                "parent_id": parent,
                "email": f"{code.lower()}@city.edu.vn",
                "active": True,
                "created_at": created,
            }
        )
        return uid

    so = unit("SGDDT", "Sở Giáo dục và Đào tạo Thành phố", "authority", None)
    departments = [
        unit(f"P{i + 1:02d}", name, "department", so) for i, name in enumerate(DEPARTMENTS)
    ]
    districts = [
        unit(f"PGD{i + 1:02d}", f"Phòng Giáo dục và Đào tạo {name}", "district_office", so)
        for i, name in enumerate(DISTRICTS)
    ]
    high = [
        unit(f"THPT{i + 1:03d}", f"Trường Trung học phổ thông số {i + 1}", "school", so)
        for i in range(HIGH_SCHOOLS)
    ]
    schools_left = UNITS_TOTAL - len(city.units)
    by_district: list[list[int]] = [[] for _ in districts]
    for i in range(schools_left):
        d = i % len(districts)
        kind = SCHOOL_KINDS[(i // len(districts)) % 3]
        n = i // (len(districts) * 3) + 1
        name = f"{kind} số {n} {DISTRICTS[d]}"
        by_district[d].append(unit(f"TR{i + 1:04d}", name, "school", districts[d]))

    def group(code: str, name: str, unit_ids: list[int]) -> int:
        gid = len(city.groups) + 1
        city.groups.append({"id": gid, "code": code, "name": name})
        city.members += [{"group_id": gid, "unit_id": u} for u in unit_ids]
        return gid

    g_depts = group("G-PHONG-SO", "Các phòng thuộc Sở", departments)
    g_pgd = group("G-PGD", "Phòng Giáo dục và Đào tạo các quận, huyện", districts)
    g_thpt = group("G-THPT", "Các trường trung học phổ thông", high)
    g_district = [
        group(f"G-TR-{i + 1:02d}", f"Các trường thuộc {DISTRICTS[i]}", by_district[i])
        for i in range(len(districts))
    ]

    # Users: an administrator, inspectors in Thanh tra Sở, coordinators and members
    # in every unit; what is left of 10,000 goes to schools as further members.
    plan: list[tuple[int, str, str]] = [(so, "admin", "admin"), (so, "coordinator", "coordinator")]
    inspection = departments[1]
    plan += [(inspection, "inspector", f"inspector{i + 1}") for i in range(8)]
    for d in departments:
        plan += [(d, "coordinator", f"coordinator{i + 1}") for i in range(2)]
        plan += [(d, "member", f"member{i + 1}") for i in range(10)]
    for d in districts:
        plan += [(d, "coordinator", f"coordinator{i + 1}") for i in range(2)]
        plan += [(d, "member", f"member{i + 1}") for i in range(8)]
    schools = high + [s for lst in by_district for s in lst]
    for s in schools:
        plan += [(s, "coordinator", "coordinator1"), (s, "member", "member1")]
    extra = USERS_TOTAL - len(plan)
    for i in range(max(0, extra)):
        plan.append((schools[i % len(schools)], "member", f"member{2 + i // len(schools)}"))
    codes = {u["id"]: u["code"] for u in city.units}
    for i, (unit_id, role, suffix) in enumerate(plan[:USERS_TOTAL]):
        username = f"{codes[unit_id].lower()}.{suffix}"
        city.users.append(
            {
                "id": i + 1,
                "username": username,
                "full_name": GIVEN[i % len(GIVEN)],
                "email": f"{username}@city.edu.vn",
                "unit_id": unit_id,
                "role": role,
                "password_hash": password_hash,
                "active": True,
                "digest_opt_out": False,
                "created_at": created,
                "session_generation": 0,
            }
        )
        city.users_of_unit.setdefault(unit_id, []).append(i + 1)
    return {
        "so": so,
        "departments": departments,
        "districts": districts,
        "high": high,
        "by_district": by_district,
        "g_depts": g_depts,
        "g_pgd": g_pgd,
        "g_thpt": g_thpt,
        "g_district": g_district,
    }


# --- plans and tasks ------------------------------------------------------------------


def _state_for(rng: random.Random, due: date | None) -> str:
    if due is None:
        weights = (10, 45, 15, 27, 3)
    elif due < REFERENCE_DAY - timedelta(days=30):
        weights = (4, 6, 5, 82, 3)
    elif due <= REFERENCE_DAY + timedelta(days=30):
        weights = (12, 30, 25, 30, 3)
    else:
        weights = (52, 35, 7, 3, 3)
    return rng.choices(("assigned", "in_progress", "reported", "verified", "cancelled"), weights)[0]


def _title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CONTEXTS)}"


def build_plans(city: City, rng: random.Random, d: dict[str, Any], tasks_total: int) -> None:
    """100 plans whose items fan out; states, reports, contributions, requests, events."""
    members = {
        d["g_pgd"]: d["districts"],
        d["g_thpt"]: d["high"],
        **{g: d["by_district"][i] for i, g in enumerate(d["g_district"])},
    }
    group_names = {g["id"]: g["name"] for g in city.groups}
    unit_names = {u["id"]: u["name"] for u in city.units}
    weights = [2.1] + [rng.uniform(0.35, 1.65) for _ in range(PLANS_TOTAL - 1)]
    scale = tasks_total / sum(weights)
    budgets = [round(w * scale) for w in weights]
    budgets[-1] += tasks_total - sum(budgets)
    admin = 1
    for p in range(PLANS_TOTAL):
        year = 2024 + p % 3
        issued = date(year, 1, 5) + timedelta(days=rng.randrange(0, 70))
        tracking = d["departments"][rng.randrange(2, len(d["departments"]))]
        if p % 7 == 0:
            tracking = d["departments"][6]  # the Phòng Trung học tracks many plans
        plan_id = p + 1
        number = f"{1000 + p * 37}/KH-SGDĐT"
        city.plans.append(
            {
                "id": plan_id,
                "number": number,
                "issued_on": issued,
                "issuer_id": d["so"],
                "issuer_name": "Sở Giáo dục và Đào tạo Thành phố",
                "tracking_unit_id": tracking,
                "title": f"Kế hoạch {_title(rng)} năm {year}",
                "period": str(year),
                "year": year,
                "status": "active",
                "version": 1,
                "created_at": _ts(issued, 3600),
            }
        )
        city.plans[-1]["search_text"] = fold(
            " ".join(
                str(city.plans[-1][k] or "") for k in ("number", "title", "issuer_name", "period")
            )
        )
        created = _ts(issued, 3600)
        city.events.append(
            (
                created,
                "plan.create",
                "plan",
                plan_id,
                plan_id,
                admin,
                None,
                {"number": number, "title": city.plans[-1]["title"]},
            )
        )
        made = 0
        position = 0
        item_no = 0
        while made < budgets[p]:
            item_no += 1
            roll = rng.random()
            lead_group, leads = None, [rng.choice(d["departments"][2:])]
            if 0.55 <= roll < 0.87:
                lead_group, leads = d["g_pgd"], d["districts"]
            elif 0.87 <= roll < 0.97:
                lead_group = rng.choice(d["g_district"])
                leads = members[lead_group]
            elif roll >= 0.97:
                lead_group, leads = d["g_thpt"], d["high"]
            if len(leads) + 1 > budgets[p] - made:
                # The plan's size is kept: what does not fit is led by a department.
                lead_group, leads = None, [rng.choice(d["departments"][2:])]
            made += _item(
                city,
                rng,
                plan_id,
                year,
                created,
                item_no,
                position,
                lead_group,
                leads,
                tracking,
                d,
                group_names,
                unit_names,
            )
            position = len(city.tasks)  # positions are unique within the plan, in order


def _item(
    city: City,
    rng: random.Random,
    plan_id: int,
    year: int,
    created: datetime,
    item_no: int,
    position: int,
    lead_group: int | None,
    leads: list[int],
    tracking: int,
    d: dict[str, Any],
    group_names: dict[int, str],
    unit_names: dict[int, str],
) -> int:
    """One plan item: its task, its sub-tasks when it fans out, their units and history."""
    ongoing = rng.random() < 0.03
    due = None if ongoing else date(year, 3 * rng.randrange(1, 5), 28)
    quarter = None if due is None else f"{year}-Q{(due.month - 1) // 3 + 1}"
    periods = [str(year)] if quarter is None else [quarter]
    title = _title(rng)
    section = ROMAN[(item_no - 1) // 12 % len(ROMAN)]
    common = {
        "plan_id": plan_id,
        "implements_task_id": None,
        "number": str(item_no),
        "section": section,
        "title": title,
        "content": None,
        "timeframe_text": "Thường xuyên"
        if ongoing
        else f"Quý {(due.month - 1) // 3 + 1} năm {year}",
        "periods": periods,
        "period_start": periods[0],
        "due_on": due,
        "recurrence": None,
        "ongoing": ongoing,
        "version": 1,
        "created_at": created,
    }
    common["search_text"] = fold(
        " ".join(str(common[k] or "") for k in ("number", "section", "title", "timeframe_text"))
    )
    parent_id = len(city.tasks) + 1
    single = leads[0] if lead_group is None else None
    city.tasks.append(
        {**common, "id": parent_id, "parent_id": None, "position": position, "lead_unit_id": single}
    )
    # The item's own units: the lead as written (a unit or a group), then coordinating ones.
    if lead_group is None:
        lead_row = {"unit_id": single, "group_id": None, "mention": unit_names[single]}
    else:
        lead_row = {"unit_id": None, "group_id": lead_group, "mention": group_names[lead_group]}
    rows = [{**lead_row, "role": "lead"}]
    # "Các phòng thuộc Sở" support a fifth of the Sở's own items; an item fanned out to
    # district offices or schools names one or two departments (and often the tracking one).
    if lead_group is None and rng.random() < 0.2:
        rows.append(
            {
                "unit_id": None,
                "group_id": d["g_depts"],
                "role": "coordinating",
                "mention": group_names[d["g_depts"]],
            }
        )
    else:
        for other in rng.sample(d["departments"][2:], rng.randrange(1, 3)):
            if other != single:
                rows.append(
                    {
                        "unit_id": other,
                        "group_id": None,
                        "role": "coordinating",
                        "mention": unit_names[other],
                    }
                )
    if lead_group is not None and rng.random() < 0.5:
        rows.append(
            {
                "unit_id": tracking,
                "group_id": None,
                "role": "coordinating",
                "mention": unit_names[tracking],
            }
        )
    for i, row in enumerate(rows):
        city.task_units.append({**row, "task_id": parent_id, "needs_review": False, "position": i})
    city.events.append(
        (
            created,
            "task.create",
            "task",
            parent_id,
            plan_id,
            1,
            None,
            {
                "number": str(item_no),
                "title": title,
                "due_on": due,
                "subtasks": 0 if lead_group is None else len(leads),
            },
        )
    )
    if lead_group is None:
        _history(city, rng, city.tasks[-1], tracking, rows)
        return 1
    states = []
    for k, unit_id in enumerate(leads):
        sub_id = len(city.tasks) + 1
        sub = {
            **common,
            "id": sub_id,
            "parent_id": parent_id,
            "position": position + 1 + k,
            "lead_unit_id": unit_id,
        }
        city.tasks.append(sub)
        city.task_units.append(
            {
                "task_id": sub_id,
                "unit_id": unit_id,
                "group_id": None,
                "role": "lead",
                "mention": unit_names[unit_id],
                "needs_review": False,
                "position": 0,
            }
        )
        city.events.append(
            (
                created,
                "task.create",
                "task",
                sub_id,
                plan_id,
                1,
                None,
                {"number": str(item_no), "lead_unit_id": unit_id},
            )
        )
        _history(city, rng, sub, tracking, rows)
        states.append(sub["state"])
    parent = city.tasks[parent_id - 1]
    _set_open(parent, rolled_up_state(states).value)
    if parent["state"] != "assigned":
        last = max((s["updated_at"] for s in city.tasks[parent_id:]), default=created)
        parent["updated_at"] = last
        if parent["state"] == "verified":
            parent["verified_at"] = last
        city.events.append(
            (
                last,
                "task.rollup",
                "task",
                parent_id,
                plan_id,
                1,
                {"state": "assigned"},
                {"state": parent["state"]},
            )
        )
    return 1 + len(leads)


def _set_open(task: dict, state: str) -> None:
    task.update(
        state=state,
        reported_at=None,
        reported_late=False,
        verified_at=None,
        updated_at=task["created_at"],
    )


def _history(city: City, rng: random.Random, task: dict, tracking: int, rows: list[dict]) -> None:
    """The task's state, the report that put it there and the events that tell it."""
    state = _state_for(rng, task["due_on"])
    _set_open(task, "assigned")
    created: datetime = task["created_at"]
    due = task["due_on"] or REFERENCE_DAY - timedelta(days=rng.randrange(10, 200))
    lead_users = city.users_of_unit.get(task["lead_unit_id"], [1])
    verifiers = [
        u for u in city.users_of_unit[tracking] if city.users[u - 1]["role"] == "coordinator"
    ]
    author = lead_users[task["id"] % len(lead_users)]
    tid, pid = task["id"], task["plan_id"]
    limit = _ts(REFERENCE_DAY, 0)
    if state == "cancelled":
        when = min(created + timedelta(days=rng.randrange(5, 90)), limit)
        task.update(state="cancelled", updated_at=when)
        city.events.append(
            (
                when,
                "task.cancel",
                "task",
                tid,
                pid,
                verifiers[0],
                {"state": "assigned"},
                {"state": "cancelled"},
            )
        )
        return
    if state == "assigned":
        _requests(city, rng, task, author, verifiers[0])
        return
    # Work begins some weeks before the deadline (never before the plan).
    started = max(created + timedelta(hours=3), _ts(due, 0) - timedelta(days=rng.randrange(20, 80)))
    started = min(started, limit - timedelta(days=2))
    task.update(state="in_progress", updated_at=started)
    city.events.append(
        (
            started,
            "task.start",
            "task",
            tid,
            pid,
            author,
            {"state": "assigned"},
            {"state": "in_progress"},
        )
    )
    if state == "in_progress":
        _requests(city, rng, task, author, verifiers[0])
        _contribution(city, rng, task, rows, started)
        return
    reported = _ts(due, 9 * 3600) + timedelta(days=rng.randrange(-25, 12))
    reported = min(max(reported, started + timedelta(hours=5)), limit - timedelta(days=1))
    late = task["due_on"] is not None and reported.date() > task["due_on"]
    report_id = len(city.reports) + 1
    text = f"Đơn vị đã {task['title'].lower()}; kết quả đạt yêu cầu kế hoạch."
    city.reports.append(
        {
            "id": report_id,
            "task_id": tid,
            "unit_id": task["lead_unit_id"],
            "author_id": author,
            "on_behalf_of_id": None,
            "text": text,
            "figures": None,
            "submitted_at": reported,
            "late": late,
        }
    )
    task.update(state="reported", reported_at=reported, reported_late=late, updated_at=reported)
    city.events.append(
        (
            reported,
            "task.report",
            "task",
            tid,
            pid,
            author,
            {"state": "in_progress"},
            {
                "state": "reported",
                "reported_late": late,
                "report_id": report_id,
                "report_text": text,
                "figures": None,
            },
        )
    )
    _contribution(city, rng, task, rows, started)
    if state == "reported":
        return
    verified = min(reported + timedelta(days=rng.randrange(1, 20)), limit)
    task.update(state="verified", verified_at=verified, updated_at=verified)
    city.events.append(
        (
            verified,
            "task.verify",
            "task",
            tid,
            pid,
            verifiers[0],
            {"state": "reported"},
            {"state": "verified"},
        )
    )


def _contribution(city: City, rng: random.Random, task: dict, rows: list, after: datetime) -> None:
    coordinating = [r["unit_id"] for r in rows if r["role"] == "coordinating" and r["unit_id"]]
    if not coordinating or rng.random() > 0.06:
        return
    unit_id = coordinating[0]
    author = city.users_of_unit[unit_id][-1]
    when = min(after + timedelta(days=rng.randrange(1, 15)), _ts(REFERENCE_DAY, 0))
    cid = len(city.contributions) + 1
    text = "Phòng đã phối hợp cung cấp số liệu và góp ý dự thảo."
    city.contributions.append(
        {
            "id": cid,
            "task_id": task["id"],
            "unit_id": unit_id,
            "author_id": author,
            "text": text,
            "created_at": when,
        }
    )
    city.events.append(
        (
            when,
            "task.contribute",
            "task",
            task["id"],
            task["plan_id"],
            author,
            None,
            {"contribution_id": cid, "text": text, "attachments": []},
        )
    )


def _requests(city: City, rng: random.Random, task: dict, author: int, verifier: int) -> None:
    """Open tasks ask for more time now and then; overdue ones are asked to explain."""
    due = task["due_on"]
    if due is None:
        return
    tid, pid = task["id"], task["plan_id"]
    if rng.random() < 0.02:
        when = _ts(due, 0) - timedelta(days=3)
        when = min(when, _ts(REFERENCE_DAY, 0))
        new_due = due + timedelta(days=30)
        granted = rng.random() < 0.6
        city.extensions.append(
            {
                "id": len(city.extensions) + 1,
                "task_id": tid,
                "requested_by_id": author,
                "reason": "Cần thêm thời gian tổng hợp số liệu từ các trường.",
                "old_due_on": due,
                "new_due_on": new_due,
                "status": "granted" if granted else "pending",
                "decided_by_id": verifier if granted else None,
                "decided_at": when + timedelta(days=2) if granted else None,
                "decision_reason": None,
                "created_at": when,
            }
        )
        city.events.append(
            (
                when,
                "task.extension_request",
                "task",
                tid,
                pid,
                author,
                None,
                {"new_due_on": new_due.isoformat()},
            )
        )
    if due < REFERENCE_DAY and rng.random() < 0.05:
        when = min(_ts(due, 0) + timedelta(days=10), _ts(REFERENCE_DAY, 0))
        city.explanations.append(
            {
                "id": len(city.explanations) + 1,
                "task_id": tid,
                "requested_by_id": verifier,
                "question": "Đề nghị đơn vị giải trình lý do chậm tiến độ.",
                "explanation": None,
                "answered_by_id": None,
                "answered_at": None,
                "created_at": when,
            }
        )
        city.events.append(
            (
                when,
                "task.explanation_request",
                "task",
                tid,
                pid,
                verifier,
                None,
                {"question": "Đề nghị đơn vị giải trình lý do chậm tiến độ."},
            )
        )


def add_logins(city: City, rng: random.Random, target: int) -> None:
    """Fill the trail to `target` events with logins spread over the two years."""
    start = _ts(date(2024, 1, 2), 0)
    span = int((_ts(REFERENCE_DAY, 0) - start).total_seconds())
    for _ in range(max(0, target - len(city.events))):
        user = rng.randrange(1, len(city.users) + 1)
        when = start + timedelta(seconds=rng.randrange(span))
        city.events.append((when, "user.login", "user", user, None, user, None, None))


# --- writing --------------------------------------------------------------------------


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.raw = connection.connection.driver_connection

    def _sqlite_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    def _pg_value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value

    def write(self, table: str, rows: Iterable[dict], columns: Sequence[str] | None = None) -> int:
        """Insert rows (dicts with the same keys) into `table`; returns how many."""
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        cols = list(columns or first.keys())
        count = 0
        if self.dialect == "postgresql":
            cursor = self.raw.cursor()
            names = ", ".join(f'"{c}"' for c in cols)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in _chain(first, iterator):
                    copy.write_row([self._pg_value(row.get(c)) for c in cols])
                    count += 1
            return count
        marks = ", ".join("?" for _ in cols)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
        batch: list[list] = []
        cursor = self.raw.cursor()
        for row in _chain(first, iterator):
            batch.append([self._sqlite_value(row.get(c)) for c in cols])
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
        return count

    def reset_sequences(self, tables: Iterable[str]) -> None:
        """PostgreSQL: serial ids continue after the ids written here."""
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )


def _chain(first: dict, rest: Iterable[dict]) -> Iterable[dict]:
    yield first
    yield from rest


def audit_rows(city: City) -> Iterable[dict]:
    """The events in time order, chained: each row's hash covers the one before."""
    users = city.users
    prev = GENESIS_HASH
    ordered = sorted(city.events, key=lambda e: (e[0], e[1] != "plan.create", e[3]))
    city.events.clear()
    for seq, (when, action, otype, oid, plan_id, actor, before, after) in enumerate(ordered, 1):
        user = users[actor - 1]
        fields = {
            "seq": seq,
            "occurred_at": when,
            "actor_id": actor,
            "actor_name": user["full_name"],
            "on_behalf_of_id": None,
            "unit_id": user["unit_id"],
            "action": action,
            "object_type": otype,
            "object_id": oid,
            "plan_id": plan_id,
            "before": jsonable(before) if before is not None else None,
            "after": jsonable(after) if after is not None else None,
            "reason": None,
            "client_addr": "10.20.0.1",
            "prev_hash": prev,
        }
        fields["hash"] = prev = event_hash(SimpleNamespace(**fields))
        fields["id"] = seq
        yield fields
    city.last_hash = prev  # type: ignore[attr-defined]
    city.event_count = seq  # type: ignore[attr-defined]


def prepare_database(url: str, fresh: bool) -> None:
    """Create (or empty) the database and migrate it to head."""
    if url.startswith("postgresql"):
        base, name = url.rsplit("/", 1)
        admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists and fresh:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    elif url.startswith("sqlite:///") and fresh:
        path = Path(url[len("sqlite:///") :])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)


def generate(url: str, tasks_total: int, events_per_task: float, seed: int) -> dict[str, Any]:
    """Build the city into `url` (fresh); returns counts and timings."""
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from web.app import create_app

    started = time.perf_counter()
    prepare_database(url, fresh=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    timings: dict[str, float] = {}
    with app.app_context():
        upgrade()
        timings["migrate"] = time.perf_counter() - started
        rng = random.Random(seed)
        city = City()
        d = build_directory(city, rng, generate_password_hash(PASSWORD, method=HASH_METHOD))
        build_plans(city, rng, d, tasks_total)
        for u in city.users:
            city.events.append(
                (
                    u["created_at"],
                    "user.create",
                    "user",
                    u["id"],
                    None,
                    1,
                    None,
                    {"username": u["username"], "role": u["role"]},
                )
            )
        add_logins(city, rng, int(events_per_task * len(city.tasks)))
        timings["generate"] = time.perf_counter() - started
        counts: dict[str, int] = {}
        with db.engine.begin() as conn:
            w = Writer(conn)
            if w.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for table, rows in (
                ("units", city.units),
                ("unit_groups", city.groups),
                ("unit_group_members", city.members),
                ("users", city.users),
                ("plans", city.plans),
                ("tasks", city.tasks),
                ("task_units", [{"id": i + 1, **r} for i, r in enumerate(city.task_units)]),
                ("reports", city.reports),
                ("contributions", city.contributions),
                ("extension_requests", city.extensions),
                ("explanation_requests", city.explanations),
            ):
                counts[table] = w.write(table, rows)
            timings["rows"] = time.perf_counter() - started
            counts["audit_events"] = w.write("audit_events", audit_rows(city))
            conn.execute(
                sa.text("INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (1, :s, :h)"),
                {"s": city.event_count, "h": city.last_hash},  # type: ignore[attr-defined]
            )
            timings["audit"] = time.perf_counter() - started
            w.reset_sequences(
                [
                    "units",
                    "unit_groups",
                    "users",
                    "plans",
                    "tasks",
                    "task_units",
                    "reports",
                    "contributions",
                    "extension_requests",
                    "explanation_requests",
                    "audit_events",
                ]
            )
        _derived(app)
        timings["derived"] = time.perf_counter() - started
        with db.engine.begin() as conn:
            # Fresh statistics, so the planner sees the city and not the empty tables.
            conn.exec_driver_sql("ANALYZE")
        timings["total"] = time.perf_counter() - started
    return {
        "counts": counts,
        "timings": timings,
        "subtasks": sum(1 for t in city.tasks if t["parent_id"] is not None),
    }


def _derived(app: Any) -> None:
    """Tables the application keeps on every write, rebuilt from the rows just written."""
    from workflow import counters

    counters.rebuild()
    db.session.commit()


def main() -> None:
    """Parse the arguments, build the city, print what was made and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{ROOT / 'instance' / 'city.sqlite3'}",
    )
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--events-per-task", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--cascade",
        action="store_true",
        help="then add the plan cascade of bench/bench_rollup.py (22 district and ~2,200 "
        "school plans carrying out one city plan, 100,000 more tasks)",
    )
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    result = generate(url, args.tasks, args.events_per_task, args.seed)
    for table, n in result["counts"].items():
        print(f"{table:>22}: {n:>10,}")
    print(f"{'sub-tasks':>22}: {result['subtasks']:>10,}")
    print("  ".join(f"{k} {v:.1f}s" for k, v in result["timings"].items()))
    if args.cascade:
        from bench.bench_rollup import add_cascade

        print(add_cascade(url))


if __name__ == "__main__":
    main()
