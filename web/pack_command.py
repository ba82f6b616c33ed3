"""`planwork inspection pack`: the same signed pack the web page offers, written to a file.

Separate from web/commands.py so the command's input checks (plan number, unit code, ISO
dates) stay in one small place; the pack itself is reports.inspection_pack.build_pack.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from models import Plan, Unit, db
from models.plans import PlanStatus
from reports.inspection_pack import PackScope, build_pack
from reports.pack_chain import HEAD_FILE
from workflow import clock
from workflow.audit_verification import fresh_status


class PackRequestError(ValueError):
    """Bad command input, in Vietnamese; nothing was written."""


def _day(text: str | None, name: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PackRequestError(f"{name} «{text}» không phải ngày dạng YYYY-MM-DD.") from None


def _plan_id(number: str) -> int:
    # The plan that stands first; if only withdrawn imports carry the number, the latest.
    found = db.session.execute(
        sa.select(Plan.id)
        .where(Plan.number == number.strip())
        .order_by((Plan.status == PlanStatus.WITHDRAWN).asc(), Plan.id.desc())
        .limit(1)
    ).scalar()
    if found is not None:
        return found
    raise PackRequestError(f"Không có kế hoạch số «{number}».")


def _unit_id(code: str) -> int:
    found = db.session.execute(
        sa.select(Unit.id).where(sa.func.lower(Unit.code) == code.strip().lower())
    ).scalar()
    if found is None:
        raise PackRequestError(f"Không có đơn vị mã «{code}».")
    return found


def scope_from(
    plan_number: str | None, unit_code: str | None, date_from: str | None, date_to: str | None
) -> PackScope:
    """The scope the options describe; PackRequestError names what is wrong."""
    if plan_number and unit_code:
        raise PackRequestError("Chỉ chọn một trong --plan hoặc --unit.")
    end = _day(date_to, "--to") or clock.today()
    start = _day(date_from, "--from") or date(end.year, 1, 1)
    if start > end:
        raise PackRequestError("--from phải trước hoặc bằng --to.")
    return PackScope(
        start,
        end,
        plan_id=_plan_id(plan_number) if plan_number else None,
        unit_id=_unit_id(unit_code) if unit_code else None,
    )


def write_pack(
    plan_number: str | None,
    unit_code: str | None,
    date_from: str | None,
    date_to: str | None,
    out: str,
) -> str:
    """Verify the chain up to its head, build the pack and write it to `out` (atomically:
    a reader never sees half a ZIP). Returns the summary line to print."""
    scope = scope_from(plan_number, unit_code, date_from, date_to)
    target = Path(out)
    if not target.parent.is_dir():
        raise PackRequestError(f"Thư mục «{target.parent}» không tồn tại.")
    status = fresh_status()
    data = build_pack(scope, status)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    head = json.loads(zipfile.ZipFile(io.BytesIO(data)).read(HEAD_FILE))
    return (
        f"Đã ghi hồ sơ kiểm tra {target} ({len(data):,} byte): {scope.name()}, "
        f"{scope.date_from:%d/%m/%Y}–{scope.date_to:%d/%m/%Y}. {status.label}. "
        f"Đầu chuỗi: sự kiện số {head['seq']}, mã băm {head['hash']}."
    )
