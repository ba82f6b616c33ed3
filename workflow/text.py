"""Folding Vietnamese text for comparisons that ignore case and diacritics."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str | None) -> str:
    """Lower-case ASCII with diacritics removed and punctuation collapsed to spaces."""
    decomposed = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(_NON_WORD.sub(" ", stripped.lower()).split())
