"""Which directory entries a plan may name: the issuer's own place and level.

A directory serves one city. A mention resolves only to what the issuing body could
mean: a Hà Nội district's "Phòng Giáo dục và Đào tạo" is never a Ho Chi Minh City
office, nor the group of all of them; a district plan's fuzzy match to another
district's office is refused (the text must name that district in full); a group fans
out only when the text names it, never on a fuzzy match. What is refused stays as
written, and the review proposes it as a new unit under the issuer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .directory import Directory, Entry, Match
from .metadata import outside_directory, place_of
from .textutil import fold

EXACT = 0.999  # a match at or above this is the text naming the entry
_PLURAL = re.compile(
    r"^(?:cac|nhung|toan the|tat ca)\b|\b(?:cac|nhung)\s+(?:quan|huyen|phuong|xa)\b"
)


_DISTRICT_WORDS = ("quan ", "huyen ", "phuong ", "xa ", "thi xa ", "thi tran ")


def _place(name: str) -> str:
    """The folded place a name ends with; "" for a bare "Thành phố" or "quận" (the
    issuer's own city or district, named relatively)."""
    place = fold(place_of(name) or "")
    return place if len(place.split()) > 1 and place != "thanh pho" else ""


@dataclass
class Scope:
    """The issuer as the directory knows it, and the places its plans may reach."""

    issuer: str | None = None
    entry: Entry | None = None  # the issuer's own directory entry, when it has one
    place: str = ""  # folded place of the issuer ("quan ba dinh"), "" when none
    inside: bool = True  # the issuer belongs to the directory's territory
    places: set[str] = field(default_factory=set)
    directory: Directory | None = None
    confidence: float = 0.0  # of the issuer's own match

    @classmethod
    def of(cls, directory: Directory | None, issuer: str | None, where: str | None = None) -> Scope:
        """The scope of plans issued by `issuer` (a name as the plan writes it); `where`
        is the issuer's place as the header or title gives it, when the name has none
        (metadata.PlanMeta.place): a "Sở Giáo dục và Đào tạo" under "UBND THÀNH PHỐ ĐÀ
        NẴNG" is not the directory's, and none of the directory's units are its own."""
        if directory is None or not issuer:
            return cls(issuer=issuer, directory=directory)
        places = {p for p in (_place(u.name) for u in directory.units) if p}
        place = _place(issuer)
        if not place and outside_directory(where, directory):
            return cls(issuer, None, fold(where or ""), False, places, directory, 0.0)
        match = directory.lookup(issuer)
        entry = None
        if match is not None and match.entry.kind != "group":
            # The issuer's own name matched fuzzily to another place's body ("Ủy ban
            # nhân dân quận Ba Đình" is not "… quận Bình Tân"): not the issuer.
            other = _place(match.entry.name)
            if match.confidence >= EXACT or not place or other == place:
                entry = match.entry
        if entry is not None and not place:
            place = _place(entry.name)
        inside = entry is not None or not place or place in places
        confidence = match.confidence if entry is not None and match is not None else 0.0
        return cls(issuer, entry, place, inside, places, directory, confidence)

    def allows(self, match: Match, text: str = "") -> bool:
        """Whether a plan of this issuer may mean `match`'s entry when it writes `text`."""
        entry, exact = match.entry, match.confidence >= EXACT
        if not self.inside:
            return False  # none of the directory's units is this issuer's
        if entry.kind == "group":
            # A group fans out only when the text names one: exactly, or in the plural
            # through OCR damage ("Các phòng thuộc S& GDPT"); a singular name that
            # merely looks like a group's ("Phòng Giáo dục và Đào tạo") never does.
            named = self.directory.named(text) if self.directory is not None else None
            if named is not None and named.code == entry.code:
                return True
            return bool(_PLURAL.search(fold(text)) or "," in text) and match.confidence >= 0.85
        other = _place(entry.name)
        district = self.place.startswith(_DISTRICT_WORDS) or self.place in self.places
        if district and other and other != self.place:
            return exact  # another district's office, only when named in full
        return True

    def own_member(self, group_code: str) -> Entry | None:
        """The member of a group that is the issuer, or the issuer's office of that kind
        ("Phòng GD&ĐT" in a plan of UBND quận Gò Vấp is the office of quận Gò Vấp)."""
        if self.entry is None or self.directory is None:
            return None
        members = self.directory.members(group_code)
        for member in members:
            if member.code == self.entry.code:
                return member
        local = [m for m in members if self.place and _place(m.name) == self.place]
        return local[0] if len(local) == 1 else None

    @staticmethod
    def singular(text: str) -> bool:
        """Whether a mention names one body ("Phòng GD&ĐT", not "các Phòng GD&ĐT")."""
        return not _PLURAL.search(fold(text)) and "," not in text

    def describe(self) -> dict[str, object]:
        """The issuer's resolution for the draft: its code and how sure, its place, and
        whether the directory's units are within its reach."""
        return {
            "code": self.entry.code if self.entry else None,
            "unit": self.entry.name if self.entry else None,
            "confidence": round(self.confidence, 3),
            "place": self.place or None,
            "inside": self.inside,
        }

    def proposal(self) -> dict[str, str | None]:
        """Where a unit the directory lacks would go: under the issuer."""
        return {
            "parent": self.entry.name if self.entry else self.issuer,
            "parent_code": self.entry.code if self.entry else None,
        }
