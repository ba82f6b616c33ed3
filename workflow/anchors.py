"""Anchors: the chain head (seq, hash) published outside the database (review 2026-12, M1).

Someone with full database rights can drop the triggers, rewrite an event, re-hash every
later event and move the head: the chain is then consistent again and `audit verify`
alone has nothing to object to. An anchor published before the rewrite (mailed daily to
the inspectorate, printed in every inspection pack, shown on the audit page) still holds
the old hash of the event at its seq, so `planwork audit verify --anchors FILE` catches it:
once the chain itself verifies, the event at an anchor's seq must carry the anchor's hash
(its hash covers every event before it).

An anchor is one line of JSON: {"seq": …, "hash": …, "time": …}. Any line with `seq` and
`hash` is accepted, so the `su-kien.jsonl` of an inspection pack cut before a rewrite
serves as a file of anchors too and names the first changed event exactly; daily anchors
alone narrow it to the events between the last anchor that holds and the first that fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from models import AuditChainHead, AuditEvent, db
from models.audit import GENESIS_HASH
from workflow import clock
from workflow.errors import InvalidInput

MAX_ANCHOR_LINES = 5_000_000  # a pack of a city's year is about a million lines
_BATCH = 1000


@dataclass(frozen=True)
class HeadAnchor:
    """A published chain head: the event at `seq` had `hash` at `time` (naive UTC)."""

    seq: int
    hash: str
    time: datetime | None = None
    line: int = 0  # where it was read from, for messages

    def to_json(self) -> str:
        """The one-line JSON form (`planwork audit anchor`, the daily mail, the pack)."""
        stamp = None
        if self.time is not None:
            stamp = self.time.isoformat(timespec="microseconds") + "Z"
        return json.dumps(
            {"seq": self.seq, "hash": self.hash, "time": stamp}, separators=(", ", ": ")
        )


def current_anchor() -> HeadAnchor:
    """The chain head now, stamped with the current time (seq 0 and the genesis hash on
    an empty trail)."""
    head = db.session.execute(
        sa.select(AuditChainHead.seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).one_or_none()
    if head is None:
        return HeadAnchor(0, GENESIS_HASH, clock.now())
    return HeadAnchor(head.seq, head.last_hash, clock.now())


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_anchors(text: str) -> list[HeadAnchor]:
    """Read anchor lines (blank lines skipped); a malformed line is refused by number."""
    anchors: list[HeadAnchor] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if len(anchors) >= MAX_ANCHOR_LINES:
            raise InvalidInput(
                "Tệp mốc có quá %(max_anchor_lines)s dòng.",
                max_anchor_lines=format(MAX_ANCHOR_LINES, ","),
            )
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        seq = item.get("seq") if isinstance(item, dict) else None
        digest = item.get("hash") if isinstance(item, dict) else None
        if (
            not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 0
            or not isinstance(digest, str)
            or len(digest) != 64
            or any(ch not in "0123456789abcdef" for ch in digest)
        ):
            raise InvalidInput(
                "Dòng %(number)s của tệp mốc không hợp lệ: cần một đối tượng JSON có «seq» "
                "(số nguyên) và «hash» (64 chữ số hex), ví dụ như dòng «planwork audit "
                "anchor» in ra.",
                number=number,
            )
        anchors.append(HeadAnchor(seq, digest, _time(item.get("time")), number))
    if not anchors:
        raise InvalidInput("Tệp mốc không có dòng nào.")
    return anchors


@dataclass(frozen=True)
class AnchorCheck:
    """The chain against published anchors: all held, or the first (lowest seq) that does
    not, with the range where the first changed event lies (`first_from`..`first_to`)."""

    ok: bool
    checked: int
    failed: HeadAnchor | None = None
    found_hash: str | None = None
    first_from: int | None = None
    first_to: int | None = None

    @property
    def message(self) -> str:
        """The verdict in Vietnamese, naming the first event that differs."""
        if self.ok:
            return f"Khớp {self.checked} mốc đầu chuỗi đã công bố."
        anchor = self.failed
        assert anchor is not None
        when = f" lúc {anchor.time:%Y-%m-%d %H:%M:%S} UTC" if anchor.time else ""
        if self.found_hash is None:
            found = "không còn sự kiện này (chuỗi đã bị cắt ngắn)"
        else:
            found = f"cơ sở dữ liệu có mã băm {self.found_hash}"
        if self.first_from == self.first_to:
            first = f"Sự kiện khác đầu tiên: số {self.first_to}."
        else:
            start = self.first_from or 1
            held = f" (mốc ở sự kiện số {start - 1} vẫn khớp)" if start > 1 else ""
            first = (
                f"Sự kiện khác đầu tiên nằm trong khoảng số {self.first_from}–{self.first_to}"
                f"{held}; dùng su-kien.jsonl của một hồ sơ kiểm tra lập trước khi sửa làm tệp "
                "mốc để chỉ đúng sự kiện."
            )
        return (
            f"Nhật ký KHÔNG khớp mốc đã công bố{when} (dòng {anchor.line} của tệp mốc): "
            f"mốc ghi sự kiện số {anchor.seq} có mã băm {anchor.hash}, {found}. "
            f"Chuỗi đã bị viết lại sau khi công bố mốc. {first}"
        )


def _stored_hashes(seqs: list[int]) -> dict[int, str]:
    table = AuditEvent.__table__
    found: dict[int, str] = {}
    for start in range(0, len(seqs), _BATCH):
        chunk = seqs[start : start + _BATCH]
        rows = db.session.execute(
            sa.select(table.c.seq, table.c.hash).where(table.c.seq.in_(chunk))
        ).all()
        found.update({r.seq: r.hash for r in rows})
    return found


def check_anchors(anchors: list[HeadAnchor]) -> AnchorCheck:
    """Compare each anchor with the stored hash of the event at its seq, lowest seq first.

    Meaningful after the chain itself verified: then an event's stored hash commits to
    every event before it, so one matching anchor vouches for the whole prefix."""
    ordered = sorted(anchors, key=lambda a: a.seq)
    stored = _stored_hashes(sorted({a.seq for a in ordered if a.seq > 0}))
    last_good = 0
    for count, anchor in enumerate(ordered):
        found = GENESIS_HASH if anchor.seq == 0 else stored.get(anchor.seq)
        if found == anchor.hash:
            last_good = anchor.seq
            continue
        return AnchorCheck(
            False,
            count,
            failed=anchor,
            found_hash=found,
            first_from=min(last_good + 1, anchor.seq),
            first_to=anchor.seq,
        )
    return AnchorCheck(True, len(ordered))
