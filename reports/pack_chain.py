"""The verifiable part of an inspection pack (review 2026-12, M1): the events in the form
their hashes cover, the chain head they end at, the offline verifier, the procedure, and
the Ed25519 seal over the index of every file.

Layout (kiem-tra.py relies on these names):
- `su-kien.jsonl`: line 1 is {"seq", "hash"} of the event just before the pack's range
  (how a partial pack still links; seq 0 and the all-zero hash at the start of the trail);
  then every event from the first of the period up to the chain head, one canonical JSON
  object a line: every hashed field (UTC time to the microsecond, `prev_hash`) and `hash`.
  In a plan's or a unit's pack, the events of other plans and units are written as
  {"seq", "prev_hash", "hash"} only: the pack may go to a coordinator, who may not read the
  rest of the trail (logins carry client addresses). The links through them still check;
  their content cannot, and the signature and the anchors vouch for them instead. A pack of
  the whole trail (`planwork inspection pack` without --plan/--unit) has every event whole.
- `dau-chuoi.json`: the chain head the events end at, an anchor line (seq, hash, time).
- `khoa-cong-khai.txt`: the installation's public key and fingerprint.
- `kiem-tra.py`, `HUONG-DAN-KIEM-TRA.txt`: the verifier and the procedure in Vietnamese.
- `muc-luc.sha256`: "<sha256>  <path>" for every other file; `chu-ky.ed25519`: the hex
  Ed25519 signature of muc-luc.sha256's bytes.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import AuditEvent, db
from models.audit import GENESIS_HASH
from reports.pack_verifier import verifier_sha256
from workflow import signing
from workflow.anchors import HeadAnchor, current_anchor
from workflow.audit import hashed_fields  # the one definition of what the hash covers

EVENTS_FILE = "su-kien.jsonl"
HEAD_FILE = "dau-chuoi.json"
KEY_FILE = "khoa-cong-khai.txt"
PROCEDURE_FILE = "HUONG-DAN-KIEM-TRA.txt"
INDEX_FILE = "muc-luc.sha256"
SIGNATURE_FILE = "chu-ky.ed25519"
_BATCH = 5000
_ZIP64_FROM_EVENTS = 1_000_000  # ~600 bytes a line: beyond this the file may pass 2 GiB


def canonical_line(fields: dict) -> str:
    """One event as the pack carries it: the same JSON the hash is computed over."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def first_seq_from(start: datetime) -> int | None:
    """The seq of the first event at or after `start`, None when there is none."""
    return db.session.execute(
        sa.select(sa.func.min(AuditEvent.seq)).where(AuditEvent.occurred_at >= start)
    ).scalar()


def write_events(
    pack: zipfile.ZipFile,
    start_seq: int,
    head: HeadAnchor,
    in_scope: Callable[[sa.Row], bool] | None = None,
) -> tuple[str, int]:
    """Stream events start_seq..head.seq into su-kien.jsonl; return (SHA-256, count).

    Events `in_scope` rejects are written by their hashes only (None: every event whole).
    The head is read before the events: every event up to it is committed and immutable,
    so the file ends exactly at the head the pack names."""
    table = AuditEvent.__table__
    digest = hashlib.sha256()
    start_seq = max(start_seq, 1)
    if start_seq > head.seq:
        before = {"seq": head.seq, "hash": head.hash}
    elif start_seq == 1:
        before = {"seq": 0, "hash": GENESIS_HASH}
    else:
        prev = db.session.execute(
            sa.select(table.c.hash).where(table.c.seq == start_seq - 1)
        ).scalar()
        before = {"seq": start_seq - 1, "hash": prev or ""}
    count = 0
    big = head.seq - start_seq >= _ZIP64_FROM_EVENTS
    with pack.open(EVENTS_FILE, "w", force_zip64=big) as out:

        def emit(text: str) -> None:
            data = (text + "\n").encode("utf-8")
            digest.update(data)
            out.write(data)

        emit(canonical_line(before))
        last = start_seq - 1
        while last < head.seq:
            rows = db.session.execute(
                sa.select(table)
                .where(table.c.seq > last, table.c.seq <= head.seq)
                .order_by(table.c.seq)
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            for row in rows:
                if in_scope is None or in_scope(row):
                    emit(canonical_line({**hashed_fields(row), "hash": row.hash}))
                else:
                    emit(
                        canonical_line(
                            {"seq": row.seq, "prev_hash": row.prev_hash, "hash": row.hash}
                        )
                    )
            count += len(rows)
            last = rows[-1].seq
    return digest.hexdigest(), count


def public_key_text() -> tuple[bytes, str]:
    """khoa-cong-khai.txt's content and the fingerprint it states."""
    public = signing.public_key_bytes()
    fingerprint = signing.fingerprint(public)
    text = (
        "Khoá công khai Ed25519 của hệ thống PlanWork đã ký hồ sơ này\n"
        f"ed25519 {public.hex()}\n"
        f"Dấu vân tay (SHA-256 của khoá): {fingerprint}\n"
        "So dấu vân tay này với dấu vân tay công bố trên trang Nhật ký kiểm tra của hệ thống "
        "và trong thư mốc đầu chuỗi gửi thanh tra.\n"
    )
    return text.encode("utf-8"), fingerprint


def procedure_text(head: HeadAnchor) -> bytes:
    """HUONG-DAN-KIEM-TRA.txt: what is checked, how, and what a failure means."""
    text = f"""HƯỚNG DẪN KIỂM TRA HỒ SƠ (không cần mạng, không cần PlanWork)

Cần: Python 3.8 trở lên (chỉ thư viện chuẩn). Giải nén hồ sơ, mở cửa sổ lệnh trong thư
mục đã giải nén và chạy:

    python3 kiem-tra.py --khoa "<dấu vân tay đã công bố>"

Dấu vân tay phải lấy từ nguồn ngoài hồ sơ: trang Nhật ký kiểm tra của hệ thống, thư mốc
đầu chuỗi gửi thanh tra, hoặc văn bản đơn vị vận hành đã gửi. Không lấy từ hồ sơ này: ai
sửa hồ sơ cũng có thể ký lại bằng khoá của mình và ghi dấu vân tay của khoá đó vào hồ sơ.
Thêm --moc TỆP để so với các mốc đầu chuỗi đã nhận qua thư (mỗi dòng một mốc).
Mã thoát 0: ĐẠT. Mã thoát 1: KHÔNG ĐẠT, chương trình nêu lỗi đầu tiên.

Chương trình kiểm tra lần lượt:
1. Chữ ký: tệp {INDEX_FILE} (mã SHA-256 của mọi tệp khác) được ký bằng khoá Ed25519 của
   hệ thống; chữ ký nằm trong {SIGNATURE_FILE}, khoá công khai trong {KEY_FILE}.
   Lỗi nghĩa là mục lục, chữ ký hoặc khoá đã bị thay. Dấu vân tay khác dấu vân tay đã công
   bố nghĩa là hồ sơ được ký bằng khoá khác: hồ sơ không do hệ thống này lập.
2. Tệp: mã SHA-256 của từng tệp (kể cả kiem-tra.py, nhật ký, báo cáo) phải khớp mục lục.
   Lỗi nghĩa là tệp đó đã bị sửa, thêm bớt sau khi hồ sơ được ký.
   Mã SHA-256 của kiem-tra.py của phiên bản này: {verifier_sha256()}
   (cũng hiển thị trên trang Nhật ký kiểm tra), để biết chương trình kiểm tra không bị
   thay bằng chương trình khác.
3. Chuỗi băm: {EVENTS_FILE} có mỗi dòng một sự kiện nhật ký, đúng các trường mà mã băm
   bao phủ (thời điểm UTC đến micro giây, prev_hash). Mã băm = SHA-256 của chuỗi JSON
   của mọi trường trừ "hash", khoá xếp theo thứ tự chữ cái, không có dấu cách, UTF-8 giữ
   nguyên dấu tiếng Việt. Mỗi sự kiện phải có số thứ tự liền sau sự kiện trước và
   prev_hash bằng mã băm của sự kiện trước. Dòng đầu là mã băm của sự kiện ngay trước
   phạm vi hồ sơ (số 0 là gốc chuỗi). Lỗi nêu số sự kiện: sự kiện bị sửa, xoá hoặc chèn.
4. Đầu chuỗi: sự kiện cuối phải là đầu chuỗi ghi trong {HEAD_FILE}:
   sự kiện số {head.seq}, mã băm {head.hash}.
5. Mốc (khi có --moc): sự kiện ở số thứ tự của mỗi mốc phải có đúng mã băm của mốc. Vì mã
   băm của một sự kiện phụ thuộc mọi sự kiện trước nó, một mốc khớp xác nhận toàn bộ
   chuỗi đến mốc đó. Lỗi nghĩa là nhật ký đã bị viết lại (và tính lại mã băm) sau khi
   mốc được công bố.

Phạm vi: mọi sự kiện từ sự kiện đầu tiên của thời kỳ đến đầu chuỗi lúc lập hồ sơ. Trong
hồ sơ của một kế hoạch hoặc một đơn vị, sự kiện của kế hoạch, đơn vị khác chỉ ghi số thứ
tự, prev_hash và mã băm (không có nội dung): liên kết qua chúng vẫn được kiểm tra, nội
dung của chúng thì không; chữ ký của hệ thống và các mốc đã công bố bảo đảm cho chúng.
Hồ sơ toàn hệ thống («planwork inspection pack» không có --plan, --unit) ghi đầy đủ mọi
sự kiện. Các tệp nhat-ky/*.csv, *.pdf chỉ gồm sự kiện của kế hoạch hoặc đơn vị.
"""
    return text.encode("utf-8")


def seal(pack: zipfile.ZipFile, index: list[tuple[str, str, str]]) -> None:
    """Write muc-luc.sha256 over every file so far and its Ed25519 signature."""
    listing = "".join(f"{sha}  {path}\n" for path, _what, sha in index).encode("utf-8")
    pack.writestr(INDEX_FILE, listing)
    pack.writestr(SIGNATURE_FILE, (signing.sign(listing).hex() + "\n").encode("ascii"))


@dataclass(frozen=True)
class Publication:
    """What the installation publishes so packs and the chain can be checked from outside:
    the current head (an anchor line), the signing key, its fingerprint, the verifier's hash."""

    anchor: HeadAnchor
    public_key_hex: str
    fingerprint: str
    verifier_sha256: str


def publication() -> Publication:
    """The values the audit page shows (and the README tells operators to publish)."""
    public = signing.public_key_bytes()
    return Publication(
        current_anchor(), public.hex(), signing.fingerprint(public), verifier_sha256()
    )
