"""Benchmark: the audit trail at city scale (1,000,000 events a year).

Builds a real hash chain of N events in a temporary SQLite database (bulk inserts,
the same hashing as the application), then times: a full `planwork audit verify --full`
walk (which records a signed checkpoint), the audit page's first page unfiltered and
filtered by plan and by action, appending NEW events through the application, the
default `planwork audit verify` that resumes from the checkpoint and reads only those,
and the chain status the page shows (review 2026-12, M2).

    .venv/bin/python bench/bench_audit.py [N] [NEW]   # default 1,000,000 and 1,000
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from models import AuditChainHead, AuditEvent, db  # noqa: E402
from models.audit import GENESIS_HASH  # noqa: E402
from reports import audit_trail  # noqa: E402
from web.app import create_app  # noqa: E402
from workflow import audit, audit_verification  # noqa: E402
from workflow.audit import event_hash  # noqa: E402

ACTIONS = ("task.start", "task.report", "task.verify", "task.contribute", "user.login")


def build_chain(n: int, batch: int = 20_000) -> None:
    """Append n chained events with bulk inserts (the triggers allow INSERT)."""
    start = datetime(2024, 1, 1)
    prev = GENESIS_HASH
    table = AuditEvent.__table__
    rows: list[dict] = []
    for seq in range(1, n + 1):
        event = AuditEvent(
            seq=seq,
            occurred_at=start + timedelta(seconds=30 * seq),
            actor_id=None,
            actor_name=f"Người dùng {seq % 300}",
            on_behalf_of_id=None,
            unit_id=None,
            action=ACTIONS[seq % len(ACTIONS)],
            object_type="task",
            object_id=seq % 100_000,
            plan_id=seq % 400,
            before={"state": "assigned"},
            after={"state": "in_progress"},
            reason=None,
            client_addr="10.0.0.1",
            prev_hash=prev,
        )
        event.hash = event_hash(event)
        prev = event.hash
        rows.append({c.name: getattr(event, c.name) for c in table.columns if c.name != "id"})
        if len(rows) == batch:
            db.session.execute(sa.insert(table), rows)
            rows.clear()
    if rows:
        db.session.execute(sa.insert(table), rows)
    db.session.add(AuditChainHead(id=1, seq=n, last_hash=prev))
    db.session.commit()


def append_events(count: int) -> None:
    """Append events the way the application does (chain head, hash), in one commit."""
    for i in range(count):
        audit.record(
            ACTIONS[i % len(ACTIONS)],
            actor=None,
            object_type="task",
            object_id=i,
            plan_id=i % 400,
            before={"state": "assigned"},
            after={"state": "in_progress"},
        )
    db.session.commit()


def timed(label: str, fn):  # noqa: ANN001, ANN201
    began = time.perf_counter()
    result = fn()
    print(f"{label:<48} {time.perf_counter() - began:8.3f} s")
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    new = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"})
        with app.app_context():
            upgrade()
            timed(f"build a chain of {n:,} events", lambda: build_chain(n))
            row = timed("full verification (audit verify --full)", audit_verification.verify_full)
            assert row.intact and row.checked == n, row
            timed(
                "audit page, newest 50", lambda: audit_trail.audit_page(audit_trail.AuditFilter())
            )
            timed(
                "audit page, one plan",
                lambda: audit_trail.audit_page(audit_trail.AuditFilter(plan_id=7)),
            )
            timed(
                "audit page, one action",
                lambda: audit_trail.audit_page(audit_trail.AuditFilter(action="task.verify")),
            )
            timed(f"append {new:,} events through the application", lambda: append_events(new))
            row, report = timed(
                f"resumed verification of {new:,} new (audit verify)",
                lambda: audit_verification.run_verification(full=False),
            )
            assert row.intact and report.read == new and report.checked == n + new, report
            timed(
                "chain status shown on the page (from checkpoint)", audit_verification.chain_status
            )


if __name__ == "__main__":
    main()
