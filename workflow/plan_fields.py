"""What a person types for a plan by hand, checked and made the inputs the plan services take.

The header and items of a plan arrive as plain fields (units one per line, by name, alias or
code); they are checked here with a Vietnamese message for each mistake, and units are
resolved exactly against the directory, never by a fuzzy guess. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from importer.timeframes import parse_timeframe
from models import Recurrence, Unit, db
from workflow.errors import InvalidInput
from workflow.inputs import check_due_date
from workflow.plans import ItemInput, UnitRef
from workflow.text import fold

NUMBER_MAX = 40
TITLE_MAX = 5000
_RECURRENCE = {"yearly": Recurrence.YEARLY, "quarterly": Recurrence.QUARTERLY}


@dataclass
class HeaderFields:
    """A plan's header as a person types it."""

    title: str
    tracking_unit_id: int | None
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None
    year: int | None = None
    period: str | None = None


@dataclass
class ItemFields:
    """One plan item as a person types it: units one per line (by name, alias or code)."""

    number: str
    title: str
    leads: list[str] = field(default_factory=list)
    coordinating: list[str] = field(default_factory=list)
    timeframe_text: str | None = None
    due_on: date | None = None
    content: str | None = None


def split_lines(value: str | list[str] | None) -> list[str]:
    """Non-empty stripped lines of a textarea (or of a list of them)."""
    if isinstance(value, list):
        items = value
    else:
        items = (value or "").replace("\r", "").split("\n")
    return [line.strip() for line in items if line and line.strip()]


class UnitNames:
    """Unit and group names typed by hand → directory entries, exactly (code, name or alias,
    folded): a typed name never lands on a unit by a fuzzy guess."""

    def __init__(self) -> None:
        from workflow.import_resolution import Resolver

        self.resolver = Resolver()

    def ref(self, text: str) -> UnitRef:
        text = text.strip()
        if text in self.resolver.unit_by_code:
            unit_id = self.resolver.unit_by_code[text]
            return UnitRef(mention=self._name(unit_id=unit_id), unit_id=unit_id)
        if text in self.resolver.group_by_code:
            group_id = self.resolver.group_by_code[text]
            return UnitRef(mention=self._name(group_id=group_id), group_id=group_id)
        target = self.resolver.by_fold.get(fold(text))
        if target is None:
            raise InvalidInput(
                "Không tìm thấy đơn vị «%(text)s» trong danh mục; hãy ghi đúng tên, tên viết "
                "tắt hoặc mã đơn vị.",
                text=text[:100],
            )
        return UnitRef(mention=text[:300], unit_id=target.unit_id, group_id=target.group_id)

    def _name(self, unit_id: int | None = None, group_id: int | None = None) -> str:
        from workflow.import_resolution import Target

        return self.resolver.name_of(Target(unit_id=unit_id, group_id=group_id))

    def refs(self, lines: list[str], kept: dict[str, UnitRef] | None = None) -> list[UnitRef]:
        """The refs of typed lines; `kept` holds mentions an import left unresolved on the
        item, which may stay as they are (still flagged) while other fields are edited."""
        kept = kept or {}
        return [kept.get(fold(line)) or self.ref(line) for line in lines]

    def unit_id(self, text: str | None) -> int | None:
        """The unit a name names, or None when it names none (the issuer is kept as text)."""
        if not (text or "").strip():
            return None
        try:
            return self.ref(text or "").unit_id
        except InvalidInput:
            return None


def clean_reason(reason: str | None, required: bool, message: str) -> str | None:
    """The reason stripped (None when empty), refused with `message` when it is required
    and missing, or when it is too long."""
    reason = (reason or "").strip() or None
    if required and not reason:
        raise InvalidInput(message)
    if reason and len(reason) > 5000:
        raise InvalidInput("Lý do dài quá 5000 ký tự.")
    return reason


def item_input(
    fields: ItemFields,
    names: UnitNames,
    year: int | None,
    kept: dict[str, UnitRef] | None = None,
) -> ItemInput:
    """The typed item checked and made an `ItemInput`: timeframe parsed into periods and a
    due date (a typed date wins), units resolved exactly."""
    number = (fields.number or "").strip()
    title = (fields.title or "").strip()
    if not number:
        raise InvalidInput("Mỗi nhiệm vụ cần có số thứ tự.")
    if len(number) > NUMBER_MAX:
        raise InvalidInput(
            "Số thứ tự «%(number)s…» quá dài (tối đa 40 ký tự).",
            number=number[:NUMBER_MAX],
        )
    if not title:
        raise InvalidInput(
            "Nhiệm vụ %(number)s chưa có nội dung.",
            number=number,
        )
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            "Nội dung nhiệm vụ %(number)s dài quá %(title_max)s ký tự.",
            number=number,
            title_max=TITLE_MAX,
        )
    leads = names.refs(split_lines(fields.leads), kept)
    if not leads:
        raise InvalidInput(
            "Nhiệm vụ %(number)s cần có đơn vị chủ trì.",
            number=number,
        )
    coordinating = names.refs(split_lines(fields.coordinating), kept)
    text = (fields.timeframe_text or "").strip()[:300] or None
    parsed = parse_timeframe(text, year) if text else None
    due = fields.due_on or (parsed.due if parsed else None)
    if due is not None:
        check_due_date(due, f"Hạn của nhiệm vụ {number}")
    periods = list(parsed.periods) if parsed else []
    if not periods and due is not None:
        periods = [f"{due.year}-{due.month:02d}"]  # the month holding the date (DESIGN.md)
    return ItemInput(
        number=number,
        title=title,
        content=(fields.content or "").strip() or None,
        timeframe_text=text,
        periods=periods,
        due_on=due,
        recurrence=_RECURRENCE.get(parsed.recurrence or "") if parsed else None,
        ongoing=bool(parsed and parsed.ongoing),
        leads=leads,
        coordinating=coordinating,
    )


def header_values(header: HeaderFields, names: UnitNames) -> dict[str, Any]:
    """The typed header checked and made the plan's column values; the issuer is kept as
    typed and linked to a unit when it names one."""
    title = (header.title or "").strip()
    if not title:
        raise InvalidInput("Kế hoạch cần có tiêu đề.")
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            "Tiêu đề dài quá %(title_max)s ký tự.",
            title_max=TITLE_MAX,
        )
    number = (header.number or "").strip() or None
    if number and len(number) > 80:
        raise InvalidInput("Số kế hoạch quá dài (tối đa 80 ký tự).")
    tracking = db.session.get(Unit, header.tracking_unit_id) if header.tracking_unit_id else None
    if tracking is None or not tracking.active:
        raise InvalidInput("Hãy chọn cơ quan thường trực (đơn vị theo dõi) có trong danh mục.")
    issuer_name = (header.issuer or "").strip()[:300] or tracking.name
    if header.year is not None and not 1900 <= header.year <= 2200:
        raise InvalidInput("Năm của kế hoạch không hợp lệ.")
    if header.issued_on is not None and not 1900 <= header.issued_on.year <= 2200:
        raise InvalidInput("Ngày ban hành không hợp lệ.")
    year = header.year or (header.issued_on.year if header.issued_on else None)
    period = (header.period or "").strip()[:40] or (str(year) if year else None)
    return {
        "number": number,
        "title": title,
        "issued_on": header.issued_on,
        "issuer_name": issuer_name,
        "issuer_id": names.unit_id(issuer_name),
        "tracking_unit_id": tracking.id,
        "year": year,
        "period": period,
    }
