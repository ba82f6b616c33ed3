"""The plan-wide timeframe: what items without a timeframe of their own take.

DESIGN.md: "An item with no timeframe of its own takes the plan's ("Thời gian thực hiện:
năm 2025", or the year in the plan's title); with neither, it has none." The plan's own
is, in order: a "Thời gian thực hiện: …" label outside every task; the text under a
heading "Thời gian thực hiện" (a numbered heading or a Roman section of that name); the
year the title names ("… năm 2025", "năm học 2024 - 2025").
"""

from __future__ import annotations

import re

from .fields import TIMEFRAME, detect_label
from .segment import Outline
from .textutil import fold, match_key
from .timeframes import parse_timeframe

_HEADING = re.compile(r"^thoi gian(?: thuc hien| trien khai)?(?: ke hoach)?$")
_TITLE_YEAR = re.compile(r"\b(nam hoc\s+20\d{2}\s*-\s*20\d{2}|nam\s+20\d{2})\b")


def _usable(text: str, year: int | None) -> str:
    text = " ".join(text.split()).strip(" .;:")
    if not text or len(text) > 300:
        return ""
    return text if parse_timeframe(text, year).periods else ""


def plan_timeframe(outline: Outline, title: str | None, year: int | None) -> str:
    """The plan-wide timeframe as written, or "" (see the module docstring)."""
    for para, node, _section in outline.loose:
        if node is not None and node.is_task:
            continue
        label = detect_label(para.text)
        if label and label[0] == TIMEFRAME:
            found = _usable(label[1], year)
            if found:
                return found
    for node in outline.nodes:
        if _HEADING.match(match_key(node.text).strip()) and node.content:
            found = _usable(node.content[0], year)
            if found:
                return found
    for section in outline.sections:
        if _HEADING.match(match_key(section.title).strip()):
            for para in section.paragraphs:
                found = _usable(
                    detect_label(para.text)[1] if detect_label(para.text) else para.text, year
                )
                if found:
                    return found
    m = _TITLE_YEAR.search(fold(title or ""))
    if m:
        raw = re.search(r"n\S*m(?:\s+h\S*c)?\s+20\d{2}(?:\s*[-–]\s*20\d{2})?", title or "", re.I)
        if raw and fold(raw.group(0)).replace(" ", "") == m.group(1).replace(" ", ""):
            return raw.group(0)
        return m.group(1)
    return ""
