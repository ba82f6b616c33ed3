"""The inspection pack: one ZIP for a plan or a unit (or the whole trail) and a period.

Contents: the audit export (CSV and PDF), the year-end report (DOCX, XLSX), every report
of the period as text with its attachments, the result of a chain verification run for the
pack (not a cached verdict: the pack is what an inspection keeps), and what lets an
inspector verify it with nothing but the pack (review 2026-12, M1; reports/pack_chain.py):
the events in their hashed form up to the chain head, the head itself, the offline
verifier kiem-tra.py and its procedure, and an index of every file signed with the
installation's Ed25519 key.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import Plan, Report, Task, Unit, db
from reports.audit_exports import audit_csv, audit_pdf, local_text
from reports.audit_trail import AuditFilter, end_of_local_day, local_day_start
from reports.pack_chain import (
    EVENTS_FILE,
    HEAD_FILE,
    KEY_FILE,
    PROCEDURE_FILE,
    first_seq_from,
    procedure_text,
    public_key_text,
    seal,
    write_events,
)
from reports.pack_verifier import VERIFIER_NAME, verifier_source
from reports.tabular import csv_table
from reports.yearend import gather, yearend_docx, yearend_xlsx
from workflow import clock
from workflow.anchors import current_anchor
from workflow.attachments import attachment_path
from workflow.audit_verification import ChainStatus


@dataclass
class PackScope:
    """A plan or a unit (neither: the whole trail), and the period (Vietnam calendar days,
    inclusive)."""

    date_from: date
    date_to: date
    plan_id: int | None = None
    unit_id: int | None = None

    def name(self) -> str:
        if self.plan_id is not None:
            plan = db.session.get(Plan, self.plan_id)
            return f"Kế hoạch {plan.label}" if plan else f"Kế hoạch #{self.plan_id}"
        if self.unit_id is None:
            return "Toàn hệ thống"
        unit = db.session.get(Unit, self.unit_id)
        return unit.name if unit else f"Đơn vị #{self.unit_id}"


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-")[:80] or "tep"


def build_pack(scope: PackScope, status: ChainStatus) -> bytes:
    """Write the ZIP in memory and return it. `status` is the chain's verdict the caller
    has just established (workflow.audit_verification.fresh_status): building only reads."""
    flt = AuditFilter(
        plan_id=scope.plan_id,
        unit_id=scope.unit_id if scope.plan_id is None else None,
        date_from=scope.date_from,
        date_to=scope.date_to,
    )
    index: list[tuple[str, str, str]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as pack:

        def put(path: str, data: bytes, what: str) -> None:
            pack.writestr(path, data)
            index.append((path, what, hashlib.sha256(data).hexdigest()))

        put("nhat-ky/nhat-ky.csv", audit_csv(flt), "Nhật ký kiểm tra (CSV)")
        put("nhat-ky/nhat-ky.pdf", audit_pdf(flt, status), "Nhật ký kiểm tra (PDF)")
        year = scope.date_to.year
        data = gather(year, plan_id=scope.plan_id, unit_id=scope.unit_id)
        put(f"bao-cao-nam/bao-cao-{year}.docx", yearend_docx(data), f"Báo cáo năm {year}")
        put(f"bao-cao-nam/nhiem-vu-{year}.xlsx", yearend_xlsx(data), f"Nhiệm vụ năm {year}")
        for report in _reports(scope):
            task = report.task
            folder = f"bao-cao/{_safe(task.plan.label)}/{_safe(task.number)}-bc{report.id}"
            body = (
                f"Kế hoạch: {task.plan.label}\nNhiệm vụ {task.number}: {task.title}\n"
                f"Đơn vị: {report.unit.name}\nNgười gửi: {report.author.full_name}\n"
                f"Thời điểm: {local_text(report.submitted_at)}"
                f"{' (trễ hạn)' if report.late else ''}\n\n{report.text}\n"
            )
            put(f"{folder}/bao-cao.txt", body.encode("utf-8"), f"Báo cáo nhiệm vụ {task.number}")
            for item in report.attachments:
                path = attachment_path(item)
                content = path.read_bytes() if path.exists() else b""
                what = f"Tệp đính kèm của báo cáo nhiệm vụ {task.number}"
                if not content:
                    what += " (KHÔNG TÌM THẤY TỆP)"
                put(f"{folder}/{item.id}-{_safe(item.filename)}", content, what)
        # The head first: the events written below end exactly at it (pack_chain).
        head = current_anchor()
        start = first_seq_from(local_day_start(scope.date_from))
        sha, count = write_events(
            pack, start if start is not None else head.seq + 1, head, _in_scope(scope)
        )
        index.append((EVENTS_FILE, f"Nhật ký dạng băm được ({count} sự kiện)", sha))
        put(HEAD_FILE, (head.to_json() + "\n").encode("utf-8"), "Đầu chuỗi (mốc)")
        key_text, fingerprint = public_key_text()
        put(KEY_FILE, key_text, "Khoá công khai Ed25519")
        put(VERIFIER_NAME, verifier_source(), "Chương trình kiểm tra (Python)")
        put(PROCEDURE_FILE, procedure_text(head), "Hướng dẫn kiểm tra")
        head_line = f"Đầu chuỗi: sự kiện số {head.seq}, mã băm {head.hash}"
        lines = [
            f"Kiểm tra chuỗi nhật ký lúc {local_text(status.verified_at)}",
            status.label,
            f"Số sự kiện đã kiểm tra: {status.checked}",
            head_line,
            f"Mốc: {head.to_json()}",
        ]
        if not status.intact:
            lines.append(f"Sự kiện hỏng đầu tiên: số {status.bad_seq} — {status.problem}")
        put("kiem-tra-chuoi.txt", ("\n".join(lines) + "\n").encode("utf-8"), "Kết quả kiểm tra")
        header = (
            f"Hồ sơ kiểm tra: {scope.name()}\nThời kỳ: {scope.date_from:%d/%m/%Y} – "
            f"{scope.date_to:%d/%m/%Y}\nLập lúc: {local_text(clock.now())}\n{status.label}\n"
            f"{head_line}\nDấu vân tay khoá ký hồ sơ: {fingerprint} (phải trùng dấu vân tay "
            "hệ thống đã công bố)\n\n"
            f"Kiểm tra hồ sơ: giải nén, chạy «python3 {VERIFIER_NAME}» trong thư mục "
            f"(xem {PROCEDURE_FILE}).\nMục lục: muc-luc.csv\n"
        )
        put("DOC-TRUOC.txt", header.encode("utf-8"), "Đọc trước")
        # The index names tasks by their number, so it goes through the shared writer (H3).
        put("muc-luc.csv", csv_table(["Tệp", "Nội dung", "SHA-256"], index), "Mục lục")
        seal(pack, index)
    return buffer.getvalue()


def _in_scope(scope: PackScope) -> Callable[[sa.Row], bool] | None:
    # Whole events for the pack's plan or unit; the rest by their hashes (pack_chain).
    if scope.plan_id is not None:
        return lambda row: row.plan_id == scope.plan_id
    if scope.unit_id is not None:
        return lambda row: row.unit_id == scope.unit_id
    return None


def _reports(scope: PackScope) -> list[Report]:
    query = (
        sa.select(Report)
        .join(Task, Report.task_id == Task.id)
        .where(
            Report.submitted_at >= local_day_start(scope.date_from),
            Report.submitted_at <= end_of_local_day(scope.date_to),
        )
        .options(
            selectinload(Report.attachments),
            selectinload(Report.unit),
            selectinload(Report.author),
        )
        .order_by(Report.id)
    )
    if scope.plan_id is not None:
        query = query.where(Task.plan_id == scope.plan_id)
    elif scope.unit_id is not None:
        query = query.where(Report.unit_id == scope.unit_id)
    reports = list(db.session.execute(query).scalars())
    tasks = {
        t.id: t
        for t in db.session.execute(
            sa.select(Task)
            .where(Task.id.in_({r.task_id for r in reports}))
            .options(selectinload(Task.plan))
        ).scalars()
    }
    for r in reports:
        r.task = tasks[r.task_id]  # type: ignore[attr-defined]
    return reports
