"""Plan metadata from the document header: number, date, issuer, title, basis.

Vietnamese administrative documents share one header layout (Decree 30/2020/NĐ-CP):
issuing body on the left, national motto on the right, "Số: …/KH-…" and the place and
date, then the document type ("KẾ HOẠCH") and its title, then "Căn cứ …" lines.
OCR merges the two header columns into one line, so the motto is cut off by pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from .directory import Directory, Match
from .normalize import Paragraph, is_caps_heading, starts_basis
from .textutil import fold, squash_spaces

_DOC_TYPES = {"KH", "QD", "QĐ", "HD", "HĐ", "BC", "TB", "CV", "CT", "NQ", "TTR", "KL", "TTr"}
_NUMBER = re.compile(
    r"\bS(?:ố|ô|o|6|b|é|ó|8|ồ)?\s*[:;.]?\s*(\d{1,6})?\s*(?:[/|]\s*|\s[I1l]|[I1l](?=KH))?"
    r"\s*([A-ZĐ][A-Za-zĐ]{0,2})\s*-\s*([A-ZĐ][A-ZĐ&\-]{1,20})"
)
_REF = re.compile(
    r"(?<![\d/])(\d{1,6}(?:/\d{4})?)\s*/\s*([A-ZĐ][A-Za-zĐ&]{0,7})\s*-\s*"
    r"([A-ZĐ][A-ZĐ&\-]{0,20}[A-ZĐ](?:(?<=TT)g)?)"  # "…/QĐ-TTg": the Prime Minister
    r"|(?<![\d/])(\d{1,6})-([A-ZĐ]{2,4})/([A-ZĐ]{2,6})"
)
_DATE = re.compile(r"\bng\w{1,2}\s*(\d{1,2})\s*t?h\w{0,3}ng\s*(\d{1,2})\s*n\w{1,2}m\s*(\d{4})")
_TYPE_WORDS = (
    "ke hoach",
    "bao cao",
    "quyet dinh",
    "huong dan",
    "chuong trinh",
    "thong bao",
    "cong van",
)
_PLACE_WORDS = ("quan", "huyen", "thanh pho", "tinh", "phuong", "xa", "thi xa", "thi tran")


@dataclass
class PlanMeta:
    """The "plan" block of a draft."""

    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None
    title: str | None = None
    based_on: list[str] = field(default_factory=list)
    doc_type: str | None = None
    # Where the issuer is, as the header or title says when its own name does not
    # ("UBND THÀNH PHỐ ĐÀ NẴNG" above "SỞ GIÁO DỤC VÀ ĐÀO TẠO"); not part of the draft.
    place: str | None = None

    @property
    def year(self) -> int | None:
        """The plan's year: from the date, the number's context or the title."""
        if self.issued_on:
            return self.issued_on.year
        for text in (self.title or "",):
            years = re.findall(r"\b(20\d{2})\b", text)
            if years:
                return int(years[-1])
        return None


def _fix_code(part: str) -> str:
    # "GDDT", "GDPT", "GDDPT" are OCR's "GDĐT"; "QD", "QP" its "QĐ".
    part = re.sub(r"GD[DPB]{1,2}T", "GDĐT", part)
    return part


def _fix_type(kind: str) -> str:
    upper = kind.upper()
    if upper in ("QD", "QP", "QB"):
        return "QĐ"
    return upper if upper != "TTR" else "TTr"


def parse_number(text: str) -> str | None:
    """ "Số: 2417/KH-SGDĐT" (also OCR'd "Sb: 2417 IKH-SGDDPT") -> "2417/KH-SGDĐT"."""
    for m in _NUMBER.finditer(text):
        kind = _fix_type(m.group(2))
        if kind.upper() not in {t.upper() for t in _DOC_TYPES}:
            continue
        if not m.group(1):
            return None  # "Số:    /KH-…": the number is left blank until signing
        return f"{int(m.group(1))}/{kind}-{_fix_code(m.group(3).rstrip('-'))}"
    return None


def parse_references(text: str) -> list[str]:
    """Document numbers cited in a text ("Kế hoạch số 1927/KH-UBND", "23-NQ/TU")."""
    refs: dict[str, None] = {}  # ordered and deduplicated in linear time (H2)
    for m in _REF.finditer(text):
        if m.group(1):
            ref = f"{m.group(1)}/{_fix_type(m.group(2))}-{_fix_code(m.group(3))}"
        else:
            ref = f"{m.group(4)}-{m.group(5)}/{m.group(6)}"
        refs[ref] = None
    return list(refs)


def parse_issue_date(text: str) -> date | None:
    """ "ngày 22 tháng 4 năm 2024" (also "ngdy22hang 4 nam 2024") -> date, else None."""
    m = _DATE.search(fold(text).replace(" ", " "))
    if not m:
        m = _DATE.search(re.sub(r"(\d)(?=[a-z])|(?<=[a-z])(\d)", r" \1\2", fold(text)))
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _cut_motto(line: str) -> str:
    """Left column of a merged header line: drop the national motto on the right."""
    words = line.split()
    folded = [fold(w) for w in words]
    for i in range(len(words)):
        pair = " ".join(folded[i : i + 2])
        if fuzz.ratio(pair, "cong hoa") >= 80 or fuzz.ratio(pair, "doc lap") >= 70:
            return " ".join(words[:i])
        if folded[i] == "doc" and i + 1 < len(words) and folded[i + 1] == "lap":
            return " ".join(words[:i])
    return line


def _is_type_line(line: str) -> str | None:
    key = fold(line)
    for word in _TYPE_WORDS:
        if key == word or (key.endswith(word) and len(key) <= len(word) + 4):
            return word
    return None


def _nice_case(text: str) -> str:
    """ "ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH" -> "Ủy ban nhân dân quận Ba Đình"."""
    words = text.lower().split()
    out: list[str] = []
    proper = False
    for i, word in enumerate(words):
        if i == 0 or proper:
            word = word[:1].upper() + word[1:]
        if fold(word) in ("quan", "huyen", "tinh", "phuong", "xa", "truong") or (
            i > 0 and fold(words[i - 1] + " " + word) == "thanh pho"
        ):
            proper = True
        out.append(word)
    # The sector's name keeps its capitals inside an office's name (official usage).
    return re.sub(r"\bgiáo dục và đào tạo\b", "Giáo dục và Đào tạo", " ".join(out))


def extract_metadata(
    header_lines: list[str], preamble: list[Paragraph], directory: Directory | None
) -> PlanMeta:
    """Read the plan block from the header lines and the preamble paragraphs."""
    meta = PlanMeta()
    type_index = None
    for i, line in enumerate(header_lines[:40]):
        word = _is_type_line(line)
        if word:
            type_index = i
            meta.doc_type = word
            break
    head = header_lines[: type_index if type_index is not None else 12]
    for line in head:
        if meta.number is None and re.search(
            r"\bS\S{0,2}\s*[:;]?\s*\d*\s*\S?\s*[A-Z]{2}\s*-", line
        ):
            meta.number = parse_number(line)
        if meta.issued_on is None:
            meta.issued_on = parse_issue_date(line)

    # Issuer: the last line of the left header column above "Số:".
    body: list[str] = []
    for line in head:
        if _NUMBER.search(line) or re.match(r"^\s*S\S{0,2}\s*[:;]", line):
            break
        left = _cut_motto(line).strip(" -_—.,'‘’\"]|[")
        # The issuing body is printed in capitals; anything else is OCR debris.
        if left and sum(c.isalpha() for c in left) >= 3 and is_caps_heading(left):
            if not re.search(r"\d|/", left):
                body.append(left)
    if type_index is not None:
        parts: list[str] = []
        for line in header_lines[type_index + 1 : type_index + 8]:
            if starts_basis(line) or re.match(r"^\s*([IVX]+|\d+)\.\s", line):
                break
            if line.startswith("(") and parts:
                break
            parts.append(line)
        if parts:
            meta.title = squash_spaces(" ".join(parts))
    # The issuer's place when its name has none: a header's, else the title's.
    meta.place = _header_place(body, head, meta.title)
    meta.issuer = _issuer(body, directory, meta.place)

    based_on: dict[str, None] = {}
    for para in preamble:
        if starts_basis(para.text):
            based_on.update(dict.fromkeys(parse_references(para.text)))
    meta.based_on = list(based_on)
    return meta


# "Đà Nẵng, ngày 14 tháng 02 năm 2025" in the header's right column (OCR: "ngay", "ngdy").
_PLACE_DATE = re.compile(r"([^,]*),\s*ng\w{0,3}\b")
_TITLE_PLACE = re.compile(r"\b(?:thành phố|tỉnh)\s+", re.IGNORECASE)


def _header_place(body: list[str], head: list[str], title: str | None) -> str | None:
    """The issuer's place when its own name has none: from the parent body above it
    ("UBND THÀNH PHỐ ĐÀ NẴNG"), else the place-and-date line ("Đà Nẵng, ngày …"),
    else the title ("… thành phố Đà Nẵng năm 2025"). None when none says."""
    for line in reversed(body[:-1]):
        place = place_of(line)
        if place:
            return place
    for line in head:
        match = _PLACE_DATE.search(line)
        if match:
            # The capitalised words before the comma ("Số: 512/KH-SGDĐT Đà Nẵng").
            words: list[str] = []
            for word in reversed(match.group(1).split()):
                if not word[:1].isupper() or re.search(r"[\d/:\-]", word):
                    break
                words.insert(0, word)
            if words:
                return " ".join(words)
    for match in _TITLE_PLACE.finditer(title or ""):
        words = []
        for word in title[match.end() :].split():
            if not word[:1].isupper():
                break
            words.append(word.strip(",.;:()"))
        if words:
            return f"{match.group(0).strip()} {' '.join(words)}"
    return None


def place_of(text: str) -> str | None:
    """The place a name ends with: "ỦY BAN NHÂN DÂN QUẬN GÒ VẤP" -> "QUẬN GÒ VẤP"."""
    words = text.split()
    folded = [fold(w) for w in words]
    for i, word in enumerate(folded):
        pair = " ".join(folded[i : i + 2])
        if (word in ("quan", "huyen", "tinh") or pair in ("thanh pho", "thi xa")) and i + 1 < len(
            words
        ):
            return " ".join(words[i:])
    return None


# The directory's city, as headers name it; its districts and wards come from the directory.
_CITY = ("ho chi minh", "hcm", "tphcm", "hcmc", "sai gon")
_PLACE_PREFIX = re.compile(
    r"^(?:(?:uy ban nhan dan|ubnd|thanh pho|tp\.?|tinh|quan|huyen|thi xa|thi tran|phuong|xa)\s*)+"
)


def _core(place: str) -> str:
    """A folded place without its kind: "THÀNH PHỐ ĐÀ NẴNG" -> "da nang"."""
    return _PLACE_PREFIX.sub("", fold(place).strip(" .,")).strip()


def outside_directory(place: str | None, directory: Directory | None) -> bool:
    """Whether a place a header names is clearly neither the directory's city nor one of
    its districts or wards ("Đà Nẵng", "TỈNH NGHỆ AN"); unsure or unnamed is inside."""
    core = _core(place or "")
    if directory is None or len(core) < 2:
        return False
    known = {*_CITY, *(_core(place_of(u.name) or "") for u in directory.units)} - {""}
    if core in known:
        return False
    return not any(len(k) > 4 and fuzz.ratio(core, k) >= 85 for k in known)


def _same_place(text: str, match: Match) -> bool:
    """Whether a name and its fuzzy match end with the same place (or neither names one)."""
    mine, theirs = place_of(text), place_of(match.entry.name)
    if mine is None or theirs is None:
        return True
    return fuzz.ratio(fold(mine), fold(theirs)) >= 90


def _issuer(body: list[str], directory: Directory | None, where: str | None = None) -> str | None:
    if not body:
        return None
    last = body[-1]
    candidates = [last]
    if any(fold(last).startswith(p + " ") for p in _PLACE_WORDS) and len(body) >= 2:
        candidates.insert(0, f"{body[-2]} {last}")
    # "ỦY BAN NHÂN DÂN QUẬN GÒ VẤP / PHÒNG GIÁO DỤC VÀ ĐÀO TẠO": the office of the
    # body above it, named in full with that body's place.
    place = place_of(body[-2]) if len(body) >= 2 and place_of(last) is None else None
    qualified = f"{last} {place}" if place else None
    elsewhere = outside_directory(where, directory)
    if directory is not None:
        for cand in candidates:
            match = directory.lookup(cand)
            if match is not None and match.confidence < 1.0 and not _same_place(cand, match):
                match = None  # "… quận Ba Đình" is not "… quận Bình Tân", however alike
            if match and match.entry.kind != "group" and place_of(cand) is None and elsewhere:
                match = None  # "SỞ GD&ĐT" under "UBND THÀNH PHỐ ĐÀ NẴNG": not the directory's
            if match and match.entry.kind == "group" and qualified:
                # A plan is issued by one body, never by a group of them.
                match = directory.lookup(qualified)
                if match is None or match.entry.kind == "group":
                    return _nice_case(qualified)
            if match:
                return match.entry.name
    return _nice_case(candidates[0])
