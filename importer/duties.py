"""Duties listed under each unit: the "Tổ chức thực hiện" section of per-unit headings.

DESIGN.md "How a parsed plan reads": a section "Tổ chức thực hiện" of numbered unit
headings ("1. Phòng Giáo dục và Đào tạo"), each followed by "- …" bullets. Every bullet
is a task led by the heading's unit(s), numbered "N.k"; a heading split into sub-headings
that each name a body ("11.2. Hội Khuyến học quận") numbers its bullets "11.2.k"; a
heading "Đề nghị …" is still that body's task. Units named after "phối hợp với" in a
bullet coordinate.

Everything here reads folded keys, so that OCR that lost its diacritics ("To chuc thuc
hien", "Phoi hop voi", "De nghi") reads the same. Linear in the plan's length: each
paragraph of the section is visited once, each bullet's text scanned a bounded number of
times.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .fields import TIMEFRAME, detect_label
from .normalize import Paragraph
from .segment import Node, Outline
from .textutil import match_key

# Words that open a unit's name, as match_key writes them (word-initial "b"/"p" + vowel
# become "d", so "Pon vi" and "Ban" both fit). A two-word head ("trung tam") is matched
# on its first word only where the word cannot open a sentence of duties.
_HEAD_NAMES = (
    "phong",
    "uy ban",
    "ubnd",
    "hoi",
    "trung tam",
    "lien doan",
    "ban",
    "so",
    "truong",
    "doan",
    "cong an",
    "cong doan",
    "doi",
    "chi cuc",
    "cuc",
    "van phong",
    "thanh tra",
    "to chuc",
    "bo phan",
    "to",
    "khoa",
    "thu vien",
    "quan doan",
    "huyen doan",
    "thanh doan",
    "tinh doan",
    "chi doan",
    "mat tran",
    "hop tac xa",
    "tram",
    "dai",
    "giao vien",
    "nhan vien",
    "hieu truong",
    "pho hieu truong",
    "tong phu trach",
    "co quan",
    "co so",
    "ban giam hieu",
    "ban giam doc",
    "cac",
    "nhung",
    "toan the",
)


def _loose(word: str) -> str:
    """A word with its inner letters free and their number off by one at most."""
    if len(word) <= 2:
        return word
    inner = len(word) - 2
    return f"{word[0]}\\w{{{max(inner - 1, 0)},{inner + 1}}}{word[-1]}"


# OCR damage inside a head word ("Hpi", "Tré chirc") is allowed one letter per word.
_HEADS = "|".join(
    sorted(
        {r"\s+".join(_loose(w) for w in match_key(h).split()) for h in _HEAD_NAMES},
        key=len,
        reverse=True,
    )
)
_UNIT_HEAD = re.compile(rf"^(?:{_HEADS})\b")
# "Đề nghị", also as OCR leaves it ("P& nghị", "De nghi"): a short word, then "nghị".
_REQUEST_KEY = re.compile(r"^(?:\w{0,3}\s+ngh\w{0,2}|doi voi|(?:trach nhiem|nhiem vu) cua)\s+")
# The same on fold_chars() text, whose length is the heading's: "Đối với Phòng …",
# "Trách nhiệm của Phòng …" name the unit after the words.
_LEAD_IN = re.compile(
    r"^\W*(?:\w{0,3}\W{0,2}\s+ngh\w{0,2}|doi voi|(?:trach nhiem|nhiem vu) cua)\s+"
)
# A heading names units and nothing else: short, no sentence in it.
_MAX_HEADING = 160
# What ends the list of units after "phối hợp với": a verb of the duty, or punctuation.
# Only words no unit name holds: "tại" would cut "Phòng Tài chính" (folded alike).
_VERBS = (
    "to chuc",
    "xay dung",
    "trien khai",
    "thuc hien",
    "lap",
    "tong hop",
    "tham muu",
    "huong dan",
    "kiem tra",
    "tuyen truyen",
    "ra soat",
    "danh gia",
    "van dong",
    "chi dao",
    "boi duong",
    "phat dong",
    "cung cap",
    "quy hoach",
    "day manh",
    "nghien cuu",
    "trinh",
    "bo tri",
    "theo doi",
    "bao cao",
    "khao sat",
    "tham dinh",
    "de xuat",
    "cong nhan",
    "khen thuong",
    "ho tro",
    "giam sat",
    "tiep tuc",
    "nhan rong",
    "tang cuong",
    "thuc day",
    "phat huy",
    "hoan thien",
    "lam",
    "giup",
    "tham gia",
    "long ghep",
    "quan ly",
    "ban hanh",
    "phat trien",
    "nang cao",
    "cap nhat",
    "nham",
)
# "các tổ chức" is a noun: a verb right after "các"/"những" does not end the list.
_VERB_RE = re.compile(
    r"(?<!cac )(?<!nhung )\b(?:{})\b".format("|".join(v.replace(" ", r"\s+") for v in _VERBS))
)
_MAX_NAMES = 12
_WINDOW = 300
_COORD = re.compile(r"\bphoi\s+hop\s+(?:voi|cung)\s+")
_OWN_TIME = re.compile(
    r"(?:\bthoi\s+(?:gian|han)(?:\s+hoan\s+thanh|\s+thuc\s+hien)?\s*:\s*"
    r"(?P<label>[^.;()]{2,60}?)\s*(?:[.;)]|$))"
    r"|(?P<before>\btruoc\s+ngay\s+[0-9][0-9/ ]{2,12}(?:thang\s+\d{1,2}\s+nam\s+\d{4})?)"
    r"|\btrong\s+(?P<within>(?:quy|thang|nam)\s+[0-9ivx][^.;()]{0,40})"
    r"|(?P<span>\btu\s+thang\s+\d{1,2}(?:\s*/\s*\d{4})?\s+den\s+thang\s+\d{1,2}"
    r"(?:\s*/\s*\d{4}|\s+nam\s+\d{4})?)"
)


_PERIOD_NUMBER = re.compile(r"\d+|\b[ivx]{1,4}\b")


class _FoldTable(dict):
    """str.translate table filled on first sight of each character: lower case, no marks,
    "đ" -> "d", one character for one (a match in the result is a span of the text)."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        base = "d" if c in "đĐ" else unicodedata.normalize("NFD", c)[0]
        low = base.lower()
        self[code] = low if len(low) == 1 else base
        return self[code]


_FOLD = _FoldTable()


def fold_chars(text: str) -> str:
    """Lower-case and strip marks character by character: the result has the same length
    as the text, so a match in it is a span of the text."""
    return text.translate(_FOLD)


def _split_heading(text: str) -> tuple[str, str]:
    """ "Phòng Giáo dục và Đào tạo: chủ trì …" -> (the units, the duty written inline)."""
    head, colon, rest = text.partition(":")
    if colon and len(head) <= _MAX_HEADING:
        return head.strip(), rest.strip()
    return text.strip(), ""


def is_unit_heading(text: str) -> bool:
    """A heading that names units (after a leading "Đề nghị"), not a duty or a topic."""
    text = _split_heading(text)[0]
    if not text or len(text) > _MAX_HEADING:
        return False
    key = _REQUEST_KEY.sub("", match_key(text))
    if not _UNIT_HEAD.match(key):
        return False
    # "1. Các nhiệm vụ trọng tâm", "2. Tổ chức các hoạt động …": topics, not units.
    first = fold_chars(unit_names_text(text)).split()
    return not (
        first[:1] in (["cac"], ["nhung"], ["to"])
        and len(first) > 1
        and first[1] in ("nhiem", "hoat", "giai", "noi", "chuc", "cong")
    )


def unit_names_text(heading: str) -> str:
    """The units a heading names: without "Đề nghị", an inline duty after a colon, and
    trailing punctuation."""
    heading = _split_heading(heading)[0]
    text = heading.strip()
    m = _LEAD_IN.match(fold_chars(text))
    if m:
        text = text[m.end() :]
    return text.strip(" .:;,")


def is_duties_section(title: str) -> bool:
    """ "IV. TỔ CHỨC THỰC HIỆN" (also "TO CHUC THUC HIEN", OCR's "Té chirc thuc hién"),
    "TRÁCH NHIỆM CỦA CÁC CƠ QUAN, ĐƠN VỊ", "PHÂN CÔNG TRÁCH NHIỆM"."""
    key = match_key(title)
    return any(k in key for k in ("chuc thuc hien", "trach nhiem cua cac", "phan cong trach"))


@dataclass
class Duty:
    """One bullet of a unit heading: the task it makes."""

    number: str
    section: str
    heading: str  # the unit(s) as the heading writes them
    text: str
    content: list[str] = field(default_factory=list)
    coordinating: str = ""
    timeframe: str = ""


def _heading_nodes(outline: Outline) -> list[Node]:
    sections = {s.number for s in outline.sections if is_duties_section(s.title)}
    if not sections:
        return []
    found: list[Node] = []
    ids: set[int] = set()
    for n in outline.nodes:  # parents come before their children
        if n.kind != "number" or n.roman not in sections or not is_unit_heading(n.text):
            continue
        # A sub-heading ("11.2. Hội Khuyến học quận") counts under a unit heading only:
        # numbered rows of an annex further down are not duties.
        if n.parent is None or id(n.parent) in ids:
            found.append(n)
            ids.add(id(n))
    return found


def heading_ids(outline: Outline) -> set[int]:
    """ids of the unit headings of duties sections and of every node under them."""
    ids: set[int] = set()
    for node in _heading_nodes(outline):
        # Only a heading with duties under it: a labelled item that happens to open
        # with a unit's name ("1. Phòng … chủ trì …" + "- Thời gian: …") stays a task.
        if _bullet_groups(node) or _letters(node) or _split_heading(node.text)[1]:
            ids.add(id(node))
    for node in outline.nodes:  # parents come before children in outline.nodes
        if node.parent is not None and id(node.parent) in ids:
            ids.add(id(node))
    return ids


def _bullet_groups(node: Node) -> list[list[Paragraph]]:
    """The node's own paragraphs after its heading, one group per "- " bullet: "+ "
    sub-bullets, labels and wrapped text belong to the bullet before them."""
    groups: list[list[Paragraph]] = []
    # The heading's own bullets use the marker of its first bullet ("-", or "+" in some
    # plans); another marker under them is a sub-point of the bullet above.
    top = next((p.marker for p in node.paragraphs[1:] if p.kind == "bullet"), "-")
    for para in node.paragraphs[1:]:
        if fold_chars(para.text[:12]).startswith(("noi nhan", "tm.", "kt.")):
            break  # the signature block: "Nơi nhận: - Như trên; - Lưu: VT."
        if para.kind == "bullet" and para.marker == top and not detect_label(para.text):
            groups.append([para])
        elif groups:
            groups[-1].append(para)
        elif para.kind in ("bullet", "text") and not detect_label(para.text):
            groups.append([para])
    return groups


def _letters(node: Node) -> list[Node]:
    """Lettered duties under a unit heading ("a) Chủ trì …"), numbered "N.a"."""
    return [c for c in node.children if c.kind == "letter"]


def own_timeframe(text: str) -> str:
    """A timeframe a duty gives itself ("Thời gian: Quý II/2025", "hoàn thành trước ngày
    30/11/2025", "trong quý III/2025", "từ tháng 8 đến tháng 12/2025"), as written; ""
    when it gives none. "trong tháng" must name its period ("trong quý II", not "trong
    năm học tới")."""
    key = fold_chars(text)
    m = _OWN_TIME.search(key)
    if not m:
        return ""
    name = next(g for g in ("label", "before", "within", "span") if m.group(g))
    end = m.end(name)
    if name == "within":
        # Up to its last number: "quý III/2025 tại các phường" -> "quý III/2025".
        numbers = list(_PERIOD_NUMBER.finditer(key, m.start(name), end))
        end = numbers[-1].end() if numbers else m.start(name)
    return text[m.start(name) : end].strip(" .;,")


def coordinating_text(text: str, known: list[str]) -> str:
    """The units named after "phối hợp với" in a duty, up to the verb that follows them.

    Names the plan itself uses as headings (`known`, folded) are taken whole first, so
    that "Phòng Tài chính - Kế hoạch lập dự toán" stops after the name even though the
    verb list does not know "lập" there.
    """
    key = fold_chars(text)
    m = _COORD.search(key)
    if not m:
        return ""
    pos = m.end()
    parts: list[str] = []
    # A list names a handful of units: a bounded window and number of names keep a
    # hostile bullet ("phối hợp với A, A, A, …") linear.
    for _ in range(_MAX_NAMES):
        if pos >= len(key):
            break
        rest = key[pos : pos + _WINDOW]
        name = next((k for k in known if rest.startswith(k)), None)
        if name is not None:
            end = pos + len(name)
        else:
            stop = _VERB_RE.search(rest)
            punct = re.search(r"[.;:(]", rest)
            cut = min(x.start() for x in (stop, punct) if x) if (stop or punct) else len(rest)
            end = pos + cut
            if cut == 0:
                break
        parts.append(text[pos:end].strip(" ,"))
        tail = re.match(r"\s*(?:,|\bva\b)\s*", key[end:])
        if name is None or not tail:
            break
        after = key[end + tail.end() :]
        if not any(after.startswith(k) for k in known) and not _UNIT_HEAD.match(
            match_key(text[end + tail.end() : end + tail.end() + 40])
        ):
            break
        parts.append(text[end : end + tail.end()].strip() or ",")
        pos = end + tail.end()
    joined = " ".join(p for p in parts if p)
    return re.sub(r"\s+,", ",", joined).strip(" ,")


def find_duties(outline: Outline) -> list[Duty]:
    """Every bullet under a unit heading of a duties section, numbered "N.k"."""
    headings = _heading_nodes(outline)
    known = sorted({fold_chars(unit_names_text(n.text)) for n in headings}, key=len, reverse=True)
    known = [k for k in known if len(k) >= 6]
    duties: list[Duty] = []
    for node in headings:
        lettered = [
            (child.number.rsplit(".", 1)[-1], [*child.paragraphs]) for child in _letters(node)
        ]
        numbered = [(str(k), g) for k, g in enumerate(_bullet_groups(node), start=1)]
        inline = _split_heading(node.text)[1]
        if inline and not numbered and not lettered:
            # "1. Phòng Giáo dục và Đào tạo: tham mưu …" and nothing under it: the heading
            # is the task, with its own number. With duties under it, the inline text
            # introduces them ("… có trách nhiệm:").
            numbered = [("", [Paragraph("text", inline)])]
        for k, group in numbered + lettered:
            if not group:
                continue
            first = group[0]
            text = " ".join(p.text for p in group if not detect_label(p.text))
            labels = [detect_label(p.text) for p in group]
            label_time = next(
                (v for lab in labels if lab for kind, v in [lab] if kind == TIMEFRAME), ""
            )
            whole = " ".join((p.text if not detect_label(p.text) else p.text) for p in group)
            duties.append(
                Duty(
                    number=f"{node.number}.{k}" if k else node.number,
                    section=node.number,
                    heading=unit_names_text(node.text),
                    text=first.text,
                    content=[p.text for p in group],
                    coordinating=coordinating_text(text, known),
                    timeframe=(label_time or own_timeframe(whole)).strip(" .;,"),
                )
            )
    return duties
