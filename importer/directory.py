"""The unit directory the importer resolves mentions against.

Built from plain records so that the app can construct it from the database (including
aliases that coordinators add while reviewing imports); `from_json` reads the seed file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from .textutil import fold, match_key

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "units.json"


@dataclass(frozen=True)
class UnitRecord:
    """One unit (department, district office, school, partner body)."""

    code: str
    name: str
    kind: str = "unit"
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    email: str | None = None


@dataclass(frozen=True)
class GroupRecord:
    """A named set of units ("Phòng GDĐT các quận, huyện")."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """What a mention resolves to."""

    code: str
    name: str
    kind: str  # "unit" or "group"
    parent: str | None = None


@dataclass(frozen=True)
class Match:
    """A resolution with its confidence (0..1)."""

    entry: Entry
    confidence: float


def _record(cls: type, data: Any) -> Any:
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a mapping or {cls.__name__}, got {type(data).__name__}")
    known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
    for key in ("aliases", "members"):
        if key in known:
            known[key] = tuple(known[key] or ())
    return cls(**known)


class Directory:
    """Units and groups, indexed by a fuzzy-matching key of every name and alias."""

    def __init__(
        self,
        units: Iterable[UnitRecord | Mapping[str, Any]] = (),
        groups: Iterable[GroupRecord | Mapping[str, Any]] = (),
    ) -> None:
        self.units = [_record(UnitRecord, u) for u in units]
        self.groups = [_record(GroupRecord, g) for g in groups]
        self._by_key: dict[str, Entry] = {}
        for unit in self.units:
            entry = Entry(unit.code, unit.name, "unit", unit.parent)
            for name in (unit.name, *unit.aliases):
                self._by_key.setdefault(match_key(name), entry)
        for group in self.groups:
            entry = Entry(group.code, group.name, "group")
            for name in (group.name, *group.aliases):
                self._by_key.setdefault(match_key(name), entry)
        self._by_key.pop("", None)
        # Names and aliases exactly as written (folded): a group is named only this way.
        self._by_fold: dict[str, Entry] = {}
        for unit in self.units:
            for name in (unit.name, *unit.aliases):
                entry = Entry(unit.code, unit.name, "unit", unit.parent)
                self._by_fold.setdefault(_named_key(name), entry)
        for group in self.groups:
            for name in (group.name, *group.aliases):
                self._by_fold.setdefault(_named_key(name), Entry(group.code, group.name, "group"))
        self._keys = list(self._by_key)
        self._cache: dict[str, Match | None] = {}

    @classmethod
    def from_json(cls, path: str | Path) -> Directory:
        """Load `{"units": [...], "groups": [...]}` as in data/units.json."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data.get("units", ()), data.get("groups", ()))

    def __len__(self) -> int:
        return len(self.units) + len(self.groups)

    def by_code(self, code: str) -> Entry | None:
        """The entry for a unit or group code."""
        for entry in self._by_key.values():
            if entry.code == code:
                return entry
        return None

    def named(self, text: str) -> Entry | None:
        """The entry whose name or alias `text` is, letter for letter once folded."""
        return self._by_fold.get(_named_key(text))

    def members(self, code: str) -> list[Entry]:
        """The units of a group, as entries (empty for a unit or an unknown code)."""
        group = next((g for g in self.groups if g.code == code), None)
        if group is None:
            return []
        units = {u.code: u for u in self.units}
        return [
            Entry(u.code, u.name, "unit", u.parent)
            for u in (units.get(c) for c in group.members)
            if u is not None
        ]

    def lookup(self, text: str, min_score: float = 82.0) -> Match | None:
        """Best directory entry for one mention, or None.

        Exact key hits score 1.0. Otherwise rapidfuzz's ratio on the OCR-repaired keys
        decides, with a guard on word counts: OCR damages letters, it rarely removes
        whole words, and a missing word is usually a different unit ("Văn phòng" of a
        school is not "Văn phòng Sở").
        """
        key = match_key(text)
        if not key:
            return None
        if key in self._cache:
            return self._cache[key]
        result: Match | None = None
        if key in self._by_key:
            result = Match(self._by_key[key], 1.0)
        elif self._keys:
            best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=min_score)
            if best is not None:
                cand, score, _ = best
                words, cand_words = len(key.split()), len(cand.split())
                shortest = min(len(key), len(cand))
                if (shortest < 12 and score < 92) or (shortest < 18 and score < 86):
                    best = None
                elif words != cand_words and not (
                    abs(words - cand_words) == 1 and len(key) >= 20 and score >= 90
                ):
                    # OCR splits and merges words ("cén?bcf)"): compare without spaces,
                    # still refusing a whole missing word on short names.
                    glued = fuzz.ratio(key.replace(" ", ""), cand.replace(" ", ""))
                    if not (len(key) >= 18 and glued >= 86 and abs(len(key) - len(cand)) <= 4):
                        best = None
                if best is not None and not _ends_agree(key, cand):
                    best = None
                if best is not None:
                    result = Match(self._by_key[cand], round(score / 100.0, 3))
        self._cache[key] = result
        return result


def _named_key(text: str) -> str:
    """The match key, keeping a leading plural ("các …"): "Phòng GD&ĐT" names the
    alias "Phòng GDĐT", but "Phòng Giáo dục và Đào tạo" does not name "các Phòng …"."""
    head = fold(text).split(" ", 1)[0]
    key = match_key(text)
    if head in ("cac", "nhung") and not key.startswith(head + " "):
        return f"{head} {key}"
    return key


def _ends_agree(key: str, cand: str) -> bool:
    """First and last words must look alike: a high overall ratio can hide a swapped
    tail ("… Đại học, Phòng Giáo dục Mầm non" is not "… Đại học, Sở Giáo dục và Đào tạo").
    """
    kw, cw = key.split(), cand.split()
    if fuzz.ratio(kw[0], cw[0]) < 50 or fuzz.ratio(kw[-1], cw[-1]) < 50:
        return False
    # Same number of words: each must look like its counterpart, or a proper name
    # differs ("quận Ba Đình" is not "quận Tân Bình").
    # Words of one letter are OCR debris ("nghi¢p" -> "nghi p"); allow a shift of one.
    for i, word in enumerate(kw):
        if len(word) < 2:
            continue
        window = cw[max(0, i - 1) : i + 2]
        if not any(fuzz.ratio(word, other) >= 42 for other in window):
            return False
    return True


def default_directory() -> Directory:
    """The directory the CLI uses: data/units.json in the repository."""
    return Directory.from_json(DEFAULT_PATH)
