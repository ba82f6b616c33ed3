"""Read a directory file (CSV or XLSX): one unit a row, checked row by row.

Pure parsing, no database: `read_unit_table` returns the rows and every problem found,
each in Vietnamese with its row number (the header is row 1, as a spreadsheet shows it).
The workflow refuses the whole file when any problem is reported (all or nothing).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from .textutil import fold

MAX_ROWS = 20_000
MAX_CODE = 40
MAX_NAME = 300

# Header spellings (folded) → field. Vietnamese first: that is what offices send.
HEADERS: dict[str, str] = {
    "ma": "code",
    "ma don vi": "code",
    "ma truong": "code",
    "code": "code",
    "ten": "name",
    "ten don vi": "name",
    "name": "name",
    "loai": "kind",
    "loai don vi": "kind",
    "kind": "kind",
    "ma cap tren": "parent",
    "ma don vi cap tren": "parent",
    "parent": "parent",
    "parent code": "parent",
    "email": "email",
    "thu dien tu": "email",
    "trang thai": "status",
    "status": "status",
    "ma don vi ke thua": "successor",
    "successor": "successor",
    "successor code": "successor",
}

# Kind spellings (folded) → the directory's kind value.
KINDS: dict[str, str] = {
    "authority": "authority",
    "co quan": "authority",
    "so": "authority",
    "ubnd": "authority",
    "department": "department",
    "phong": "department",
    "phong thuoc so": "department",
    "district office": "district_office",
    "phong gd dt": "district_office",
    "phong gddt": "district_office",
    "phong giao duc": "district_office",
    "school": "school",
    "truong": "school",
    "organization": "organization",
    "to chuc": "organization",
}

RETIRED = frozenset({"giai the", "ngung hoat dong", "retired", "sap nhap"})
ACTIVE = frozenset({"", "hoat dong", "active", "dang hoat dong"})


@dataclass(frozen=True)
class UnitRow:
    """One unit as the file gives it; `row` is its spreadsheet row number."""

    row: int
    code: str
    name: str
    kind: str
    parent: str | None = None
    email: str | None = None
    retired: bool = False
    successor: str | None = None


@dataclass
class UnitTable:
    """The rows of a directory file and the problems found in it."""

    rows: list[UnitRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cells(data: bytes, filename: str) -> list[list[str]]:
    """The file's cells as text, whatever its format."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v).strip() for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        book.close()
        return rows
    text = data.decode("utf-8-sig")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def read_unit_table(data: bytes, filename: str) -> UnitTable:
    """Parse a directory file. Never raises on bad content: problems go to `errors`."""
    table = UnitTable()
    try:
        cells = _cells(data, filename)
    except UnicodeDecodeError:
        table.errors.append("Tệp CSV không ở mã UTF-8; hãy lưu lại với mã UTF-8.")
        return table
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        table.errors.append("Không đọc được tệp; hãy dùng tệp CSV (UTF-8) hoặc XLSX.")
        return table
    cells = [row for row in cells if any(row)] if cells else []
    if not cells:
        table.errors.append("Tệp không có dữ liệu.")
        return table
    header = [HEADERS.get(fold(h).replace("_", " ")) for h in cells[0]]
    missing = [n for n, f in (("mã", "code"), ("tên", "name"), ("loại", "kind")) if f not in header]
    if missing:
        table.errors.append(
            "Dòng 1: thiếu cột " + ", ".join(f"«{m}»" for m in missing) + " (dòng tiêu đề)."
        )
        return table
    if len(cells) - 1 > MAX_ROWS:
        table.errors.append(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS:,}).".replace(",", "."))
        return table
    seen_codes: dict[str, int] = {}
    # Names repeat across districts (the code identifies a unit), never under one parent.
    seen_names: dict[tuple[str | None, str], int] = {}
    for number, raw in enumerate(cells[1:], start=2):
        values = {f: (raw[i] if i < len(raw) else "") for i, f in enumerate(header) if f}
        row = _row(number, values, table.errors)
        if row is None:
            continue
        if row.code in seen_codes:
            table.errors.append(
                f"Dòng {number}: mã «{row.code}» trùng với dòng {seen_codes[row.code]}."
            )
            continue
        sibling = (row.parent, fold(row.name))
        if sibling in seen_names:
            table.errors.append(
                f"Dòng {number}: tên «{row.name}» trùng với dòng {seen_names[sibling]}"
                " (cùng đơn vị cấp trên)."
            )
            continue
        seen_codes[row.code] = number
        seen_names[sibling] = number
        table.rows.append(row)
    return table


def _row(number: int, values: dict[str, str], errors: list[str]) -> UnitRow | None:
    """One row checked on its own, or None (its problem appended to `errors`)."""
    code = values.get("code", "").strip().upper()
    name = " ".join(values.get("name", "").split())
    kind_text = fold(values.get("kind", "")).replace("_", " ")
    status = fold(values.get("status", ""))
    problem = None
    if not code:
        problem = "thiếu mã đơn vị"
    elif len(code) > MAX_CODE:
        problem = f"mã «{code[:50]}» dài quá {MAX_CODE} ký tự"
    elif not name:
        problem = "thiếu tên đơn vị"
    elif len(name) > MAX_NAME:
        problem = f"tên đơn vị dài quá {MAX_NAME} ký tự"
    elif kind_text not in KINDS:
        problem = f"loại đơn vị «{values.get('kind', '')}» không hợp lệ"
    elif status not in RETIRED | ACTIVE:
        problem = f"trạng thái «{values.get('status', '')}» không hợp lệ (để trống hoặc «giải thể»)"
    if problem:
        errors.append(f"Dòng {number}: {problem}.")
        return None
    parent = values.get("parent", "").strip().upper() or None
    successor = values.get("successor", "").strip().upper() or None
    if parent == code or successor == code:
        errors.append(f"Dòng {number}: đơn vị «{code}» không thể trực thuộc hay kế thừa chính nó.")
        return None
    return UnitRow(
        row=number,
        code=code,
        name=name,
        kind=KINDS[kind_text],
        parent=parent,
        email=values.get("email", "").strip() or None,
        retired=status in RETIRED or successor is not None,
        successor=successor,
    )
