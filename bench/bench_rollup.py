"""The roll-up of a city plan down the cascade (issue 15): server time and statements.

Adds to a generated city (bench/city.py) one city plan of 12 items, a plan in each of the
22 district offices carrying out every item, and a plan in each of the ~2,200 schools
whose items carry out their district's items: 100,000 tasks in the cascade, every item
link confirmed, states spread as a year leaves them. Then times "Triển khai ở cấp dưới"
(GET /plans/<id>/cascade, through the whole Flask stack, in process) and the API's
GET /api/v1/plans/<id>/rollup, and counts their statements; writes bench/results/rollup.md.

    .venv/bin/python bench/city.py --tasks 10000 --events-per-task 1 --cascade \
        --database-url postgresql://planwork:planwork@127.0.0.1:5432/planwork_cascade
    .venv/bin/python bench/bench_rollup.py --database-url postgresql://…/planwork_cascade

`--cascade` on bench/city.py calls `add_cascade` after the city is built; bench_rollup.py
adds it itself when the database has no cascade yet.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.base import db  # noqa: E402
from workflow.text import fold  # noqa: E402

CASCADE_NUMBER = "2417/KH-SGDĐT-BENCH"
CITY_ITEMS = 12
CASCADE_TASKS = 100_000
STATES = ("assigned", "in_progress", "reported", "verified", "cancelled")
WEIGHTS = (25, 25, 12, 35, 3)
RESULTS = ROOT / "bench" / "results" / "rollup.md"
# How the figures came down (written by hand; the table above is the script's).
BEFORE = (
    "## How it came down",
    "",
    "1. **Recounted on every request** (commit 6eb3e61): `rollup()` walked the 98,460",
    "   confirmed item links with a recursive CTE (estimated at 49 million rows, so JIT",
    "   compiled it: 3.7 s) and re-aggregated ~98,000 lower tasks three times: 26-29 s per",
    "   request (9.0-10.5 s with `jit=off`).",
    "2. **Kept figures** (workflow/cascade_tallies.py, migration 0025): `cascade_tallies`",
    "   (per higher item, level, state, late flag, due date), `cascade_plan_tallies` (per",
    "   higher item and lower plan) and `cascade_level_plans` (per item and level: plans,",
    "   plans finished) move in the same flush as every change; overdue is decided at read",
    "   time over the kept due dates. Page 81 ms median on a quiet machine, 11 statements.",
    "3. **Now** (this table): the linked plans by level are kept too",
    "   (workflow/cascade_linked.py, migration 0027: a change of a plan link, a plan's",
    "   status or unit, or a unit's level recounts its ancestors; the walk of 2,026 plan",
    "   links cost 10-12 ms per request); the statements are built once and bound at",
    "   execution (building them cost more Python than PostgreSQL spent answering); the",
    "   first lower plans' names are looked up by key (PostgreSQL estimated 12,000 kept",
    "   rows for 264 and hashed every plan and unit: 4.6 ms, now under 2); the page count",
    "   rides on the items' statement as a window; the lower plans' links are built from",
    "   one `url_for`. EXPLAIN: every statement is estimated far under `jit_above_cost`.",
    "",
    "`planwork counters rebuild [--check]` recounts every kept row and compares.",
    "",
)


def _max_id(conn: sa.Connection, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one())


def _task(
    rng: random.Random,
    task_id: int,
    plan_id: int,
    position: int,
    number: str,
    title: str,
    lead: int,
    created: datetime,
) -> dict[str, Any]:
    quarter = rng.randrange(1, 5)
    due = date(2026, 3 * quarter, 28)
    state = rng.choices(STATES, WEIGHTS)[0]
    late = state in ("reported", "verified") and rng.random() < 0.2
    done_at = datetime(2026, 3 * quarter, 20, 10) if state in ("reported", "verified") else None
    return {
        "id": task_id,
        "plan_id": plan_id,
        "parent_id": None,
        "implements_task_id": None,
        "position": position,
        "number": number,
        "section": None,
        "title": title,
        "content": None,
        "timeframe_text": f"Quý {quarter} năm 2026",
        "periods": [f"2026-Q{quarter}"],
        "period_start": f"2026-Q{quarter}",
        "due_on": due,
        "recurrence": None,
        "ongoing": False,
        "state": state,
        "lead_unit_id": lead,
        "reported_at": done_at,
        "reported_late": late,
        "verified_at": done_at if state == "verified" else None,
        "version": 1,
        "created_at": created,
        "updated_at": done_at or created,
        "search_text": fold(f"{number} {title}"),
    }


def add_cascade(url: str, seed: int = 15, tasks_total: int = CASCADE_TASKS) -> dict[str, Any]:
    """Write the cascade into the city at `url` (bulk rows, then the kept tallies are
    rebuilt and statistics refreshed); returns counts. Does nothing if it is there."""
    from bench.city import Writer
    from web.app import create_app
    from workflow import counters

    rng = random.Random(seed)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    with app.app_context():
        from flask_migrate import upgrade

        from workflow import cascade_recount

        upgrade()  # a cascade generated before migration 0025 gets the kept roll-up tables
        found = db.session.execute(
            sa.text("SELECT id FROM plans WHERE number = :n"), {"n": CASCADE_NUMBER}
        ).first()
        if found is not None:
            kept = db.session.execute(sa.text("SELECT COUNT(*) FROM cascade_tallies")).scalar()
            rebuilt = None
            if not kept:
                started = time.perf_counter()
                rows = cascade_recount.rebuild()
                db.session.commit()
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
                rebuilt = (rows, time.perf_counter() - started)
                print(f"kept roll-up rebuilt: {rows} rows in {rebuilt[1]:.1f} s")
            return {"plan_id": found[0], "added": False, "rebuilt": rebuilt}
        db.session.remove()
        units = db.session.execute(
            sa.text("SELECT id, name, kind, parent_id FROM units WHERE active ORDER BY id")
        ).all()
        department = next(u for u in units if u.kind == "department")
        districts = [u for u in units if u.kind == "district_office"]
        district_ids = {u.id for u in districts}
        schools = [u for u in units if u.kind == "school" and u.parent_id in district_ids]
        db.session.remove()
        created = datetime(2026, 1, 10, 8)
        plans: list[dict] = []
        tasks: list[dict] = []
        task_units: list[dict] = []
        plan_links: list[dict] = []
        item_links: list[dict] = []
        with db.engine.begin() as conn:
            next_plan = _max_id(conn, "plans") + 1
            next_task = _max_id(conn, "tasks") + 1
            next_tu = _max_id(conn, "task_units") + 1
            next_pl = _max_id(conn, "plan_links") + 1
            next_il = _max_id(conn, "item_links") + 1

            def plan(number: str | None, unit: Any, title: str) -> int:
                nonlocal next_plan
                plans.append(
                    {
                        "id": next_plan,
                        "number": number,
                        "issued_on": date(2026, 1, 10),
                        "issuer_id": unit.id,
                        "issuer_name": unit.name,
                        "tracking_unit_id": unit.id,
                        "title": title,
                        "period": "2026",
                        "year": 2026,
                        "status": "active",
                        "version": 1,
                        "created_at": created,
                        "search_text": fold(f"{number or ''} {title} {unit.name}"),
                    }
                )
                next_plan += 1
                return next_plan - 1

            def task(plan_id: int, position: int, number: str, title: str, lead: Any) -> int:
                nonlocal next_task, next_tu
                tasks.append(
                    _task(rng, next_task, plan_id, position, number, title, lead.id, created)
                )
                task_units.append(
                    {
                        "id": next_tu,
                        "task_id": next_task,
                        "unit_id": lead.id,
                        "group_id": None,
                        "role": "lead",
                        "mention": lead.name,
                        "needs_review": False,
                        "position": 0,
                    }
                )
                next_tu += 1
                next_task += 1
                return next_task - 1

            def link(lower_plan: int, higher_plan: int) -> None:
                nonlocal next_pl
                plan_links.append(
                    {
                        "id": next_pl,
                        "lower_plan_id": lower_plan,
                        "higher_plan_id": higher_plan,
                        "method": "import",
                        "reference": None,
                        "created_by_id": None,
                        "created_at": created,
                    }
                )
                next_pl += 1

            def link_item(lower: int, higher: int, lower_plan: int, higher_plan: int) -> None:
                nonlocal next_il
                item_links.append(
                    {
                        "id": next_il,
                        "lower_task_id": lower,
                        "higher_task_id": higher,
                        "lower_plan_id": lower_plan,
                        "higher_plan_id": higher_plan,
                        "status": "confirmed",
                        "score": 90,
                        "basis": "numbering",
                        "decided_by_id": None,
                        "decided_at": created,
                        "created_at": created,
                    }
                )
                next_il += 1

            titles = [f"Nhiệm vụ {i} xây dựng thành phố học tập" for i in range(1, CITY_ITEMS + 1)]
            city = plan(CASCADE_NUMBER, department, "Xây dựng thành phố học tập năm 2026")
            city_items = [task(city, i, str(i + 1), t, department) for i, t in enumerate(titles)]
            district_items: dict[int, tuple[int, list[int]]] = {}
            for office in districts:
                pid = plan(None, office, f"Thực hiện Kế hoạch {CASCADE_NUMBER}")
                link(pid, city)
                own = []
                for i, (higher, t) in enumerate(zip(city_items, titles, strict=True)):
                    own.append(task(pid, i, str(i + 1), t, office))
                    link_item(own[-1], higher, pid, city)
                district_items[office.id] = (pid, own)
            per_school = max(1, (tasks_total - len(tasks)) // max(1, len(schools)))
            for school in schools:
                higher_plan, higher_items = district_items[school.parent_id]
                pid = plan(
                    None, school, f"Thực hiện kế hoạch của Phòng GD&ĐT năm 2026 — {school.name}"
                )
                link(pid, higher_plan)
                for i in range(per_school):
                    k = i % CITY_ITEMS
                    own = task(pid, i, f"{k + 1}.{i // CITY_ITEMS + 1}", titles[k], school)
                    link_item(own, higher_items[k], pid, higher_plan)
            w = Writer(conn)
            counts = {
                "plans": w.write("plans", plans),
                "tasks": w.write("tasks", tasks),
                "task_units": w.write("task_units", task_units),
                "plan_links": w.write("plan_links", plan_links),
                "item_links": w.write("item_links", item_links),
            }
            w.reset_sequences(["plans", "tasks", "task_units", "plan_links", "item_links"])
        counters.rebuild()
        cascade_recount.rebuild()
        db.session.commit()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"plan_id": city, "added": True, "counts": counts, "schools": len(schools)}


def _login(client: Any, username: str) -> None:
    from datetime import UTC

    from models import User
    from web.views.auth import SESSION_GENERATION, SESSION_LOGIN_AT

    account = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"] = str(account.id)
        session["_fresh"] = True
        session[SESSION_GENERATION] = account.session_generation
        session[SESSION_LOGIN_AT] = datetime.now(UTC).replace(tzinfo=None).isoformat()


def measure(url: str, plan_id: int, runs: int) -> dict[str, Any]:
    """Median and p95 server time (in process) and statements of the page and the API."""
    from models import Role, User
    from reports.cascade import rollup
    from web.app import create_app
    from workflow import tokens

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False})
    out: dict[str, Any] = {}
    with app.app_context():
        admin = (
            db.session.execute(sa.select(User).where(User.role == Role.ADMIN).order_by(User.id))
            .scalars()
            .first()
        )
        secret = tokens.create_token(admin.id, None, scope="read", name="bench rollup").secret
        client = app.test_client()
        _login(client, admin.username)
        targets = {
            "page": (f"/plans/{plan_id}/cascade", {}),
            "api": (f"/api/v1/plans/{plan_id}/rollup", {"Authorization": f"Bearer {secret}"}),
        }
        for name, (path, headers) in targets.items():
            statements: list[str] = []

            def count(*args: Any, _s: list[str] = statements) -> None:
                _s.append(args[2])

            times = []
            for i in range(runs + 3):
                statements.clear()
                sa.event.listen(db.engine, "before_cursor_execute", count)
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                elapsed = time.perf_counter() - started
                sa.event.remove(db.engine, "before_cursor_execute", count)
                assert response.status_code == 200, (path, response.status_code)
                if i >= 3:  # warm-up: templates compiled, pool filled
                    times.append(elapsed * 1000)
            out[name] = {
                "median_ms": statistics.median(times),
                "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))],
                "statements": len(statements),
            }
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            data = rollup(plan_id)
            times.append((time.perf_counter() - started) * 1000)
            db.session.remove()
        out["report"] = {"median_ms": statistics.median(times)}
        first = data.page.items[0]
        out["sample"] = {
            "item": first.number,
            "levels": [
                (lvl.level, lvl.plans, lvl.plans_done, lvl.tally.counted) for lvl in first.levels
            ],
            "linked": data.linked,
        }
        out["write"] = _write_cost(plan_id, runs)
        counts = db.session.execute(
            sa.text(
                "SELECT (SELECT COUNT(*) FROM tasks), (SELECT COUNT(*) FROM plan_links), "
                "(SELECT COUNT(*) FROM item_links WHERE status = 'confirmed')"
            )
        ).one()
        out["database"] = {"tasks": counts[0], "plan_links": counts[1], "item_links": counts[2]}
    return out


def _write_cost(plan_id: int, runs: int) -> dict[str, Any]:
    """What keeping the roll-up costs a change: one school task's state and due date
    changed and flushed (rolled back), timed with and without the cascade's flush events'
    work, statements counted."""
    from sqlalchemy.orm import aliased

    from models import ItemLink, Task

    up = aliased(ItemLink)
    school_item = db.session.execute(
        sa.select(ItemLink.lower_task_id)
        .join(up, up.lower_task_id == ItemLink.higher_task_id)
        .where(up.higher_plan_id == plan_id)
        .limit(1)
    ).scalar_one()
    times: list[float] = []
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    for i in range(runs + 3):
        task = db.session.get(Task, school_item)
        task.due_on = date(2026, 1, 1 + i % 20)
        task.state = "in_progress" if task.state != "in_progress" else "assigned"
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        db.session.flush()
        elapsed = time.perf_counter() - started
        sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
        if i >= 3:
            times.append(elapsed * 1000)
    cascade = [q for q in statements if "cascade" in q or "item_links" in q]
    return {
        "median_ms": statistics.median(times),
        "statements": len(statements),
        "cascade_statements": len(cascade),
    }


def write_results(url: str, result: dict[str, Any]) -> None:
    dialect = url.split(":", 1)[0].split("+")[0]
    sample = result["sample"]
    lines = [
        "# Roll-up of a city plan down the cascade (issue 15)",
        "",
        f"Database: {dialect}; {result['database']['tasks']:,} tasks in all, "
        f"{result['database']['plan_links']:,} plan links, "
        f"{result['database']['item_links']:,} confirmed item links.",
        f"Cascade: one city plan ({CITY_ITEMS} items), 22 district plans, one plan per school "
        f"(~{CASCADE_TASKS:,} tasks). Linked plans by level: {sample['linked']}.",
        "",
        "Server time measured in process (Flask test client, the whole request: session, "
        "queries, template), after 3 warm-up requests; target < 50 ms. Load average "
        f"when measured: {result['load']:.2f} (2 cores).",
        "",
        "| what | median ms | p95 ms | statements |",
        "|---|---:|---:|---:|",
        f"| GET /plans/{{id}}/cascade (page 1, 12 items) | {result['page']['median_ms']:.1f} | "
        f"{result['page']['p95_ms']:.1f} | {result['page']['statements']} |",
        f"| GET /api/v1/plans/{{id}}/rollup | {result['api']['median_ms']:.1f} | "
        f"{result['api']['p95_ms']:.1f} | {result['api']['statements']} |",
        f"| reports.cascade.rollup() alone | {result['report']['median_ms']:.1f} | | |",
        f"| a school task's state and due date changed, flushed (the price of keeping) | "
        f"{result['write']['median_ms']:.1f} | | {result['write']['statements']} "
        f"({result['write']['cascade_statements']} for the roll-up) |",
        "",
        f"Item {sample['item']}, (level, plans, plans finished, tasks counted): "
        f"{sample['levels']}.",
        "",
        "Statements do not grow with the lower plans: tests/cascade/test_query_counts.py "
        "holds the page to the same count with 2 and 20 district plans.",
        "",
        *BEFORE,
    ]
    if result.get("rebuilt"):
        rows, seconds = result["rebuilt"]
        lines += [
            f"Filling the kept rows for the existing cascade (`planwork counters rebuild`, "
            f"one recursive walk): {rows:,} rows in {seconds:.1f} s.",
            "",
        ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{ROOT / 'instance' / 'city.sqlite3'}",
    )
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    added = add_cascade(url)
    print(added)
    result = measure(url, added["plan_id"], args.runs)
    result["rebuilt"] = added.get("rebuilt")
    result["load"] = os.getloadavg()[0]
    print(result)
    write_results(url, result)


if __name__ == "__main__":
    main()
