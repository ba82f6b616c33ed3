"""Benchmark: plan one day's reminders over 100,000 tasks in a temporary SQLite database.

    .venv/bin/python bench/bench_reminders.py [--tasks 100000] [--repeat 3]

Builds ~2,000 units with users and 100,000 tasks (with lead and coordinating units) by bulk
inserts, then times `plan_for_day` on a quarter's first working day (digests for every unit
plus deadline reminders and the escalation roll-up) and on an ordinary day, and counts the
SQL statements of each. Each day is planned `--repeat` times from an empty outbox (the day's
rows are deleted in between, untimed); the best run is the figure, the others show the noise
of a shared machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

UNITS = 2000


def build(task_count: int) -> None:
    """Fill the empty database: units, users, one plan, tasks and their units."""
    from models import Plan, Task, TaskUnit, Unit, User, db

    db.session.execute(
        sa.insert(Unit.__table__),
        [
            {
                "id": i,
                "code": f"U{i}",
                "name": f"Trường số {i}",
                "kind": "school",
                "email": f"u{i}@bench.test",
                "active": True,
            }
            for i in range(1, UNITS + 1)
        ],
    )
    db.session.execute(
        sa.insert(User.__table__),
        [
            {
                "username": f"u{i}.{role}",
                "full_name": f"Người dùng {i}",
                "email": f"u{i}.{role}@bench.test",
                "unit_id": i,
                "role": role,
                "password_hash": "x",
                "active": True,
                "digest_opt_out": False,
            }
            for i in range(1, UNITS + 1)
            for role in ("member", "coordinator")
        ],
    )
    db.session.execute(
        sa.insert(Plan.__table__),
        [
            {
                "id": 1,
                "number": "1/KH-BENCH",
                "issuer_name": "Sở",
                "tracking_unit_id": 1,
                "title": "Kế hoạch thử tải",
                "status": "active",
                "version": 1,
                "year": 2024,
            }
        ],
    )
    start = date(2024, 1, 1)
    tasks, links = [], []
    for i in range(1, task_count + 1):
        lead = (i % UNITS) + 1
        tasks.append(
            {
                "id": i,
                "plan_id": 1,
                "position": i,
                "number": str(i),
                "title": f"Nhiệm vụ số {i}",
                "periods": [],
                "due_on": start + timedelta(days=i % 366),
                "ongoing": False,
                "state": "assigned",
                "lead_unit_id": lead,
                "reported_late": False,
                "version": 1,
            }
        )
        links.append({"task_id": i, "unit_id": lead, "role": "lead", "mention": "x"})
        coord = ((i * 7) % UNITS) + 1
        if coord != lead:
            links.append({"task_id": i, "unit_id": coord, "role": "coordinating", "mention": "y"})
    db.session.execute(sa.insert(Task.__table__), tasks)
    db.session.execute(sa.insert(TaskUnit.__table__), links)
    db.session.commit()


def clear(day: date) -> None:
    """Forget `day`'s planned mails, so the next run plans them all again."""
    from models import OutboxMessage, db

    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.planned_for == day))
    db.session.commit()


def escalations(day: date) -> int:
    from models import MailKind, OutboxMessage, db

    return db.session.execute(
        sa.select(sa.func.count()).where(
            OutboxMessage.planned_for == day, OutboxMessage.kind == MailKind.ESCALATION
        )
    ).scalar_one()


def measure(day: date, policy) -> tuple[float, int, int]:  # noqa: ANN001
    """Seconds, statements and mails of planning `day` (written for real, then counted)."""
    from models import db
    from notifications.planner import plan_for_day

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    started = time.perf_counter()
    result = plan_for_day(day, policy)
    elapsed = time.perf_counter() - started
    sa.event.remove(db.engine, "before_cursor_execute", listener)
    return elapsed, len(statements), result.inserted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from notifications.policy import load_policy
    from web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build(args.tasks)
            print(
                f"built {args.tasks:,} tasks, {UNITS:,} units "
                f"in {time.perf_counter() - started:.1f} s"
            )
            policy = load_policy()
            for label, day in (
                ("digest day 2024-10-01", date(2024, 10, 1)),
                ("ordinary day 2024-06-14 (a Friday)", date(2024, 6, 14)),
            ):
                runs = []
                for _ in range(max(1, args.repeat)):
                    clear(day)
                    runs.append(measure(day, policy))
                elapsed, statements, mails = min(runs)
                print(
                    f"{label}: {elapsed:.2f} s (best of {len(runs)}: "
                    f"{', '.join(f'{r[0]:.2f}' for r in runs)}), {statements} SQL statements, "
                    f"{mails:,} mails planned, {escalations(day)} of them escalation roll-ups"
                )
            elapsed, statements, mails = measure(date(2024, 10, 1), policy)
            print(
                f"digest day again (all duplicates): {elapsed:.2f} s, {statements} statements, "
                f"{mails} new"
            )


if __name__ == "__main__":
    main()
