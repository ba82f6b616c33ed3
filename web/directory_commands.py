"""`planwork directory import FILE.csv|FILE.xlsx [--dry-run]`: load or update the unit
directory from a file, printing what is added, renamed, moved and retired.

A file with any bad row changes nothing: every problem is printed with its row number.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from importer.unit_table import read_unit_table
from workflow.directory_import import ImportPlan, apply_import, plan_import
from workflow.errors import WorkflowError

directory_cli = AppGroup("directory", help="Danh mục đơn vị.")


def describe(plan: ImportPlan) -> list[str]:
    """The plan in lines a person reads (Vietnamese)."""
    counts = plan.summary()
    lines = [
        f"Thêm {counts['add']}, đổi tên {counts['rename']}, chuyển cấp trên {counts['move']}, "
        f"sửa loại/thư {counts['update']}, giải thể {counts['retire']}, "
        f"không đổi {counts['unchanged']}."
    ]
    lines += [f"  + {r.code}  {r.name}" for r in plan.adds[:20]]
    if len(plan.adds) > 20:
        lines.append(f"  + … và {len(plan.adds) - 20} đơn vị khác")
    lines += [f"  ~ {r.code}  «{old}» → «{r.name}»" for r, old in plan.renames]
    lines += [f"  > {r.code}  cấp trên {old or '—'} → {r.parent or '—'}" for r, old in plan.moves]
    lines += [
        f"  x {r.code}  {r.name}" + (f" (kế thừa: {r.successor})" if r.successor else "")
        for r in plan.retires
    ]
    return lines


@directory_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ thay đổi, không ghi gì.")
@click.option("--reason", default="", help="Lý do (ví dụ số quyết định); ghi vào nhật ký.")
def directory_import(path: Path, dry_run: bool, reason: str) -> None:
    """Import or update the unit directory from a CSV (UTF-8) or XLSX file."""
    if path.suffix.lower() not in (".csv", ".xlsx"):
        click.echo("Tệp phải có đuôi .csv hoặc .xlsx.", err=True)
        sys.exit(2)
    plan = plan_import(read_unit_table(path.read_bytes(), path.name))
    if not plan.ok:
        click.echo("Tệp bị từ chối, danh mục không thay đổi:", err=True)
        for error in plan.errors[:100]:
            click.echo(f"  {error}", err=True)
        if len(plan.errors) > 100:
            click.echo(f"  … và {len(plan.errors) - 100} lỗi khác", err=True)
        sys.exit(1)
    for line in describe(plan):
        click.echo(line)
    if dry_run:
        click.echo("Chạy thử: chưa ghi gì.")
        return
    try:
        apply_import(plan, None, source=path.name, reason=reason)
    except WorkflowError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo("Đã cập nhật danh mục đơn vị.")
