"""`planwork counters rebuild [--check]`: the dashboard's kept tallies against a recount.

`--check` compares the tallies kept in each flush (workflow/counters.py) with a full count
over the tasks and exits 1 naming the keys that differ, changing nothing; without it the
tallies are replaced by the recount (after a bulk load, or to repair). Tallies are derived
bookkeeping, like the audit checkpoints: rebuilding them records no audit event.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from models import db
from workflow import cascade_recount, counters

counters_cli = AppGroup("counters", help="Số liệu tổng hợp của trang Tổng quan.")


@counters_cli.command("rebuild")
@click.option(
    "--check",
    is_flag=True,
    help="Chỉ so sánh số liệu đang lưu với số đếm lại từ nhiệm vụ, không thay đổi gì.",
)
def rebuild(check: bool) -> None:
    """Recount the tallies from the tasks (or, with --check, only compare)."""
    differences = counters.differences()
    # The cascade roll-up's kept figures (workflow/cascade_tallies.py) are checked and
    # rebuilt with the dashboard's: the same kind of derived bookkeeping.
    cascade = cascade_recount.differences()
    if check:
        for key, (kept, counted) in sorted(cascade.items(), key=repr)[:20]:
            click.echo(f"  triển khai ở cấp dưới {key}: lưu {kept}, đếm lại {counted}", err=True)
        if cascade and not differences:
            click.echo(f"Có {len(cascade)} nhóm số liệu cấp dưới lệch so với số đếm lại.", err=True)
            sys.exit(1)
        if not differences:
            click.echo("Số liệu tổng hợp khớp với số đếm lại.")
            return
        click.echo(f"Có {len(differences)} nhóm số liệu lệch so với số đếm lại:", err=True)
        for key, (kept, counted) in sorted(differences.items(), key=repr)[:20]:
            plan_id, unit_id, due_on, state, late = key
            click.echo(
                f"  kế hoạch {plan_id}, đơn vị {unit_id}, hạn {due_on}, {state}"
                f"{' (trễ)' if late else ''}: lưu {kept}, đếm lại {counted}",
                err=True,
            )
        sys.exit(1)
    rows = counters.rebuild() + cascade_recount.rebuild()
    differences = {**differences, **cascade}
    db.session.commit()
    click.echo(f"Đã tính lại {rows} nhóm số liệu ({len(differences)} nhóm lệch trước đó).")
