"""`planwork report year-end --unit CODE --year YYYY --out FILE.docx`: the year-end report
the web page offers (/units/<id>/year-end.docx), written from the command line.

CODE is the unit's code or its id; `--plan ID` writes a plan's report instead. The file's
suffix chooses the document: .docx (the report) or .xlsx (the task list and the annex).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from models import Plan, Unit, db
from reports.yearend import gather, yearend_docx, yearend_xlsx

report_cli = AppGroup("report", help="Báo cáo.")


def find_unit(code: str) -> Unit | None:
    """The unit whose code is `code` (any case), else whose id it is."""
    unit = db.session.execute(
        sa.select(Unit).where(sa.func.upper(Unit.code) == code.strip().upper())
    ).scalar_one_or_none()
    if unit is None and code.strip().isdigit():
        unit = db.session.get(Unit, int(code))
    return unit


@report_cli.command("year-end")
@click.option("--unit", "unit_code", help="Mã đơn vị (ví dụ UBND-Q8) hoặc số id của đơn vị.")
@click.option("--plan", "plan_id", type=int, help="Số id của kế hoạch (thay cho --unit).")
@click.option("--year", type=int, required=True, help="Năm báo cáo, ví dụ 2024.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Tệp .docx/.xlsx"
)
def year_end(unit_code: str | None, plan_id: int | None, year: int, out: Path) -> None:
    """Write the year-end report of a unit (or a plan) for a year to a DOCX or XLSX file."""
    if (unit_code is None) == (plan_id is None):
        click.echo("Hãy chỉ định đúng một trong hai: --unit hoặc --plan.", err=True)
        sys.exit(2)
    if out.suffix.lower() not in (".docx", ".xlsx"):
        click.echo("Tệp kết quả phải có đuôi .docx hoặc .xlsx.", err=True)
        sys.exit(2)
    if not 2000 <= year <= 2100:
        click.echo("Năm báo cáo không hợp lệ.", err=True)
        sys.exit(2)
    if unit_code is not None:
        unit = find_unit(unit_code)
        if unit is None:
            click.echo(f"Không tìm thấy đơn vị «{unit_code}».", err=True)
            sys.exit(1)
        data = gather(year, unit_id=unit.id)
    else:
        if db.session.get(Plan, plan_id) is None:
            click.echo(f"Không tìm thấy kế hoạch số id {plan_id}.", err=True)
            sys.exit(1)
        data = gather(year, plan_id=plan_id)
    body = yearend_docx(data) if out.suffix.lower() == ".docx" else yearend_xlsx(data)
    out.write_bytes(body)
    click.echo(
        f"Đã ghi báo cáo năm {year} của {data.author_name} vào {out} "
        f"({data.total} nhiệm vụ, {len(data.annex)} chỉ số trong phụ lục)."
    )
