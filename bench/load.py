"""Load run on the generated city (bench/city.py): the pages people open every day.

Serves the app with gunicorn (4 workers, loopback), logs in as the median user of each
role, and drives each page alone with Locust (headless, as a library) at concurrency 1
and 8: p50, p95, requests per second. Statements per page are counted apart, one request
per page through the Flask test client with a statement counter on the engine; worker
memory is the largest resident set of a gunicorn worker after the run. The table goes to
bench/results/.

Why Locust rather than wrk: every page needs a signed-in session (a CSRF-protected login
form), and each role's user opens different pages; Locust does that in a few lines of
Python (FastHttpUser, geventhttpclient) where wrk needs a Lua script per page. Its own
cost on a 2-core machine is reported (the client's CPU share) next to the figures.

    .venv/bin/python bench/load.py --database-url postgresql://…/planwork_city
    .venv/bin/python bench/load.py --seconds 10 --concurrency 1,8 --pages workspace,dashboard

`probe` (below) is what tests/scale/test_city_smoke.py runs in `make test`: the same pages,
correct answers and statement counts, no timing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "planwork-demo"


@dataclass
class PageSpec:
    """One page of the run: who opens it and where."""

    name: str
    username: str
    path: str
    what: str


# --- choosing the users and pages -------------------------------------------------------


def _median(rows: list[tuple[Any, int]]) -> Any:
    """The key whose count is the median (lower middle) of the rows."""
    ordered = sorted(rows, key=lambda r: (r[1], r[0]))
    return ordered[(len(ordered) - 1) // 2]


def choose_pages() -> list[PageSpec]:
    """The median user of each role and the pages they open (inside an app context)."""
    import sqlalchemy as sa

    from models import Plan, Role, Task, TaskState, Unit, UnitKind, User, db
    from reports.progress import quarter_of
    from workflow import clock

    open_states = [TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.REPORTED]

    def median_unit(kind: UnitKind) -> tuple[int, int]:
        rows = db.session.execute(
            sa.select(Unit.id, sa.func.count(Task.id))
            .outerjoin(Task, sa.and_(Task.lead_unit_id == Unit.id, Task.state.in_(open_states)))
            .where(Unit.kind == kind)
            .group_by(Unit.id)
        ).all()
        # The median of the units that have open work: an idle school shows nothing.
        busy = [(r[0], r[1]) for r in rows if r[1]] or [(r[0], r[1]) for r in rows]
        return _median(busy)

    def user_of(unit_id: int, role: Role) -> str:
        return db.session.execute(
            sa.select(User.username)
            .where(User.unit_id == unit_id, User.role == role, User.active.is_(True))
            .order_by(User.id)
            .limit(1)
        ).scalar_one()

    district, district_open = median_unit(UnitKind.DISTRICT_OFFICE)
    school, school_open = median_unit(UnitKind.SCHOOL)
    tracked = db.session.execute(
        sa.select(Plan.tracking_unit_id, sa.func.count(Task.id))
        .join(Task, Task.plan_id == Plan.id)
        .group_by(Plan.tracking_unit_id)
    ).all()
    department, department_tasks = _median([(r[0], r[1]) for r in tracked])
    largest, largest_tasks = db.session.execute(
        sa.select(Task.plan_id, sa.func.count())
        .group_by(Task.plan_id)
        .order_by(sa.func.count().desc(), Task.plan_id)
        .limit(1)
    ).one()
    largest_tracker = db.session.execute(
        sa.select(Plan.tracking_unit_id).where(Plan.id == largest)
    ).scalar_one()
    task_ids = db.session.execute(
        sa.select(Task.id).where(Task.lead_unit_id == district).order_by(Task.id)
    ).scalars()
    task_ids = list(task_ids)
    task_id = task_ids[len(task_ids) // 2]
    inspector = db.session.execute(
        sa.select(User.username).where(User.role == Role.INSPECTOR).order_by(User.id).limit(1)
    ).scalar_one()
    member = user_of(district, Role.MEMBER)
    coordinator = user_of(department, Role.COORDINATOR)
    quarter = quarter_of(clock.today())
    year = clock.today().year
    return [
        PageSpec("workspace", member, "/my-tasks", f"district office, {district_open} open"),
        PageSpec(
            "workspace_filtered",
            member,
            "/my-tasks?state=in_progress&quarter=" + quarter,
            "district office, in progress this quarter",
        ),
        PageSpec(
            "workspace_school",
            user_of(school, Role.MEMBER),
            "/my-tasks",
            f"school, {school_open} open",
        ),
        PageSpec(
            "dashboard",
            coordinator,
            "/dashboard/?quarter=" + quarter,
            f"coordinator of a department tracking {department_tasks} tasks",
        ),
        PageSpec("dashboard_admin", "sgddt.admin", "/dashboard/?quarter=" + quarter, "whole city"),
        PageSpec("task", member, f"/tasks/{task_id}", "a task of the district office"),
        PageSpec("csv", member, "/my-tasks?format=csv", "the district office's tasks as CSV"),
        PageSpec(
            "plan",
            user_of(largest_tracker, Role.COORDINATOR),
            f"/plans/{largest}",
            f"largest plan, {largest_tasks} tasks",
        ),
        PageSpec(
            "matrix",
            user_of(largest_tracker, Role.COORDINATOR),
            f"/plans/{largest}/matrix",
            "largest plan's matrix",
        ),
        PageSpec(
            "plan_csv",
            user_of(largest_tracker, Role.COORDINATOR),
            f"/plans/{largest}?format=csv",
            "largest plan as CSV",
        ),
        PageSpec("search", member, "/tasks/?q=chuyen+doi+so", "search, district office"),
        PageSpec("audit", inspector, "/audit", "audit trail, first page"),
        PageSpec(
            "inspection_pack",
            inspector,
            f"/units/{district}/inspection-pack.zip?year={year - 1}",
            "a district office's inspection pack",
        ),
        PageSpec("import_form", coordinator, "/imports/new", "import: upload form"),
    ]


# --- statements per page (Flask test client) --------------------------------------------


def _median_ms(seconds: list[float]) -> float | None:
    return round(sorted(seconds)[len(seconds) // 2] * 1000, 1) if seconds else None


def probe(app: Any, pages: list[PageSpec], repeat: int = 0) -> dict[str, dict[str, Any]]:
    """Open each page as its user: status, statements and bytes of the first request,
    and with `repeat`, the median app CPU and wall time of that many more."""
    import sqlalchemy as sa
    from flask import g

    from models import db
    from web import page_cache

    results: dict[str, dict[str, Any]] = {}
    clients: dict[str, Any] = {}
    with app.app_context():
        engine = db.engine
        for page in pages:
            client = clients.get(page.username)
            if client is None:
                client = clients[page.username] = app.test_client()
                login(client, page.username)
            db.session.remove()
            g.pop("_login_user", None)
            count = [0]

            def counter(*_: Any, count: list[int] = count) -> None:
                count[0] += 1

            sa.event.listen(engine, "before_cursor_execute", counter)
            try:
                page_cache.clear()
                response = client.get(page.path)
                body = response.get_data()
                built = count[0]
                db.session.remove()
                g.pop("_login_user", None)
                client.get(page.path).get_data()  # the same page again: kept, if it may be
                kept = count[0] - built
            finally:
                sa.event.remove(engine, "before_cursor_execute", counter)
            # The app's own CPU per request (this process: Flask, SQLAlchemy, Jinja, the
            # driver), the median of `repeat` warm requests: unlike wall time it hardly
            # depends on what else the machine runs. The database's CPU is not in it.
            # Measured twice: building the page (nothing kept, as after a change) and
            # sending it again (web/page_cache.py).
            cpu: dict[bool, list[float]] = {True: [], False: []}
            wall: list[float] = []
            for fresh in (True, False):
                for _ in range(repeat):
                    db.session.remove()
                    g.pop("_login_user", None)
                    if fresh:
                        page_cache.clear()
                    started, cpu_started = time.perf_counter(), time.process_time()
                    client.get(page.path).get_data()
                    cpu[fresh].append(time.process_time() - cpu_started)
                    if not fresh:
                        wall.append(time.perf_counter() - started)
            results[page.name] = {
                "status": response.status_code,
                "statements": built,
                "statements_kept": kept,
                "bytes": len(body),
                "cpu_ms": _median_ms(cpu[False]),
                "cpu_built_ms": _median_ms(cpu[True]),
                "ms": _median_ms(wall),
                "body": body,
            }
    return results


def login(client: Any, username: str) -> None:
    """Sign in through the login form (CSRF token from the page)."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": token.group(1) if token else "",
        },
    )
    assert response.status_code in (302, 303), (username, response.status_code)


# --- the load run --------------------------------------------------------------------------


def hammer(base_url: str, page: PageSpec, users: int, seconds: float) -> dict[str, Any]:
    """Drive one page with `users` concurrent Locust users for `seconds` (run in a child
    process: Locust patches the standard library with gevent)."""
    import gevent
    from locust import FastHttpUser, constant, task
    from locust.env import Environment

    class PageUser(FastHttpUser):
        host = base_url
        wait_time = constant(0)

        def on_start(self) -> None:
            html = self.client.get("/login", name="login").text or ""
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            self.client.post(
                "/login",
                data={
                    "username": page.username,
                    "password": PASSWORD,
                    "csrf_token": token.group(1) if token else "",
                },
                name="login",
                # Not the page the login redirects to (the user's workspace): eight
                # simultaneous logins would each render it before the measured stretch.
                allow_redirects=False,
            )
            self.ready = True

        @task
        def open_page(self) -> None:
            with self.client.get(
                page.path,
                name=page.name,
                headers={"Accept-Encoding": "gzip, br"},
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")

    env = Environment(user_classes=[PageUser])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    # Logins first (not measured), then the measured stretch from a clean slate.
    gevent.sleep(2.0)
    env.stats.reset_all()
    cpu_before = time.process_time()
    started = time.perf_counter()
    gevent.sleep(seconds)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    entry = env.stats.get(page.name, "GET")
    result = {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "p50": entry.get_response_time_percentile(0.5),
        "p95": entry.get_response_time_percentile(0.95),
        "rps": round(entry.num_requests / wall, 1),
        "client_cpu": round(cpu / wall, 2),
    }
    runner.quit()
    return result


def _worker_memory(master_pid: int) -> str:
    """The largest resident set among the gunicorn master's workers, and the largest
    unique set (what the worker alone holds, not shared with the others), in MB."""
    import psutil

    master = psutil.Process(master_pid)
    infos = [child.memory_full_info() for child in master.children()]
    if not infos:
        return "?"
    rss = max(i.rss for i in infos) / 1024 / 1024
    uss = max(i.uss for i in infos) / 1024 / 1024
    return f"{rss:.0f} (unique {uss:.0f})"


def serve(database_url: str, port: int, workers: int) -> subprocess.Popen:
    """gunicorn on loopback with the app on the city database; waits until it answers."""
    env = {**os.environ, "DATABASE_URL": database_url}
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "web.app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer")


def _app(database_url: str) -> Any:
    sys.path.insert(0, str(ROOT))
    from web.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def _counts(database_url: str) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("units", "users", "plans", "tasks", "task_units", "reports", "audit_events")
        }
        counts["sub-tasks"] = conn.execute(
            sa.text("SELECT COUNT(*) FROM tasks WHERE parent_id IS NOT NULL")
        ).scalar_one()
    engine.dispose()
    return counts


def write_table(meta: dict[str, Any], rows: list[dict[str, Any]], name: str) -> Path:
    """The results as a Markdown table (and the raw figures as JSON beside it)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    levels = meta["concurrency"]
    head = ["page", "what", "statements built / kept", "KB", "app CPU ms built / kept"]
    for c in levels:
        head += [f"p50 c={c}", f"p95 c={c}", f"req/s c={c}"]
    lines = [
        f"# Load run: {meta['when']}",
        "",
        f"- Data: {meta['counts']}",
        f"- Database: {meta['database']}; gunicorn {meta['workers']} workers on loopback;"
        f" {meta['seconds']} s per page and level, Locust {meta['locust']}.",
        f"- Machine: {meta['cpus']} cores; load average before the run {meta['load_before']},"
        f" after {meta['load_after']}.",
        "- app CPU ms: the median CPU time of one request in the app's process (Flask,"
        " SQLAlchemy, Jinja, driver; not PostgreSQL), measured apart from the load: the"
        " ceiling it sets is about 2,000 / that figure requests per second on 2 cores."
        " *Built*: the page made from the database (the first view, or the first after any"
        " change: web/page_cache.py); *kept*: the same page sent again while nothing"
        " changed. Statements likewise. Under load a page is built once per worker and"
        " then kept, as in a day when its data does not change between views.",
        f"- Largest gunicorn worker: {meta['worker_mb_start']} MB when started,"
        f" {meta['worker_mb']} MB after the run.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in rows:
        cells = [
            row["name"],
            row["what"],
            f"{row['statements']} / {row.get('statements_kept', '')}",
            str(round(row["bytes"] / 1024)),
            f"{row.get('cpu_built_ms', '')} / {row.get('cpu_ms', '')}",
        ]
        for c in levels:
            r = row["runs"].get(str(c), {})
            cells += [str(r.get("p50", "")), str(r.get("p95", "")), str(r.get("rps", ""))]
        lines.append("| " + " | ".join(cells) + " |")
    failures = [
        f"{row['name']} c={c}: {r['failures']} failures"
        for row in rows
        for c, r in row["runs"].items()
        if r.get("failures")
    ]
    if failures:
        lines += ["", "Failures: " + "; ".join(failures)]
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return path


def main() -> None:
    """Probe the pages, serve the city, drive each page, write the table."""
    parser = argparse.ArgumentParser(description="Load run on the generated city.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL")
        or "postgresql://planwork:planwork@127.0.0.1:5432/planwork_city",
    )
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8321)
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument("--name", default="", help="results file name (default from the data)")
    parser.add_argument("--hammer", help=argparse.SUPPRESS)  # child process: one page, JSON out
    args = parser.parse_args()
    url = args.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if args.hammer:
        spec, users = json.loads(args.hammer)
        print(json.dumps(hammer(spec["base"], PageSpec(**spec["page"]), users, args.seconds)))
        return
    app = _app(url)
    with app.app_context():
        pages = choose_pages()
    wanted = {p for p in args.pages.split(",") if p}
    pages = [p for p in pages if not wanted or p.name in wanted]
    probed = probe(app, pages, repeat=7)
    counts = _counts(url)
    levels = [int(c) for c in args.concurrency.split(",")]
    load_before = os.getloadavg()[0]
    server = serve(url, args.port, args.workers)
    time.sleep(1.0)
    worker_mb_start = _worker_memory(server.pid)
    rows = []
    try:
        for page in pages:
            runs = {}
            for users in levels:
                spec = json.dumps(
                    [{"base": f"http://127.0.0.1:{args.port}", "page": asdict(page)}, users]
                )
                out = subprocess.run(
                    [sys.executable, __file__, "--hammer", spec, "--seconds", str(args.seconds)],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    check=True,
                )
                runs[str(users)] = json.loads(out.stdout.strip().splitlines()[-1])
                print(page.name, users, runs[str(users)], flush=True)
            info = probed[page.name]
            rows.append(
                {
                    **asdict(page),
                    "status": info["status"],
                    "statements": info["statements"],
                    "statements_kept": info["statements_kept"],
                    "bytes": info["bytes"],
                    "cpu_ms": info["cpu_ms"],
                    "cpu_built_ms": info["cpu_built_ms"],
                    "runs": runs,
                }
            )
        worker_mb = _worker_memory(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Workers still busy on a loaded machine: the figures are in, end it.
            server.kill()
            server.wait(timeout=30)
    import locust

    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "counts": ", ".join(f"{v:,} {k}" for k, v in counts.items()),
        "database": url.split("@")[-1] if "@" in url else url,
        "workers": args.workers,
        "seconds": args.seconds,
        "concurrency": levels,
        "locust": locust.__version__,
        "cpus": os.cpu_count(),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "worker_mb": worker_mb,
        "worker_mb_start": worker_mb_start,
    }
    name = args.name or f"city-{counts['tasks']}-tasks"
    path = write_table(meta, rows, name)
    print(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
