"""Vietnamese syllables: their spelling structure and their folded key.

A syllable is an onset (consonants, possibly none) and a rhyme (vowels, an optional
final consonant, one tone mark). The diacritics model keys syllables by their folded
form ("đường" -> "duong") and asks whether a written form can be Vietnamese at all.
"""

from __future__ import annotations

import re
import unicodedata

# Longest first, so that "ngh" is tried before "ng" and "n".
ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "kh", "ph", "th", "tr", "gi", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
)  # fmt: skip
_VOWELS = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵ"
_RHYME = re.compile(rf"^[{_VOWELS}]{{1,3}}(?:ch|nh|ng|c|m|n|p|t)?$")
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def syllable_key(word: str) -> str:
    """Lower-case, diacritics-free form ("Đường" -> "duong")."""
    decomposed = unicodedata.normalize("NFD", word.lower()).replace("đ", "d")
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("\u0111", "d")


def tone_marks(word: str) -> int:
    """How many tone marks a word carries (a syllable has at most one)."""
    return sum(c in _TONES for c in unicodedata.normalize("NFD", word))


def split_syllable(word: str) -> tuple[str, str] | None:
    """(onset, rhyme) of a lower-case NFC word, or None when it cannot be a syllable."""
    if not word or len(word) > 7 or tone_marks(word) > 1:
        return None
    for onset in (*ONSETS, ""):
        if not word.startswith(onset):
            continue
        rhyme = word[len(onset) :]
        if onset in ("gi", "qu") and not _RHYME.match(rhyme):
            continue  # "gì", "gìn": the i belongs to the rhyme
        if _RHYME.match(rhyme):
            return onset, rhyme
    return None
