"""Finding Vietnamese left on an English page, data values excepted.

Vietnamese is told by its diacritic letters. A page's visible text (text nodes and the
title, aria-label, placeholder and alt attributes; not <script>, <style>, nor elements
marked lang="vi", such as the language switch) is cut into runs between tags; a run's
Vietnamese words are forgiven when they lie inside a data value stored in the database
(unit names, plan and task titles, people's names, reports...), found whole in the run,
or when the run is a piece of one data value (a title shortened with "…").
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

from models import db

VIETNAMESE = "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
_VI_WORD = re.compile(rf"[\w]*[{VIETNAMESE}{VIETNAMESE.upper()}][\w]*")
# Upper-case abbreviations in document numbers and unit codes ("QĐ-TTg", "SGDĐT") are
# names, not words to translate.
_ABBREVIATION = re.compile(r"^[A-ZĐ][A-ZĐa-z]*$")
# Between values on one line: dashes, middle dots, arrows, a parenthesised unit.
# A task's number before its title ("7. Đẩy mạnh…") is cut off too.
_SEPARATORS = re.compile(r"\s[—–·→]\s|\s\(|\)|^[·]\s|:\s|(?:(?<=\s)|^)\d+(?:\.\d+)*\.\s")
# Runs that show Vietnamese on purpose, whatever the language: examples of what to type
# (searches, timeframes and the year-end report's fields are Vietnamese text), and the
# fixed wording of the year-end report, a Vietnamese administrative document whose form
# Decree 30/2020/NĐ-CP sets, shown as it will be printed.
ALLOWED_PREFIXES = (
    "e.g. ",
    "Suggestion: ",
    "Columns: code, name, kind, parent code",  # quotes the file's value «giải thể»
    "Used for the document number, place, “Kính gửi”",
    "Use this when a document cannot be imported",  # quotes a timeframe “Quý IV/2024”
)
# Reference data the app reads from files rather than from the database: the UNESCO
# indicator framework (titles shown on the indicator pages) and the unit directory.
DATA_FILES = ("data/indicators/unesco_learning_city.json", "data/units.json")
ROOT = Path(__file__).resolve().parents[2]


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


_ATTRS = ("title", "aria-label", "placeholder", "alt")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden: script/style/lang=vi)

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        values = dict(attrs)
        hidden = tag in ("script", "style") or values.get("lang") == "vi"
        if not (hidden or self._hidden()):
            self.runs += [values[a] for a in _ATTRS if values.get(a)]
        if tag not in _VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):  # noqa: ANN001
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):  # noqa: ANN001
        if not self._hidden() and data.strip():
            self.runs.append(" ".join(data.split()))


def visible_runs(html: str) -> list[str]:
    """The page's visible text, one run per text node or labelled attribute."""
    parser = _Text()
    parser.feed(html)
    return parser.runs


class DataStrings:
    """Every string value stored in the database, indexed by its Vietnamese words."""

    def __init__(self) -> None:
        self.by_word: dict[str, set[str]] = defaultdict(set)
        self.refresh()

    def add(self, values: Iterable[object]) -> None:
        """Count these values as data too (values the app computes from the data)."""
        for value in values:
            self._add(value)

    def _add(self, value: object) -> None:
        if not value or not isinstance(value, str):
            return
        for part in value.split("\n"):
            part = " ".join(part.split())
            for word in _VI_WORD.findall(part):
                self.by_word[word].add(part)

    def refresh(self) -> None:
        """Read the data again (after the test changed it)."""
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, sa.String)]
            for column in columns:
                for value in db.session.execute(sa.select(column).distinct()).scalars():
                    self._add(value)
        for name in DATA_FILES:
            with (ROOT / name).open(encoding="utf-8") as f:
                for value in _json_strings(json.load(f)):
                    self._add(value)

    def untranslated(self, run: str) -> list[str]:
        """The Vietnamese words of `run` that no data value explains.

        A run is judged piece by piece between the separators pages put between values
        ("4403/KH-SGDĐT — title", "date · action · person (unit)"), so that a shortened
        title next to a plan number is still recognised as data.
        """
        if any(run.startswith(prefix) for prefix in ALLOWED_PREFIXES):
            return []
        if not self._piece(run):
            return []
        left = []
        for piece in _SEPARATORS.split(run):
            left += self._piece(piece.strip())
        return left

    def _piece(self, run: str) -> list[str]:
        words = _VI_WORD.findall(run)
        if not words:
            return []
        covered = [False] * len(run)
        stem = run.rstrip("…. ").strip()
        for word in set(words):
            for value in self.by_word.get(word, ()):
                if stem and stem in value:
                    return []  # the run is (a piece of) one data value
                start = run.find(value)
                while start != -1:
                    for i in range(start, start + len(value)):
                        covered[i] = True
                    start = run.find(value, start + 1)
        left = []
        for match in _VI_WORD.finditer(run):
            if _ABBREVIATION.match(match.group()):
                continue
            if not all(covered[match.start() : match.end()]):
                left.append(match.group())
        return left
