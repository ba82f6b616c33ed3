"""Field labels of a plan item ("Đơn vị chủ trì: …", "Thời gian thực hiện: …").

Labels are matched on folded, OCR-repaired text with rapidfuzz, so that "Pon vi phdi
hop", "Bon vi chu tri thuc hién" and "Thoit gian thuc hién" are recognised.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from .textutil import match_key

LEAD = "lead"
COORDINATING = "coordinating"
TIMEFRAME = "timeframe"
IN_CHARGE = "in_charge"
PRODUCT = "product"
CONTENT = "content"

_LABELS: dict[str, str] = {
    "don vi chu tri": LEAD,
    "don vi chu tri thuc hien": LEAD,
    "co quan chu tri": LEAD,
    "co quan chu tri thuc hien": LEAD,
    "don vi thuc hien": LEAD,
    "chu tri thuc hien": LEAD,
    "chu tri": LEAD,
    "don vi phoi hop": COORDINATING,
    "don vi phoi hop thuc hien": COORDINATING,
    "co quan phoi hop": COORDINATING,
    "co quan phoi hop thuc hien": COORDINATING,
    "phoi hop": COORDINATING,
    "phoi hop thuc hien": COORDINATING,
    "thoi gian thuc hien": TIMEFRAME,
    "thoi gian hoan thanh": TIMEFRAME,
    "thoi gian": TIMEFRAME,
    "thoi han": TIMEFRAME,
    "thoi han hoan thanh": TIMEFRAME,
    "tien do thuc hien": TIMEFRAME,
    "tien do": TIMEFRAME,
    "phu trach": IN_CHARGE,
    "nguoi phu trach": IN_CHARGE,
    "bo phan phu trach": IN_CHARGE,
    "don vi phu trach": IN_CHARGE,
    "san pham": PRODUCT,
    "san pham dau ra": PRODUCT,
    "ket qua san pham": PRODUCT,
    "noi dung": CONTENT,
    "noi dung thuc hien": CONTENT,
    "noi dung cong viec": CONTENT,
    "nhiem vu": CONTENT,
}
# Keys as match_key produces them (it maps word-initial "b"/"p" + vowel to "d").
_KEYS = {match_key(k): v for k, v in _LABELS.items()}
_KEY_LIST = list(_KEYS)
_COLON = re.compile(r"[:;]")

# Column headers of an appendix table ("STT | Nội dung | Đơn vị chủ trì | …").
_COLUMN_LABELS: dict[str, str] = {
    **_LABELS,
    "stt": "number",
    "tt": "number",
    "so tt": "number",
    "so thu tu": "number",
    "noi dung nhiem vu": CONTENT,
    "ten nhiem vu": CONTENT,
    "nhiem vu giai phap": CONTENT,
    "noi dung hoat dong": CONTENT,
    "co quan don vi chu tri": LEAD,
    "co quan don vi phoi hop": COORDINATING,
    "du kien san pham": PRODUCT,
}
_COLUMN_KEYS = {match_key(k): v for k, v in _COLUMN_LABELS.items()}
_COLUMN_LIST = list(_COLUMN_KEYS)


_LABEL_SPAN = 60


def detect_label(text: str) -> tuple[str, str] | None:
    """("lead", value) when the text opens with a field label and a colon, else None."""
    m = _COLON.search(text[:_LABEL_SPAN])
    if not m:
        return None
    label = match_key(text[: m.start()])
    if not label or len(label) > 40:
        return None
    best = process.extractOne(label, _KEY_LIST, scorer=fuzz.ratio, score_cutoff=80)
    if best is None:
        return None
    return _KEYS[best[0]], text[m.end() :].strip()


_NEXT_LABEL = re.compile(r"[;.]\s+(?=[^\W\d_][^:;.]{2,45}:)")


def split_labels(kind: str, value: str) -> list[tuple[str, str]]:
    """Fields written in one paragraph: "Cơ quan chủ trì: A; Cơ quan phối hợp: B; Thời
    gian hoàn thành: Quý II/2025" -> [(lead, A), (coordinating, B), (timeframe, …)].

    A cut is made only where what follows the ";" or "." is itself a label.
    """
    fields: list[tuple[str, str]] = []
    start = 0
    for m in _NEXT_LABEL.finditer(value):
        # detect_label reads a label within its first 60 characters; slicing the whole
        # rest of the value at every candidate was quadratic on a long one (H2).
        label = detect_label(value[m.end() : m.end() + _LABEL_SPAN])
        if label is None or m.start() < start:
            continue
        fields.append((kind, value[start : m.start()].strip()))
        kind = label[0]
        colon = value.index(":", m.end())
        start = colon + 1
    fields.append((kind, value[start:].strip()))
    return fields


def column_kind(header: str) -> str | None:
    """What an appendix table column holds, from its header cell."""
    key = match_key(header)
    if not key:
        return None
    best = process.extractOne(key, _COLUMN_LIST, scorer=fuzz.ratio, score_cutoff=80)
    if best is not None:
        return _COLUMN_KEYS[best[0]]
    # Long headers ("Đơn vị chủ trì thực hiện nhiệm vụ"): look for the telling words.
    for words, kind in (
        ("chu tri", LEAD),
        ("phoi hop", COORDINATING),
        ("thoi gian", TIMEFRAME),
        ("thoi han", TIMEFRAME),
        ("phu trach", IN_CHARGE),
        ("san pham", PRODUCT),
        ("noi dung", CONTENT),
        ("nhiem vu", CONTENT),
    ):
        if match_key(words) in key:
            return kind
    return None
