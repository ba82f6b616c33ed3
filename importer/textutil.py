"""Small text helpers shared by the pipeline: folding and matching keys.

Folding removes case and diacritics so that OCR-stripped text compares equal to clean
Vietnamese; the match key goes further and undoes the OCR damage that is typical of
scanned administrative documents (digits read for letters, "Đ" read as "P" or "B").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Digits that OCR engines put in place of Vietnamese vowels ("T6 chức" = "Tổ chức",
# "x4 hội" = "xã hội", "S& GDĐT" = "Sở GDĐT"). Applied only inside tokens that also
# hold letters, so that numbers ("2024", "1927/KH") are left alone.
_OCR_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "a", "4": "a", "5": "o", "6": "o", "9": "o"})

# Abbreviations that the genre uses everywhere; expanding them on both sides of a
# comparison lets "Phòng GDĐT" meet "Phòng Giáo dục và Đào tạo".
_EXPANSIONS = {
    "ubnd": "uy ban nhan dan",
    "gddt": "giao duc va dao tao",
    "tp": "thanh pho",
    "tt": "trung tam",
}
_GDDT_OCR = re.compile(r"\bgd\s?(?:[dpb]{1,2}|d d)\s?t\b")
_LEADING_FILLERS = ("cac ", "nhung ", "toan the ", "tat ca ")


def strip_marks(text: str) -> str:
    """Remove Vietnamese diacritics, keeping case and punctuation."""
    decomposed = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def fold(text: str | None) -> str:
    """Lower-case, diacritics-free, punctuation-free form used for comparisons.

    This is the same folding as the scoring tool, so "equal when folded" here means
    "equal" to the reviewer of an import.
    """
    text = strip_marks(str(text or "")).lower()
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def _repair_token(token: str) -> str:
    if token.isdigit() or not any(c.isdigit() for c in token):
        return token
    if not any(c.isalpha() for c in token):
        return token
    return token.translate(_OCR_DIGITS)


# Names and labels are short; a long text is rarely looked up twice, and caching it would
# keep a hostile document's text alive in the worker for good (H2).
_CACHED_KEY_LENGTH = 200


def match_key(text: str) -> str:
    """Aggressive key for fuzzy matching of names damaged by OCR (see `_match_key`)."""
    if len(text) > _CACHED_KEY_LENGTH:
        return _match_key(text)
    return _cached_match_key(text)


def _match_key(text: str) -> str:
    """Aggressive key for fuzzy matching of names damaged by OCR.

    Folds, turns OCR digits back into vowels, normalises "GDĐT" spellings, expands
    common abbreviations, maps word-initial "p"/"b" + vowel to "d" (OCR reads "Đ" as
    "P" or "B"; applied to both sides, this costs nothing for clean text) and drops
    leading quantifiers such as "các".
    """
    raw = strip_marks(text).lower().replace("&", " ")
    raw = " ".join(_NON_ALNUM.sub(" ", raw).split())
    raw = _GDDT_OCR.sub("gddt", raw)
    tokens = []
    for token in raw.split():
        token = _repair_token(token)
        token = _EXPANSIONS.get(token, token)
        tokens.append(token)
    key = " ".join(tokens)
    key = re.sub(r"\b[pb](?=[aeiouy])", "d", key)
    for filler in _LEADING_FILLERS:
        if key.startswith(filler):
            return key[len(filler) :]
    first, _, rest = key.partition(" ")
    if rest and len(first) == 4 and first[0] == "c" and first[-1] == "c":
        return rest  # "céac", "c4c": OCR's "các"
    return key


_cached_match_key = lru_cache(maxsize=65536)(_match_key)


def squash_spaces(text: str) -> str:
    """Collapse runs of whitespace into one space and trim."""
    return " ".join(text.split())


def capitalize_first(text: str) -> str:
    """Upper-case the first letter only ("các đơn vị" -> "Các đơn vị")."""
    for i, c in enumerate(text):
        if c.isalpha():
            return text[:i] + c.upper() + text[i + 1 :]
    return text
