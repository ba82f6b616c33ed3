"""How a unit numbers, addresses and signs the reports it sends (Nghị định 30/2020/NĐ-CP).

A unit's coordinators (or an admin) set the issuer's abbreviation ("Số: …/BC-UBND"), the
place ("Quận 8, ngày …"), the governing body printed above its name, the recipients
("Kính gửi"), the distribution list ("Nơi nhận") and the signature block. A field left
empty falls back to a default derived from the unit's name and parent, so every unit, a
district People's Committee included, gets a document it can sign without setting anything.
Saving is audited ("unit.report_settings") in the same transaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from models import Role, Unit, UnitReportSettings, User, db
from workflow import audit, clock
from workflow.errors import InvalidInput, NotFound, PermissionDenied, StaleObject
from workflow.transaction import unit_of_work

PLACEHOLDER = "……"
LIST_FIELDS = ("recipients", "distribution", "signing_authority")
TEXT_FIELDS = ("abbreviation", "place", "parent_body", "signer_title", "signer_name")
FIELDS = TEXT_FIELDS + LIST_FIELDS
# Column sizes of unit_report_settings: PostgreSQL refuses longer values.
MAX_LENGTH = {
    "abbreviation": 40,
    "place": 120,
    "parent_body": 300,
    "signer_title": 120,
    "signer_name": 120,
}
MAX_LINES, MAX_LINE = 30, 300
# Letters (Vietnamese included), digits, "&", "-" and ".": what follows "/BC-".
ABBREVIATION = re.compile(r"^[0-9A-Za-zÀ-ỹĐđ&.\-]+$")
# "quận 8", "huyện Củ Chi", "thành phố Thủ Đức", "Thành phố Hồ Chí Minh": the last one named.
LOCALITY = re.compile(r"\b(quận|huyện|thị xã|thành phố|tỉnh)\s+(\S.*)$", re.IGNORECASE)
PROVINCE = "Thành phố Hồ Chí Minh"


@dataclass
class SettingsInput:
    """What the form sent: text fields, and lists as one entry per line."""

    abbreviation: str = ""
    place: str = ""
    parent_body: str = ""
    recipients: str = ""
    distribution: str = ""
    signing_authority: str = ""
    signer_title: str = ""
    signer_name: str = ""


@dataclass
class ReportSettings:
    """The settings a document is written with: stored values, defaults for the rest."""

    unit_name: str
    abbreviation: str
    place: str
    parent_body: str
    recipients: list[str]
    distribution: list[str]
    signing_authority: list[str]
    signer_title: str
    signer_name: str
    # Which fields came from the defaults (the form shows them as suggestions).
    defaulted: set[str] = field(default_factory=set)

    @property
    def number_line(self) -> str:
        """ "Số:      /BC-UBND": the number is written by the clerk when the report is issued."""
        return f"Số:      /BC-{self.abbreviation}"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def locality(name: str) -> str | None:
    """The place a unit's name ends with ("quận 8", "Thành phố Hồ Chí Minh"), or None."""
    match = LOCALITY.search(_nfc(name))
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}".strip()


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _by_name(units: list[Unit]) -> dict[str, Unit]:
    return {_nfc(u.name).casefold(): u for u in units}


def effective_parent(
    unit: Unit, units: list[Unit], by_name: dict[str, Unit] | None = None
) -> Unit | None:
    """The unit's governing body: its parent in the directory, else, for a district's
    office ("Phòng Giáo dục và Đào tạo quận 8"), the People's Committee of its district.

    The directory leaves district offices without a parent (they answer to the Sở for
    education and to their district for everything else); a report is signed under the
    district's name, so that is the body printed above theirs.
    """
    if unit.parent is not None:
        return unit.parent
    if _nfc(unit.name).casefold().startswith("ủy ban nhân dân"):
        return None
    where = locality(unit.name)
    if where is None or where.casefold() == PROVINCE.casefold():
        return None
    # A dict of the directory by folded name: a city has thousands of units.
    names = by_name if by_name is not None else _by_name(units)
    return names.get(f"ủy ban nhân dân {where}".casefold())


def subordinate_ids(unit_id: int, units: list[Unit]) -> list[int]:
    """The unit and every unit under it (directory parents, district offices under their
    People's Committee), the unit first: whose work and figures its report covers."""
    children: dict[int, list[int]] = {}
    by_name = _by_name(units)
    for u in units:
        parent = effective_parent(u, units, by_name)
        if parent is not None:
            children.setdefault(parent.id, []).append(u.id)
    found, todo = [unit_id], [unit_id]
    while todo:
        for child in sorted(children.get(todo.pop(), [])):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def _abbreviation(unit: Unit) -> str:
    name = _nfc(unit.name).casefold()
    for prefix, short in (
        ("ủy ban nhân dân", "UBND"),
        ("sở giáo dục và đào tạo", "SGDĐT"),
        ("phòng giáo dục và đào tạo", "PGDĐT"),
    ):
        if name.startswith(prefix):
            return short
    return unit.code


def _signature(unit: Unit) -> tuple[list[str], str]:
    """Who signs for the unit by default: the collective ("TM. …") and the head's title."""
    name = _nfc(unit.name).casefold()
    for prefix, authority, title in (
        ("ủy ban nhân dân", ["TM. ỦY BAN NHÂN DÂN"], "CHỦ TỊCH"),
        ("sở ", [], "GIÁM ĐỐC"),
        ("văn phòng", [], "CHÁNH VĂN PHÒNG"),
        ("thanh tra", [], "CHÁNH THANH TRA"),
        ("phòng ", [], "TRƯỞNG PHÒNG"),
        ("trường", [], "HIỆU TRƯỞNG"),
        ("trung tâm", [], "GIÁM ĐỐC"),
        ("đài", [], "GIÁM ĐỐC"),
        ("hội", ["TM. BAN THƯỜNG VỤ"], "CHỦ TỊCH"),
        ("công đoàn", ["TM. BAN THƯỜNG VỤ"], "CHỦ TỊCH"),
    ):
        if name.startswith(prefix):
            return authority, title
    return [], "THỦ TRƯỞNG ĐƠN VỊ"


def _place(unit: Unit, units: list[Unit]) -> str:
    seen: set[int] = set()
    current: Unit | None = unit
    while current is not None and current.id not in seen:
        seen.add(current.id)
        where = locality(current.name)
        if where:
            return _cap(where)
        current = effective_parent(current, units)
    return PLACEHOLDER


def defaults(unit: Unit, units: list[Unit], addressees: list[str] | None = None) -> ReportSettings:
    """Settings derived from the unit's name and parent.

    `addressees` are the bodies the report answers to when the unit has no governing body
    (a district People's Committee reports to the Sở that issued the plans).
    """
    parent = effective_parent(unit, units)
    authority, title = _signature(unit)
    place = _place(unit, units)
    recipients = [parent.name] if parent is not None else []
    if not recipients:
        recipients = [a for a in addressees or [] if a != unit.name][:1]
    if not recipients and place != PLACEHOLDER:
        committee = f"ủy ban nhân dân {place}".casefold()
        recipients = [
            u.name for u in units if _nfc(u.name).casefold() == committee and u.id != unit.id
        ]
    return ReportSettings(
        unit_name=unit.name,
        abbreviation=_abbreviation(unit),
        place=place,
        parent_body=parent.name if parent is not None else "",
        recipients=recipients,
        distribution=["Như trên", "Lưu: VT"],
        signing_authority=authority,
        signer_title=title,
        signer_name="",
        defaulted=set(FIELDS),
    )


def _lines(text: str) -> list[str]:
    """One entry a line, without the "- " and ";" a pasted list carries."""
    out = []
    for line in _nfc(text).splitlines():
        line = line.strip().lstrip("-–+•").strip().rstrip(";,.").strip()
        if line:
            out.append(line)
    return out


def stored(unit_id: int) -> UnitReportSettings | None:
    """The unit's saved row, if it saved any (one statement)."""
    return db.session.execute(
        sa.select(UnitReportSettings).where(UnitReportSettings.unit_id == unit_id)
    ).scalar_one_or_none()


def all_units() -> list[Unit]:
    """The directory, read once for the derivations (one statement)."""
    return list(db.session.execute(sa.select(Unit).order_by(Unit.id)).scalars())


def resolve(
    unit: Unit, units: list[Unit] | None = None, addressees: list[str] | None = None
) -> ReportSettings:
    """The settings a report of `unit` is written with: saved fields over the defaults."""
    units = units if units is not None else all_units()
    result = defaults(unit, units, addressees)
    row = stored(unit.id)
    if row is None:
        return result
    for name in TEXT_FIELDS:
        value = _nfc(getattr(row, name))
        if value:
            setattr(result, name, value)
            result.defaulted.discard(name)
    for name in LIST_FIELDS:
        value = _lines(getattr(row, name))
        if value:
            setattr(result, name, value)
            result.defaulted.discard(name)
    return result


def can_edit(user: User, unit_id: int) -> bool:
    """The unit's own coordinators, and admins."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and user.unit_id == unit_id


def _clean(data: SettingsInput) -> dict[str, str]:
    values = {name: _nfc(getattr(data, name)) for name in TEXT_FIELDS}
    for name, limit in MAX_LENGTH.items():
        if len(values[name]) > limit:
            raise InvalidInput(
                "Trường «%(field)s» dài quá %(limit)s ký tự; chưa lưu gì.",
                field=LABELS[name],
                limit=limit,
            )
    if values["abbreviation"] and not ABBREVIATION.match(values["abbreviation"]):
        raise InvalidInput(
            "Chữ viết tắt của cơ quan chỉ gồm chữ, số và các dấu «-», «&», «.» "
            "(ví dụ UBND, PGDĐT); chưa lưu gì."
        )
    for name in LIST_FIELDS:
        lines = _lines(getattr(data, name))
        if len(lines) > MAX_LINES or any(len(line) > MAX_LINE for line in lines):
            raise InvalidInput(
                "Trường «%(field)s» có tối đa %(max_lines)s dòng, mỗi dòng tối đa "
                "%(max_line)s ký tự; chưa lưu gì.",
                field=LABELS[name],
                max_lines=MAX_LINES,
                max_line=MAX_LINE,
            )
        values[name] = "\n".join(lines)
    return values


LABELS = {
    "abbreviation": "Chữ viết tắt trong số văn bản",
    "place": "Địa danh",
    "parent_body": "Cơ quan chủ quản",
    "recipients": "Kính gửi",
    "distribution": "Nơi nhận",
    "signing_authority": "Thẩm quyền ký",
    "signer_title": "Chức vụ người ký",
    "signer_name": "Họ tên người ký",
}


def save(
    unit_id: int, actor: User, data: SettingsInput, *, expected_version: int | None = None
) -> int:
    """Store the unit's report settings (empty fields use the defaults); audited.

    Refuses users other than the unit's coordinators and admins, values that do not fit,
    and a form loaded before someone else's save (`expected_version`). Returns the version.
    """
    if not can_edit(actor, unit_id):
        raise PermissionDenied(
            "Chỉ điều phối viên của đơn vị và quản trị viên được sửa thông tin ký gửi báo cáo."
        )
    values = _clean(data)
    with unit_of_work():
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            raise NotFound("Không tìm thấy đơn vị.")
        row = stored(unit_id)
        before = None
        if row is None:
            row = UnitReportSettings(unit_id=unit_id)
            db.session.add(row)
        else:
            if expected_version is not None and row.version != expected_version:
                raise StaleObject(
                    "Thông tin ký gửi báo cáo vừa được người khác sửa. Hãy tải lại trang rồi "
                    "thử lại."
                )
            before = {name: getattr(row, name) for name in FIELDS}
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_by_id = actor.id
        row.updated_at = clock.now()
        db.session.flush()
        audit.record(
            "unit.report_settings",
            actor=actor,
            object_type="unit",
            object_id=unit_id,
            unit_id=unit_id,
            before=before,
            after=values,
        )
        version = row.version
    return version


def as_form(settings: ReportSettings) -> dict[str, str]:
    """The resolved settings as the form's fields (lists one entry a line)."""
    data = asdict(settings)
    return {name: "\n".join(data[name]) if name in LIST_FIELDS else data[name] for name in FIELDS}
