"""The daily anchor mail: the chain head sent to the inspectorate (review 2026-12, M1).

A database administrator can rewrite and re-hash the whole audit chain, but not a mail
already in the inspectorate's mailbox. Each day the head (seq, hash, time) goes to the
addresses in AUDIT_ANCHOR_MAIL_TO through the ordinary outbox, so it is retried like any
other mail. Its dedupe key is the Vietnam day and the recipient: the scheduler may call
this every hour (a scheduler that was down catches up at its next run), yet each address
gets exactly one anchor a day.

The outbox row is a kind-"event" mail with event "audit.anchor" and no task: the sender
delivers it as it is (no merging, no working-day hold), and a new mail kind would need a
change to the outbox's column type.
"""

from __future__ import annotations

from datetime import date
from html import escape

import sqlalchemy as sa
from flask import current_app

from models import MailKind, OutboxMessage, db
from notifications.outbox import PlannedMail, insert_ignoring_duplicates
from workflow import clock, signing
from workflow.anchors import HeadAnchor, current_anchor

ANCHOR_EVENT = "audit.anchor"


def recipients() -> list[str]:
    """The inspectorate addresses configured (AUDIT_ANCHOR_MAIL_TO, comma-separated)."""
    configured = current_app.config.get("AUDIT_ANCHOR_MAIL_TO") or ""
    return [a.strip() for a in configured.replace(";", ",").split(",") if a.strip()]


def dedupe_key(day: date, recipient: str) -> str:
    """One anchor mail per Vietnam day and address."""
    return f"anchor|{day.isoformat()}|{recipient}"


def _bodies(day: date, anchor: HeadAnchor, fingerprint: str) -> tuple[str, str, str]:
    line = anchor.to_json()
    subject = f"Mốc nhật ký PlanWork ngày {day:%d/%m/%Y}: sự kiện số {anchor.seq}"
    text = (
        f"Mốc đầu chuỗi nhật ký kiểm tra PlanWork ngày {day:%d/%m/%Y}.\n\n"
        "Xin lưu nguyên dòng dưới đây vào một tệp (mỗi ngày một dòng, cùng một tệp):\n\n"
        f"{line}\n\n"
        "Khi thanh tra: chạy «planwork audit verify --anchors TỆP» trên hệ thống, hoặc "
        "«python3 kiem-tra.py --moc TỆP» trong hồ sơ kiểm tra đã giải nén. Nếu nhật ký bị "
        "viết lại sau ngày hôm nay, dù mã băm đã được tính lại, lệnh sẽ báo KHÔNG khớp và "
        "chỉ ra sự kiện.\n\n"
        f"Dấu vân tay khoá ký hồ sơ kiểm tra: {fingerprint}\n"
        "Thư tự động, xin không trả lời.\n"
    )
    html = (
        f"<p>Mốc đầu chuỗi nhật ký kiểm tra PlanWork ngày {day:%d/%m/%Y}.</p>"
        "<p>Xin lưu nguyên dòng dưới đây vào một tệp (mỗi ngày một dòng, cùng một tệp):</p>"
        f"<pre>{escape(line)}</pre>"
        "<p>Khi thanh tra: chạy <code>planwork audit verify --anchors TỆP</code> trên hệ "
        "thống, hoặc <code>python3 kiem-tra.py --moc TỆP</code> trong hồ sơ kiểm tra đã giải "
        "nén. Nếu nhật ký bị viết lại sau ngày hôm nay, dù mã băm đã được tính lại, lệnh sẽ "
        "báo KHÔNG khớp và chỉ ra sự kiện.</p>"
        f"<p>Dấu vân tay khoá ký hồ sơ kiểm tra: <code>{escape(fingerprint)}</code></p>"
        "<p>Thư tự động, xin không trả lời.</p>"
    )
    return subject, text, html


def queue_anchor_mail(today: date | None = None) -> int:
    """Put today's anchor mail in the outbox for each configured address, once a day;
    returns how many rows were new (0 when already queued today or none configured)."""
    addresses = recipients()
    if not addresses:
        return 0
    day = today or clock.today()
    anchor = current_anchor()
    subject, text, html = _bodies(day, anchor, signing.fingerprint(signing.public_key_bytes()))
    mails = [
        PlannedMail(
            dedupe_key=dedupe_key(day, address),
            kind=MailKind.EVENT,
            event=ANCHOR_EVENT,
            recipient=address,
            planned_for=day,
            subject=subject,
            body_text=text,
            body_html=html,
        )
        for address in addresses
    ]
    before = _queued(day, addresses)
    insert_ignoring_duplicates(mails)
    db.session.commit()
    return _queued(day, addresses) - before


def _queued(day: date, addresses: list[str]) -> int:
    keys = [dedupe_key(day, a) for a in addresses]
    return db.session.execute(
        sa.select(sa.func.count()).where(OutboxMessage.dedupe_key.in_(keys))
    ).scalar_one()
