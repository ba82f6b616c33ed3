"""Segmentation: paragraphs -> a tree of numbered items with their labelled fields.

Follows DESIGN.md "How a parsed plan reads": items keep the document's numbers;
a heading whose lettered sub-items carry their own responsibility is a group and the
sub-items are "1.a", "1.b"; lettered sub-parts that are fields belong to their item;
in an appendix table the STT column numbers the items and Roman rows are sections.
Only nodes that carry responsibility or timeframe fields become tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields import (
    CONTENT,
    COORDINATING,
    IN_CHARGE,
    LEAD,
    TIMEFRAME,
    column_kind,
    detect_label,
    split_labels,
)
from .normalize import Paragraph, is_caps_heading, roman_value, to_roman
from .textutil import fold

TASK_FIELDS = (LEAD, IN_CHARGE, TIMEFRAME)


@dataclass
class Node:
    """A numbered (or lettered, or table-row) item of the plan."""

    number: str
    kind: str  # "number", "letter", "row"
    text: str
    section: str | None = None
    roman: str | None = None
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    content: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return self.number.count(".") + 1

    def add_field(self, kind: str, value: str) -> None:
        self.fields.setdefault(kind, []).append(value)

    @property
    def is_task(self) -> bool:
        return any(self.fields.get(k) for k in TASK_FIELDS)


@dataclass
class Section:
    """A Roman-numbered part of the plan ("IV. TỔ CHỨC THỰC HIỆN")."""

    number: str
    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Outline:
    """The segmented plan: preamble paragraphs, sections and item nodes in order."""

    preamble: list[Paragraph] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    loose: list[tuple[Paragraph, Node | None, Section | None]] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.outline = Outline()
        self.section: Section | None = None
        self.stack: list[Node] = []  # numbered nodes, outermost first
        self.letter: Node | None = None
        self.columns: dict[int, str] | None = None
        # Columns per quarter or month marked "x" (DESIGN.md's timeframe table): index ->
        # ("quý", "II") or ("tháng", "9"); and a year a row above the header names.
        self.marks: dict[int, tuple[str, str]] = {}
        self.mark_year: str | None = None
        self.header_cells: list[str] | None = None
        # A unit label left empty ("Đơn vị phối hợp:"): its units follow as bullets.
        self.open_field: tuple[Node, str] | None = None
        self.last_row: Node | None = None
        self.row_numbers: dict[str, Node] = {}
        # What rows cut by page breaks add to last_row, by kind: joined once in
        # _settle_row, since appending to a growing string at every row is quadratic (H2).
        self.row_more: dict[str, list[str]] = {}

    # -- helpers -------------------------------------------------------------
    def _roman(self) -> str | None:
        return self.section.number if self.section else None

    def _current(self) -> Node | None:
        if self.letter is not None:
            return self.letter
        return self.stack[-1] if self.stack else None

    def _new_node(self, number: str, kind: str, text: str, parent: Node | None) -> Node:
        node = Node(number=number, kind=kind, text=text, roman=self._roman(), parent=parent)
        node.section = parent.number if parent is not None else self._roman()
        if parent is not None:
            parent.children.append(node)
        self.outline.nodes.append(node)
        return node

    def _loose(self, para: Paragraph) -> None:
        node = self._current()
        if node is not None:
            node.paragraphs.append(para)
        self.outline.loose.append((para, node, self.section))

    # -- paragraphs -----------------------------------------------------------
    def feed(self, para: Paragraph) -> None:
        open_field, self.open_field = self.open_field, None
        if open_field is not None and para.kind == "bullet" and not detect_label(para.text):
            # "Đơn vị phối hợp:" and then one unit per "+ " bullet line.
            node, kind = open_field
            node.add_field(kind, para.text)
            node.paragraphs.append(para)
            self.open_field = open_field
            return
        if para.kind == "row":
            self._row(para)
            return
        self.columns = None
        if para.kind == "roman":
            value = roman_value(para.marker) or 1
            previous = roman_value(self.section.number) if self.section else 0
            if previous and value <= previous:
                value = previous + 1  # OCR ("1." for "II.") or a typo repeats a number
            self.section = Section(to_roman(value), para.text)
            self.outline.sections.append(self.section)
            self.stack = []
            self.letter = None
            return
        if self.section is None and not self.stack:
            self.outline.preamble.append(para)
        if self.section is not None:
            self.section.paragraphs.append(para)
        if para.kind == "number":
            depth = para.marker.count(".") + 1
            while self.stack and self.stack[-1].depth >= depth:
                self.stack.pop()
            parent = self.stack[-1] if self.stack else None
            node = self._new_node(para.marker, "number", para.text, parent)
            node.paragraphs.append(para)
            self.stack.append(node)
            self.letter = None
            return
        label = detect_label(para.text)
        if para.kind == "letter":
            owner = self.stack[-1] if self.stack else None
            if label:
                # "b) Đơn vị chủ trì: …" is a field of the numbered item, not a sub-item.
                self.letter = None
                if owner is not None:
                    self._field(owner, label, para)
                else:
                    self._loose(para)
                return
            number = f"{owner.number}.{para.marker}" if owner else para.marker
            self.letter = self._new_node(number, "letter", para.text, owner)
            self.letter.paragraphs.append(para)
            return
        node = self._current()
        if label and node is not None:
            self._field(node, label, para)
            return
        if node is not None:
            node.content.append(para.text)
        self._loose(para)

    def _field(self, node: Node, label: tuple[str, str], para: Paragraph) -> None:
        if label[0] in (LEAD, COORDINATING, IN_CHARGE) and not label[1].strip(" .;:"):
            self.open_field = (node, label[0])
            node.paragraphs.append(para)
            return
        for kind, value in split_labels(*label):
            if kind == CONTENT:
                node.content.append(value)
            else:
                node.add_field(kind, value)
        node.paragraphs.append(para)

    # -- appendix tables ------------------------------------------------------
    def _row(self, para: Paragraph) -> None:
        cells = [c.strip() for c in (para.cells or [])]
        kinds = {i: column_kind(c) for i, c in enumerate(cells)}
        found = {k for k in kinds.values() if k}
        marks = {i: m for i, c in enumerate(cells) if (m := period_column(c))}
        if not marks and self.columns is not None and self.last_row is None and not cells[0]:
            marks = self._bare_period_columns(cells)
        if CONTENT in found and (found & {LEAD, TIMEFRAME, IN_CHARGE} or marks) and len(found) >= 2:
            if self.columns is not None and cells == self.header_cells:
                return  # the header repeated after a page break: the row may go on
            self.header_cells = cells
            self.columns = {i: k for i, k in kinds.items() if k and i not in marks}
            self.marks = marks
            self._settle_row()
            self.last_row = None
            return
        if marks and self.columns is not None and self.last_row is None and not cells[0]:
            # A second header row under "Thời gian thực hiện (năm 2025)": "Quý I | Quý II …".
            self.marks = marks
            self.columns = {i: k for i, k in self.columns.items() if i not in marks}
            year = re.search(r"\b(20\d{2})\b", " ".join(self.header_cells or []))
            self.mark_year = year.group(1) if year else self.mark_year
            return
        if self.columns is None:
            year = re.search(r"\b(20\d{2})\b", " ".join(cells))
            if year and len([c for c in cells if c]) == 1:
                self.mark_year = year.group(1)  # "Thời gian thực hiện năm 2025" above
            self._loose(Paragraph("text", " ".join(c for c in cells if c)))
            return
        values: dict[str, str] = {}
        for i, kind in self.columns.items():
            if i < len(cells) and cells[i]:
                values[kind] = (values.get(kind, "") + " " + cells[i]).strip()
        marked = [m for i, m in self.marks.items() if i < len(cells) and _is_mark(cells[i])]
        if marked and TIMEFRAME not in values:
            values[TIMEFRAME] = marked_timeframe(marked, self.mark_year)
        number = values.pop("number", "").strip().rstrip(".")
        if not number:
            # A row cut by a page break continues the previous row.
            if self.last_row is not None:
                for kind, text in values.items():
                    self.row_more.setdefault(kind, []).append(text)
            return
        self._settle_row()
        content = values.pop(CONTENT, "")
        if roman_value(number) and not re.search(r"\d", number) and not values:
            self.section = Section(number.upper(), content)
            self.outline.sections.append(self.section)
            self.last_row = None
            return
        parent_number = number.rsplit(".", 1)[0] if "." in number else None
        parent = self.row_numbers.get(parent_number) if parent_number else None
        node = self._new_node(number, "row", content, parent)
        for kind, text in values.items():
            node.add_field(kind, text)
        self.row_numbers[number] = node
        self.last_row = node

    def _bare_period_columns(self, cells: list[str]) -> dict[int, tuple[str, str]]:
        """ "I | II | III | IV" or "9 | 10 | 11 | 12" under a header cell "Quý (năm 2025)"
        or "Tháng": the period columns of a two-row header."""
        header = fold(" ".join(self.header_cells or []))
        kind = "quý" if re.search(r"\bquy\b", header) else "tháng" if "thang" in header else None
        if kind is None:
            return {}
        marks: dict[int, tuple[str, str]] = {}
        for i, cell in enumerate(cells):
            text = cell.strip().upper()
            if kind == "quý" and text in ("I", "II", "III", "IV", "1", "2", "3", "4"):
                marks[i] = period_column(f"Quý {text}")  # type: ignore[assignment]
            elif kind == "tháng" and text.isdigit() and 1 <= int(text) <= 12:
                marks[i] = ("tháng", str(int(text)))
        return marks if len(marks) >= 2 else {}

    def _settle_row(self) -> None:
        """Add the continuation rows gathered in row_more to last_row: the content to its
        text, each field to its last value of that kind (or as a new value)."""
        node, more = self.last_row, self.row_more
        self.row_more = {}
        if node is None:
            return
        for kind, texts in more.items():
            if kind == CONTENT:
                node.text = " ".join(x for x in (node.text, *texts) if x)
            elif node.fields.get(kind):
                node.fields[kind][-1] = " ".join((node.fields[kind][-1], *texts))
            else:
                node.add_field(kind, " ".join(texts))


_PERIOD_HEADER = re.compile(
    r"^(?:qu\S{0,2}|q)\s*([1-4]|i{1,3}|iv)(?:\s*[/-]\s*(20\d{2}))?$"
    r"|^(?:th\S{0,3}ng|t)\s*(\d{1,2})(?:\s*[/-]\s*(20\d{2}))?$",
    re.IGNORECASE,
)
_MARKS = {"x", "X", "✓", "✔", "v", "+", "•", "*"}


def period_column(header: str) -> tuple[str, str] | None:
    """ "Quý II", "Q2", "T9", "Tháng 9" as a column header -> ("quý", "II"), ("tháng", "9")."""
    m = _PERIOD_HEADER.match(" ".join(header.split()))
    if not m:
        return None
    if m.group(1):
        q = m.group(1).upper()
        roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(q, q)
        return ("quý", roman + (f"/{m.group(2)}" if m.group(2) else ""))
    month = int(m.group(3))
    if not 1 <= month <= 12:
        return None
    return ("tháng", str(month) + (f"/{m.group(4)}" if m.group(4) else ""))


def _is_mark(cell: str) -> bool:
    return cell.strip() in _MARKS


def marked_timeframe(marked: list[tuple[str, str]], year: str | None) -> str:
    """The timeframe the marked columns say, as a plan would write it: "Quý I, II năm
    2025", "tháng 10, 11" (the plan's year is added when parsed)."""
    parts: list[str] = []
    for kind in ("quý", "tháng"):
        values = [v for k, v in marked if k == kind]
        if values:
            parts.append(f"{kind.capitalize() if not parts else kind} {', '.join(values)}")
    text = " và ".join(parts)
    if year and not re.search(r"20\d{2}", text):
        text += f" năm {year}"
    return text


def _settle_letters(nodes: list[Node]) -> None:
    """Decide whether lettered sub-items are tasks or parts of their parent.

    "a) … b) … - Đơn vị chủ trì: …" where only the last sub-item got fields: the
    fields were the parent's, written after its list of sub-points.
    """
    for node in nodes:
        letters = [c for c in node.children if c.kind == "letter"]
        if len(letters) < 2 or node.is_task:
            continue
        with_fields = [c for c in letters if c.fields]
        if with_fields == [letters[-1]]:
            last = letters[-1]
            for kind, values in last.fields.items():
                for value in values:
                    node.add_field(kind, value)
            last.fields = {}
            for child in letters:
                node.content.append(f"{child.number.rsplit('.', 1)[-1]}) {child.text}")
                node.content.extend(child.content)


def segment(paragraphs: list[Paragraph]) -> Outline:
    """Build the outline of a plan from its paragraphs."""
    builder = _Builder()
    for para in paragraphs:
        builder.feed(para)
    builder._settle_row()
    _settle_letters(builder.outline.nodes)
    return builder.outline


def is_heading_like(text: str) -> bool:
    """Short or capitalised text that reads as a heading, not a task."""
    return is_caps_heading(text) or len(text.split()) <= 3
