"""Abbreviations a plan defines, in every form it writes them.

- "Phòng Giáo dục và Đào tạo huyện Đông Anh (sau đây gọi tắt là Phòng GDĐT)"
- "Phòng Khảo thí, Quản lý chất lượng và Công nghệ thông tin (được gọi tắt là
  Phòng KT-QLCL&CNTT)", also without brackets: "…, sau đây gọi tắt là …,"
- "Giáo viên bộ môn (GVBM)", "Tổng phụ trách Đội (TPT Đội)"

The long form is the run of words before the definition whose initials spell the short
form: exactly, for a bare bracket; in order with more words allowed (a place such as
"huyện Đông Anh", a comma, "và"), when the plan says "gọi tắt là". `units.find_abbreviations`
knows the simplest forms; this module adds the rest and gives the short form as written,
so that the pipeline can put the full name in its place before units are resolved.

Linear: one pass of a regular expression over the text, and a bounded window of words
before each definition.
"""

from __future__ import annotations

import re

from .textutil import fold

_CALLED = r"(?:sau\s+đây\s+|sau\s+day\s+)?(?:được\s+|duoc\s+)?g[oọ]i\s+(?:t[aắ]t\s+)?l[aà]\s+"
_DEFINED = re.compile(
    rf"\(\s*{_CALLED}(?P<a>[^()]{{1,40}}?)\s*\)"
    rf"|,?\s+{_CALLED}(?P<b>[^,;.()]{{1,40}}?)\s*(?=[,;.)]|$)"
    r"|\((?P<c>[A-ZĐ][A-ZĐ&\-]{1,11}(?:\s+[A-ZĐ][^\s()]{0,10}){0,2})\)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\s,;()]+")
_SKIP = {"va", "-", "&", "cua"}
_WINDOW = 24  # words before a definition that may belong to the long form
MAX_DEFINITIONS = 100


def _letters(alias: str) -> tuple[list[str], list[str]]:
    """(head words, initials) of a short form: "Phòng KT-QLCL&CNTT" -> (["phong"],
    list("ktqlclcntt")); "TPT Đội" -> ([], ["t", "p", "t", "d"])."""
    heads: list[str] = []
    letters: list[str] = []
    for tok in alias.split():
        if re.match(r"^[A-ZĐ][A-ZĐ&\-]{1,}$", tok):
            letters += [c for c in fold(tok).replace(" ", "")]
        elif not letters:
            heads.append(fold(tok))
        else:
            letters.append(fold(tok)[:1])
    return heads, letters


def _initials(words: list[str]) -> list[str]:
    return [fold(w)[:1] for w in words if fold(w) and fold(w) not in _SKIP]


def _subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(c in it for c in needle)


def _long_form(before: str, alias: str, exact: bool) -> str | None:
    words = [m for m in _WORD.finditer(before)][-_WINDOW:]
    heads, letters = _letters(alias)
    if not letters:
        return None
    texts = [m.group(0) for m in words]
    for start in range(len(texts) - 1, -1, -1):
        span = texts[start:]
        folded = [fold(w) for w in span]
        if heads:
            if folded[: len(heads)] != heads:
                continue
            rest = span[len(heads) :]
        else:
            rest = span
        initials = _initials(rest)
        if (
            exact
            and initials == letters
            or not exact
            and (initials[:1] == letters[:1] and _subsequence(letters, initials))
        ):
            if not exact and not span[0][:1].isupper():
                continue
            return before[words[start].start() :].strip(" ,;")
        if len(initials) > 2 * len(letters) + 6:
            break
    return None


def find_definitions(text: str) -> list[tuple[str, str]]:
    """(short form as written, long form) for every abbreviation the text defines."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for m in _DEFINED.finditer(text):
        alias = (m.group("a") or m.group("b") or m.group("c") or "").strip(" ,;.")
        if not alias or fold(alias) in seen or not re.search(r"[A-ZĐ]{2,}", alias):
            continue
        before = text[max(0, m.start() - 400) : m.start()]
        long = _long_form(before, alias, exact=bool(m.group("c")))
        if long and fold(long) != fold(alias):
            seen.add(fold(alias))
            found.append((alias, long))
            if len(found) >= MAX_DEFINITIONS:
                break
    return found


def expand(text: str, definitions: list[tuple[str, str]]) -> str:
    """Each short form in a list of units replaced by its long form."""
    for alias, long in definitions:
        if alias in text:
            text = re.sub(
                rf"(?<![\w&-]){re.escape(alias)}(?![\w&-])", lambda _m, long=long: long, text
            )
    return text
