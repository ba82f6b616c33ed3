"""Normalisation: Unicode NFC, OCR repair, and lines -> logical paragraphs.

Extraction hands over physical lines (a PDF line, an OCR line, a DOCX paragraph) and
table rows. Plans wrap sentences across lines and OCR adds blank lines anywhere, so
paragraphs are rebuilt from what opens one: a number, a letter, a bullet, a label, or
a capital after a full stop.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field

from .fields import detect_label
from .textutil import match_key

_BASIS = re.compile(
    r"^(?:c\w{1,2}n c\w{1,2}|th\w{1,2}c? h\w{1,3}n (?:\w+ ){0,2}?"
    r"(?:k\w hoach|quyet|cong van|chi thi|nghi quyet|huong dan|thong tu))\b"
)


def starts_basis(text: str) -> bool:
    """A "Căn cứ …" / "Thực hiện Kế hoạch …" line (also OCR'd "Cin ctr …")."""
    return bool(_BASIS.match(match_key(text[:80])))


_ROMAN_CHARS = "IVXLl1|"
ROMAN_RE = re.compile(r"^([IVXLl1|]{1,5})\s*[.)]\s*(\S.*)$")
NUMBER_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)\.?\s+(\S.*)$|^(\d{1,2})[.)]\s+(\S.*)$")
LETTER_RE = re.compile(r"^[~\-–]?\s*\(?([a-zđ@¢])\)\s*(\S.*)$")
BULLET_RE = re.compile(r"^[-–—•+*~]\s*(\S.*)$")
_PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?(?:\s*-)?$", re.I)
_JUNK_INSIDE_WORD = re.compile(r"(?<=[^\W\d_])[\[\]{}?:|^`](?=[^\W\d_])")
_QUARTER = re.compile(r"\b([Qq])u[yýi]\s+([1Il|]{1,3}[Vv]?|[1Il|]?[Vv])(?=[\s,./;]|$)")
# OCR reads "ụ"/"ự" as "y": "thyc hién" (thực hiện), "dyng" (dụng), "phu lyc" (phụ lục).
# Vietnamese spelling never puts "y" between a consonant and a final "c" or "ng", so the
# repair cannot touch a correct word. The marks are lost ("ụ" or "ự"?): "u" is written.
_Y_FOR_U = re.compile(
    r"\b(?i:(ngh|ng|nh|ch|gh|kh|ph|th|tr|gi|qu|[bcdđghklmnprstvx]))(y|Y)(?=(?i:c|ng)\b)"
)
_LETTER_FIX = {"@": "a", "¢": "c"}
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}


@dataclass
class Line:
    """A physical line of text, or a table row when `cells` is set."""

    text: str
    cells: list[str] | None = None


@dataclass
class Paragraph:
    """A logical paragraph with what opens it."""

    kind: str  # "roman", "number", "letter", "bullet", "text", "row"
    text: str
    marker: str = ""
    cells: list[str] | None = None
    lines: list[str] = field(default_factory=list)


def nfc(text: str) -> str:
    """Unicode NFC plus the invisible characters Word and OCR leave behind."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = text.replace("\u00ad", "").replace("\t", " ")
    return text


def _quarter_roman(m: re.Match[str]) -> str:
    raw = m.group(2).upper()
    roman = re.sub(r"[1L|]", "I", raw)
    if roman in ("I", "II", "III", "IV"):
        return f"{m.group(1)}uý {roman}"
    return m.group(0)


def repair_line(text: str) -> str:
    """OCR repair that is safe on clean text: stray symbols inside words, quarters."""
    text = nfc(text)
    text = _JUNK_INSIDE_WORD.sub("", text)
    text = _Y_FOR_U.sub(lambda m: m.group(1) + ("u" if m.group(2) == "y" else "U"), text)
    return " ".join(text.split())


def repair_quarters(text: str) -> str:
    """ "Quy 11l" -> "Quý III" for display (parsing reads the OCR form itself)."""
    return _QUARTER.sub(_quarter_roman, text)


def roman_value(token: str) -> int | None:
    """Value of a Roman numeral as OCR writes it ("I11" = III, "1V" = IV)."""
    token = re.sub(r"[1l|]", "I", token).upper()
    if not token or any(c not in _ROMAN_VALUES for c in token):
        return None
    total = 0
    for i, c in enumerate(token):
        value = _ROMAN_VALUES[c]
        if i + 1 < len(token) and _ROMAN_VALUES[token[i + 1]] > value:
            total -= value
        else:
            total += value
    return total if 0 < total < 40 else None


def to_roman(value: int) -> str:
    """Arabic -> Roman for section numbers."""
    out = ""
    for v, s in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= v:
            out += s
            value -= v
    return out


def is_caps_heading(text: str) -> bool:
    """A heading written in capitals ("II. NỘI DUNG THỰC HIỆN")."""
    return _caps_share(*_letter_counts(text))


def _letter_counts(text: str) -> tuple[int, int]:
    """(letters, capitals) of a text, so that a growing paragraph adds up its lines'."""
    letters = [c for c in text if c.isalpha()]
    return len(letters), sum(1 for c in letters if c.isupper())


def _caps_share(letters: int, upper: int) -> bool:
    return letters >= 4 and upper / letters >= 0.8


_CLOSERS = "'\"”’)"


def _ends_sentence(text: str) -> bool:
    # Same as re.search(r"[.;:!?…]['\"”’)]*\s*$", text), reading only the end of the line
    # instead of trying the pattern at every "." of a long one.
    return text.rstrip().rstrip(_CLOSERS)[-1:] in tuple(".;:!?…")


def _opens(text: str) -> tuple[str, str, str] | None:
    """(kind, marker, rest) when a line opens a paragraph by its form."""
    m = ROMAN_RE.match(text)
    if m and roman_value(m.group(1)) and is_caps_heading(m.group(2)):
        return "roman", m.group(1), m.group(2)
    m = NUMBER_RE.match(text)
    if m:
        if m.group(1):
            return "number", m.group(1), m.group(2)
        if len(m.group(4)) < 80 and is_caps_heading(m.group(4)):
            return "roman", m.group(3), m.group(4)  # "1. MỤC TIÊU": OCR's "II."
        return "number", m.group(3), m.group(4)
    m = LETTER_RE.match(text)
    if m:
        letter = _LETTER_FIX.get(m.group(1), m.group(1))
        return "letter", letter, m.group(2)
    m = BULLET_RE.match(text)
    if m:
        return "bullet", text[: m.start(1)].strip(), m.group(1)
    return None


def _running_headers(texts: list[str | None]) -> set[str]:
    """Lines repeated next to page numbers: the running header or footer of a text that
    lost its pages (OCR output, a PDF saved as text). A line must sit within two lines of
    a page number at least twice; lines that open an item or a field never count.
    """
    pages: list[int] = []
    content: list[int] = []  # lines that may be a running header: text, not a page number
    for i, text in enumerate(texts):
        if text is not None and _PAGE_NUMBER.match(text):
            pages.append(i)
        elif text:
            content.append(i)
    if len(pages) < 2:
        return set()
    near: dict[str, set[int]] = {}
    for page in pages:
        # The two content lines on each side. Walking there line by line crossed every
        # page number in between: quadratic on a text of page numbers only (H2).
        at = bisect_left(content, page)
        for i in content[max(0, at - 2) : at + 2]:
            near.setdefault(texts[i], set()).add(page)  # type: ignore[arg-type]
    return {
        text
        for text, where in near.items()
        if len(where) >= 2 and len(text) >= 12 and not _opens(text) and not detect_label(text)
    }


def clean_lines(lines: list[Line]) -> list[Line]:
    """Repair each line; drop page numbers, running headers and empty lines."""
    texts = [None if line.cells is not None else repair_line(line.text) for line in lines]
    running = _running_headers(texts)
    out: list[Line] = []
    for line, text in zip(lines, texts, strict=True):
        if line.cells is not None:
            out.append(
                Line(repair_line(" ".join(line.cells)), [repair_line(c) for c in line.cells])
            )
            continue
        if not text or _PAGE_NUMBER.match(text) or text in running:
            continue
        out.append(Line(text))
    return out


def build_paragraphs(lines: list[Line], cleaned: bool = False) -> list[Paragraph]:
    """Join physical lines into paragraphs (see module docstring); `cleaned` when the
    lines already went through clean_lines (which is not idempotent: it drops page
    numbers and running headers).

    Linear in the length of the text (H2): the paragraph being built is kept as a list of
    pieces, joined once, and its share of capitals is added up line by line rather than
    recounted over the whole paragraph at every line.
    """
    paras: list[Paragraph] = []
    current: Paragraph | None = None
    pieces: list[str] = []  # current.text, joined at flush
    letters = upper = 0  # letters and capitals of current.text

    def flush() -> None:
        nonlocal current
        if current is not None:
            current.text = " ".join("".join(pieces).split())
            paras.append(current)
            current = None

    for line in lines if cleaned else clean_lines(lines):
        if line.cells is not None:
            flush()
            paras.append(Paragraph("row", line.text, cells=line.cells, lines=[line.text]))
            continue
        text = line.text
        opened = _opens(text)
        prev = current.lines[-1] if current is not None and current.lines else ""
        if opened and current is not None and opened[0] in ("bullet", "number"):
            # "- 2030” đối với…" or "1. " inside a wrapped sentence is not a new item.
            rest = opened[2]
            if not _ends_sentence(prev) and (rest[:1].islower() or rest[:1].isdigit()):
                opened = None
        new = False
        if opened:
            new = True
        elif current is None:
            new = True
        elif detect_label(text) and _ends_sentence(prev):
            new = True
        elif _ends_sentence(prev) and text[:1].isupper():
            new = True
        elif text[:1].isupper() and starts_basis(text):
            new = True  # "Căn cứ …" opens a paragraph even after an unfinished title
        elif (
            current.kind in ("number", "letter")
            and len(current.lines) == 1
            and len(prev) < 40
            and text[:1].isupper()
        ):
            # A short heading ("1. Các phòng thuộc Sở") did not wrap: what follows is body.
            new = True
        elif current.kind == "roman" and _caps_share(letters, upper):
            new = not is_caps_heading(text)
        if not new and current is not None:
            if prev.endswith("-") and not prev.endswith(" -") and text[:1].isalpha():
                pieces.append(text)  # "1927/KH-" + "UBND"
            else:
                pieces.append(" " + text)
            if current.kind == "roman":  # only a Roman heading's capitals are asked for
                more_letters, more_upper = _letter_counts(text)
                letters, upper = letters + more_letters, upper + more_upper
            current.lines.append(text)
            continue
        flush()
        if opened:
            kind, marker, rest = opened
            current = Paragraph(kind, rest, marker=marker, lines=[text])
        else:
            current = Paragraph("text", text, lines=[text])
        pieces = [current.text]
        letters, upper = _letter_counts(current.text) if current.kind == "roman" else (0, 0)
    flush()
    return paras
