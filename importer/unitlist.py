"""Unit lists whose names contain commas and "và", and "A và B" that is two units.

`units.resolve_mentions` cuts a list at every "," and "và" and rebuilds names the
directory knows. Names it does not know come out cut where they hold a comma ("Phòng
Khảo thí" + "Quản lý chất lượng và Công nghệ thông tin") and joined where "và" separates
two units ("Hội Khuyến học huyện và Hội Liên hiệp Phụ nữ huyện"). This module mends its
result with one rule about how Vietnamese unit names are written: every name opens with
a word that says what kind of body it is (Phòng, Hội, Trung tâm, Ủy ban, Bộ phận, Tổ, …;
an abbreviation such as UBND; "các …" for a group). A piece that does not open so
continues the name before it ("…, xã", "…, Quản lý chất lượng …"); a piece after "và"
that does open so is a unit of its own. Names the plan itself writes in full (`known`,
e.g. abbreviation definitions and duty headings) are never cut.
"""

from __future__ import annotations

import re

from .textutil import fold, match_key
from .units import Mention

_HEAD_WORDS = re.compile(
    r"^(?:phong|so|uy ban|ubnd|hoi|trung tam|lien doan|ban|truong|doan|cong an|cong doan|"
    r"doi|chi cuc|cuc|bo|van phong|thanh tra|to chuc|bo phan|to|khoa|thu vien|"
    r"quan doan|huyen doan|thanh doan|tinh doan|chi doan|mat tran|hop tac xa|tram|dai|bao|"
    r"don|giao vien|nhan vien|hieu truong|pho hieu truong|tong phu trach|co quan|co so|"
    r"cac|nhung|toan the|tat ca|hoc sinh|cha me|benh vien|vien|ngan hang|chi nhanh|"
    r"cong ty|doanh nghiep|nha van hoa|nha thieu nhi|ky tuc xa)\b"
)
# Words a head word also opens as a common noun: "Khoa học" (science), "Đoàn thể".
_COMMON_NOUNS = ("khoa hoc", "doan the", "to dan pho", "bao cao", "dai hoc")
_MAX_SOURCE = 2000  # a longer list is not searched for the case of its pieces (H2)
_PLACE_TAIL = re.compile(r"^(?:xa|phuong|thi tran|thi xa|quan|huyen|tinh|thanh pho)$")


def opens_unit(text: str) -> bool:
    """Whether a piece of a list opens a unit's name (see the module docstring).

    A head word counts only capitalised ("Ban Tuyên giáo", not "…, ban, ngành"), except
    "các"/"những" which open a group in any case; an abbreviation (UBND, HTV) opens one.
    """
    words = text.strip().split()
    if not words:
        return False
    first = words[0]
    if re.match(r"^[A-ZĐ][A-ZĐ&\-]{1,}$", first):
        return True
    key = fold(" ".join(words[:3]))
    if not _HEAD_WORDS.match(key) or key.startswith(_COMMON_NOUNS):
        return False
    return first[:1].isupper() or key.startswith(("cac ", "nhung "))


def _joined(previous: str, piece: str, src: str) -> str:
    """previous + piece with the separator the (folded) source text has between them."""
    for sep in (", ", " và ", "; "):
        if fold(previous + sep + piece) in src:
            return previous + sep + piece
    return previous + ", " + piece


def mend(mentions: list[Mention], source: str, known: set[str] | None = None) -> list[Mention]:
    """Join cut names and split joined ones in resolve_mentions' result for `source`."""
    known = known or set()
    out: list[Mention] = []
    src = fold(source) if len(mentions) > 1 else ""  # once per list: joins read it
    lowered = source.lower() if len(mentions) > 1 and len(source) <= _MAX_SOURCE else ""
    for mention in mentions:
        pieces = [mention] if mention.unit else _split_and(mention, known)
        for piece in pieces:
            prev = out[-1] if out else None
            # The piece as the text writes it: resolve_mentions capitalises each piece,
            # and "ngành" in "các phòng, ngành" is no head of a name.
            written = _as_written(piece.text, source, lowered)
            if prev is not None and piece.unit is None and _continues(prev, written, known):
                text = _joined(prev.text, _lower_first(written), src)
                out[-1] = Mention(text=text)
                continue
            out.append(piece)
    return out


def _as_written(text: str, source: str, lowered: str) -> str:
    """`text` with the case the source writes it in, when the source holds it."""
    at = lowered.find(text.lower()) if lowered else -1
    return source[at : at + len(text)] if at >= 0 else text


def _continues(prev: Mention, piece: str, known: set[str]) -> bool:
    """Whether `piece` (as written) is the rest of the name `prev` was cut from."""
    if opens_unit(piece):
        return False
    head, first = prev.text.split()[:1], piece.split()[:1]
    if head and first and fold(head[0]) == fold(first[0]) and first[0][:1].isupper():
        return False  # a list of like bodies repeats its head word, even OCR-damaged
    if prev.unit is None and any(k.startswith(fold(prev.text) + " " + fold(piece)) for k in known):
        return True  # the plan writes the joined name in full elsewhere
    return prev.unit is None or bool(_PLACE_TAIL.match(fold(piece)))


def _lower_first(text: str) -> str:
    """ "Xã" cut from "các phường, xã" was capitalised as a mention of its own."""
    first = text.split()[0] if text.split() else ""
    if _PLACE_TAIL.match(fold(first)):
        return text[:1].lower() + text[1:]
    return text


def _split_and(mention: Mention, known: set[str]) -> list[Mention]:
    """ "Hội Khuyến học huyện và Hội Liên hiệp Phụ nữ huyện" -> two unresolved mentions."""
    if fold(mention.text) in known:
        return [mention]
    parts = re.split(r"\s+(?:và|va|VÀ)\s+", mention.text)
    if len(parts) < 2:
        return [mention]
    out: list[str] = [parts[0]]
    for part in parts[1:]:
        if opens_unit(part) and opens_unit(out[-1]) and match_key(part):
            out.append(part)
        else:
            out[-1] = f"{out[-1]} và {part}" if "và" in mention.text else f"{out[-1]} va {part}"
    if len(out) == 1:
        return [mention]
    return [Mention(text=p[:1].upper() + p[1:]) for p in out]


_PLACE_NAMED = re.compile(
    r"\b(quận|huyện|thị xã|thành phố|tỉnh|phường|xã)\s+"
    r"((?:[A-ZĐÀ-Ỹ][^\s,;.()]*)(?:\s+[A-ZĐÀ-Ỹ0-9][^\s,;.()]*){0,2})"
)
_BEFORE_WORDS = 8  # words of a unit's name before its place word ("Hội Liên hiệp Phụ nữ")


def full_names(text: str) -> dict[str, str]:
    """Short forms of names the plan writes in full: "Hội Liên hiệp Phụ nữ huyện" (folded)
    -> "Hội Liên hiệp Phụ nữ huyện Thanh Trì", from every "… huyện Thanh Trì" in the text
    whose words before the place word open a unit's name. A short form two different
    places complete is left out. One pass over the text; a bounded window per match.
    """
    found: dict[str, str] = {}
    clash: set[str] = set()
    for m in _PLACE_NAMED.finditer(text):
        words = text[max(0, m.start() - 200) : m.start()].split()[-_BEFORE_WORDS:]
        for k in range(1, len(words) + 1):
            name = " ".join(words[-k:])
            if re.search(r"[,;.()“”\"]", name):
                break
            if not opens_unit(name):
                continue
            place = _place_words(m.group(2))
            if not place:
                break
            key = fold(f"{name} {m.group(1)}")
            full = f"{name} {m.group(1)} {place}"
            if key in found and fold(found[key]) != fold(full):
                clash.add(key)
            found.setdefault(key, full)
    return {k: v for k, v in found.items() if k not in clash}


def _place_words(words: str) -> str:
    """The words of a place's name: up to the first that opens a unit or is in capitals
    ("Thanh Trì", not "Thanh Trì Hội" or "II KIỂM TRA")."""
    kept: list[str] = []
    for word in words.split():
        if opens_unit(word) or (len(word) > 1 and word.isupper() and not word.isdigit()):
            break
        kept.append(word)
    return " ".join(kept)


def complete(mentions: list[Mention], names: dict[str, str]) -> list[Mention]:
    """Unresolved short forms replaced by the full name the plan wrote (`full_names`)."""
    for mention in mentions:
        if mention.unit is None and names:
            full = names.get(fold(mention.text))
            if full:
                mention.text = full
    return mentions
