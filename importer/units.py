"""Unit mentions: split a list of units as written and resolve each against the directory.

A list such as "Phòng GDTX-CN&ĐH, Sở GDĐT; Ủy ban nhân dân thành phố Thủ Đức và các
quận, huyện và các đơn vị liên quan" cannot be split on "," and "và" blindly: both occur
inside official names. We cut it into pieces at every separator and then rebuild names
longest-match-first against the directory; pieces nothing matches stay as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .directory import Directory, Entry, Match
from .scope import Scope
from .textutil import capitalize_first, fold, match_key, squash_spaces

_OPEN_QUOTES = '“"«'
_CLOSE_QUOTES = '”"»'
_MAX_SPAN = 8  # pieces per name: "Ủy ban nhân dân thành phố Thủ Đức và các quận, huyện" = 3
_SCHOOL_YEAR_TAIL = re.compile(r"giai\s+\S{2,6}\s+\d{4}\s*[-–]\s*\d{4}", re.IGNORECASE)
_DEFINE = re.compile(
    r"\((?:\s*(?:sau\s+\S+\s+)?(?:g\S{1,3}i\s+(?:t\S{1,3}t\s+)?l\S|vi\S{1,3}t\s+t\S{1,3}t\s+l\S)\s*)?"
    r"([^()]{1,60}?)\s*\)",
    re.IGNORECASE,
)
_ABBR_TOKEN = re.compile(r"^[A-ZĐ][A-ZĐ&\-]{1,9}$")
# A plan defines a handful of abbreviations; every mention is expanded with each of them,
# so their number must be bounded for the expansion to stay linear (H2).
MAX_ABBREVIATIONS = 100
# No unit is named in more than this many characters (the longest in data/units.json has
# 78): a longer text cannot match a name, and matching it costs time in proportion (H2).
_MAX_NAME_CHARS = 300
# Each piece of a list is matched in up to 2 * _MAX_SPAN spans; a real list names a few
# dozen units. Pieces past this many are kept, unmatched, as one mention (H2).
_MAX_PIECES = 200
_SKIPPABLE = {"va", "cua", "and", "&", "-"}
# School levels ("cấp học"). "các trường Mầm non, Tiểu học, THCS trên địa bàn quận" lists
# levels, not units: the commas there do not separate names.
_LEVELS = (
    "mam non",
    "mau giao",
    "nha tre",
    "tieu hoc",
    "trung hoc co so",
    "trung hoc pho thong",
    "trung hoc",
    "pho thong",
    "thcs",
    "thpt",
    "mn",
    "th",
)
_LEVEL_RE = re.compile(r"^(?:{})\b".format("|".join(_LEVELS)))
_LEVEL_END = re.compile(r"\b(?:{})$".format("|".join(_LEVELS)))
_SCHOOLS = re.compile(r"\b(?:truong|co so giao duc|cap|bac|khoi)\b")


@dataclass
class Mention:
    """One unit mention: as written, and what it resolved to."""

    text: str
    unit: str | None = None
    kind: str | None = None  # "unit" | "group" | None
    confidence: float = 0.0
    code: str | None = None
    # Where a unit the directory lacks would be created: {"parent", "parent_code"}.
    proposed: dict | None = None
    # (start, end) of the mention in its item's content, set by importer.provenance.
    span: tuple[int, int] | None = None
    source: dict | None = None  # {"in": "content" | field label, "index", "start", "end"}

    @property
    def name(self) -> str:
        """The name to show: the directory's when resolved, the cleaned text otherwise."""
        return self.unit or self.text

    def to_json(self) -> dict:
        """JSON form used in the draft's "mentions" block."""
        data: dict = {
            "text": self.text,
            "unit": self.unit,
            "kind": self.kind,
            "code": self.code,
            "confidence": round(self.confidence, 3),
            "source": self.source,
        }
        if self.unit is None and self.proposed is not None:
            data["proposed"] = {"name": self.text, **self.proposed}
        return data


def _close_open_quotes(text: str) -> str:
    """Close a quotation OCR left open, at the "giai đoạn 2023 - 2030" that ends it."""
    opened = text.count("“")
    closed = text.count("”")
    if opened > closed:
        start = text.rfind("“")
        tail = _SCHOOL_YEAR_TAIL.search(text, start)
        end = tail.end() if tail else len(text)
        text = text[:end] + "”" + text[end:]
    return text


def _drop_quoted(text: str) -> str:
    """re.sub(r"“[^”]*”", " ", text) in one pass: the pattern retried "[^”]*" to the end
    of the text from every “ that no ” follows, quadratic on a run of them (H2)."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("“", pos)
        end = text.find("”", start + 1) if start >= 0 else -1
        if end < 0:  # no quotation closes after here: nothing more to drop
            break
        out += (text[pos:start], " ")
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def clean_mention_text(text: str) -> str:
    """Tidy a list of mentions: drop quoted titles, doubled words, stray punctuation.

    Quoted text inside a unit list is the name of a campaign or plan ("Ban chỉ đạo
    Phong trào thi đua “Cả nước …” các cấp"); the unit is what remains around it.
    """
    text = _drop_quoted(_close_open_quotes(text))
    text = re.sub(r"\b(\w+)(\s+\1\b)+", r"\1", text, flags=re.IGNORECASE)  # "và và"
    text = squash_spaces(text)
    return text.strip(" .,;:-–—~*+•")


def _split_pieces(text: str) -> tuple[list[str], list[str]]:
    """Cut at ',', ';' and the word 'và', never inside brackets or quotes."""
    pieces: list[str] = []
    seps: list[str] = []
    depth = 0
    quoted = False
    buf: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")" and depth:
            depth -= 1
        elif c in _OPEN_QUOTES and not quoted:
            quoted = True
        elif c in _CLOSE_QUOTES and quoted:
            quoted = False
        if depth == 0 and not quoted:
            if c in ",;":
                pieces.append("".join(buf))
                seps.append(c + " ")
                buf = []
                i += 1
                continue
            if (
                c in " \t"
                and fold(text[i + 1 : i + 4]) == "va"
                and (i + 3 >= n or text[i + 3] in " \t")
            ):
                pieces.append("".join(buf))
                seps.append(" " + text[i + 1 : i + 3] + " ")
                buf = []
                i += 3
                continue
        buf.append(c)
        i += 1
    pieces.append("".join(buf))
    out_p: list[str] = []
    out_s: list[str] = []
    for k, piece in enumerate(pieces):
        piece = piece.strip(" .,;:")
        if not piece:
            if out_s and k - 1 < len(seps):
                pass
            continue
        sep = seps[k - 1] if 0 < k <= len(seps) else ", "
        if out_p and _continues_levels(out_p[-1], piece):
            out_p[-1] = out_p[-1] + sep.rstrip() + " " + piece
            continue
        if out_p:
            out_s.append(sep)
        out_p.append(piece)
    return out_p, out_s


def _continues_levels(previous: str, piece: str) -> bool:
    """ "Tiểu học" after "các trường Mầm non": one more level of the same schools."""
    head, tail = fold(previous), fold(piece)
    return bool(_LEVEL_RE.match(tail) and _LEVEL_END.search(head) and _SCHOOLS.search(head))


def find_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations a plan defines for itself.

    Recognises "Giáo viên chủ nhiệm (GVCN)", "Phòng Giáo dục và Đào tạo (sau đây gọi là
    Phòng GDĐT)" and "(gọi tắt là …)": the long form is the run of words just before the
    bracket whose initials (or words) spell the short form.
    """
    found: dict[str, str] = {}
    for m in _DEFINE.finditer(text):
        alias = squash_spaces(m.group(1))
        tokens = alias.split()
        if not tokens or len(tokens) > 4:
            continue
        if not any(_ABBR_TOKEN.match(t) for t in tokens):
            continue
        pattern: list[tuple[str, str]] = []  # ("word", w) or ("initial", letter)
        for tok in tokens:
            if _ABBR_TOKEN.match(tok):
                pattern.extend(("initial", ch) for ch in fold(tok).replace(" ", ""))
            else:
                pattern.append(("word", fold(tok)))
        before = text[max(0, m.start() - 200) : m.start()].split()
        words = [w for w in before]
        span = _match_backwards(words, pattern)
        if span:
            found[fold(alias)] = squash_spaces(" ".join(span)).strip(" ,;")
            if len(found) >= MAX_ABBREVIATIONS:
                break
    return found


def _match_backwards(words: list[str], pattern: list[tuple[str, str]]) -> list[str] | None:
    wi = len(words) - 1
    pi = len(pattern) - 1
    while pi >= 0 and wi >= 0:
        word = words[wi]
        key = match_key(word) or fold(word)
        kind, value = pattern[pi]
        ok = (key == value or fold(word) == value) if kind == "word" else key[:1] == value
        if ok:
            pi -= 1
            wi -= 1
        elif fold(word) in _SKIPPABLE and pi < len(pattern) - 1:
            wi -= 1
        else:
            return None
    if pi >= 0:
        return None
    span = words[wi + 1 :]
    return span if len(span) >= 2 else None


def _expand(text: str, abbreviations: dict[str, str]) -> str:
    if not abbreviations:
        return text
    out = []
    for tok in text.split():
        out.append(
            abbreviations.get(fold(tok), tok) if _ABBR_TOKEN.match(tok.strip(",.;")) else tok
        )
    expanded = " ".join(out)
    for short, full in abbreviations.items():
        if " " in short:
            # A function, not a template: a backslash in the document is not an escape.
            expanded = re.sub(
                re.escape(short), lambda _m, full=full: full, expanded, flags=re.IGNORECASE
            )
    return expanded


def _lookup(
    text: str,
    directory: Directory | None,
    abbreviations: dict[str, str],
    single: bool,
    scope: Scope | None = None,
) -> Match | None:
    """The directory's match for a span of pieces, if the issuer's scope allows it."""
    match = _raw_lookup(text, directory, abbreviations, single)
    if match is not None and scope is not None and not scope.allows(match, text):
        return None
    return match


def _raw_lookup(
    text: str, directory: Directory | None, abbreviations: dict[str, str], single: bool
) -> Match | None:
    if directory is None:
        return None
    bare = squash_spaces(re.sub(r"\([^()]*\)", " ", text))
    for candidate in (bare, _expand(bare, abbreviations)) if len(bare) <= _MAX_NAME_CHARS else ():
        match = directory.lookup(candidate)
        if match:
            return match
    # "Đài Truyền hình Thành phố (HTV)": the bracket alone may name the unit, but only
    # when the span is one piece, or "(HTV), Đài Tiếng nói …" would swallow a list.
    inner = re.findall(r"\(([^()]*)\)", text) if single else []
    for part in inner:
        if len(part) > _MAX_NAME_CHARS:
            continue
        match = directory.lookup(part)
        if match and match.confidence >= 0.99:
            return match
    return None


def _display(text: str, abbreviations: dict[str, str]) -> str:
    text = _expand(text, abbreviations)
    text = re.sub(r"\b([^\W\d_]{1,3})([0-9])\b", _repair_digit_word, text)
    return capitalize_first(squash_spaces(text).strip(" .,;:"))


def _repair_digit_word(m: re.Match[str]) -> str:
    # "T6" -> "To", "c4c" -> "cac": OCR's digits for vowels in short words.
    table = str.maketrans({"0": "o", "3": "a", "4": "a", "5": "o", "6": "o", "9": "o"})
    return m.group(1) + m.group(2).translate(table)


def resolve_mentions(
    text: str,
    directory: Directory | None,
    abbreviations: dict[str, str] | None = None,
    scope: Scope | None = None,
) -> list[Mention]:
    """Split a written list of units and resolve each name.

    With a `scope` (the issuer's, see importer.scope) a name resolves only to what the
    issuer may mean; the others stay as written, proposed as new units under the issuer.

    Longest match first: from each piece, the longest run of pieces that the directory
    recognises is one unit. Unrecognised neighbours joined by "và" stay one name
    ("Ban chỉ đạo và Tổ giúp việc …"); a Sở named right after one of its own
    departments qualifies that department and is not a unit of its own.
    """
    abbreviations = abbreviations or {}
    text = clean_mention_text(text or "")
    if not text:
        return []
    pieces, seps = _split_pieces(text)
    if len(pieces) > _MAX_PIECES:
        rest = [pieces[_MAX_PIECES]]
        for sep, piece in zip(seps[_MAX_PIECES:], pieces[_MAX_PIECES + 1 :], strict=False):
            rest += (sep, piece)
        pieces = [*pieces[:_MAX_PIECES], "".join(rest)]
        seps = seps[:_MAX_PIECES]
    result: list[tuple[Mention, Entry | None]] = []
    joiners: list[str] = []
    # Pieces joined by "và" to an unresolved mention, by its index in result: added once
    # at the end, since growing its text piece by piece is quadratic (H2).
    tails: dict[int, list[str]] = {}
    i = 0
    while i < len(pieces):
        taken = False
        for j in range(min(len(pieces) - 1, i + _MAX_SPAN - 1), i - 1, -1):
            span = pieces[i]
            for k in range(i, j):
                span += seps[k] + pieces[k + 1]
            if j > i and len(span) > _MAX_NAME_CHARS:
                continue  # too long to be one name: not worth matching (see _lookup)
            match = _lookup(span, directory, abbreviations, single=i == j, scope=scope)
            if match:
                mention = Mention(
                    text=_display(span, abbreviations),
                    unit=match.entry.name,
                    kind=match.entry.kind,
                    confidence=match.confidence,
                    code=match.entry.code,
                )
                joiners.append(seps[i - 1] if i > 0 else "")
                result.append((mention, match.entry))
                i = j + 1
                taken = True
                break
        if not taken:
            joiner = seps[i - 1] if i > 0 else ""
            prev = result[-1] if result else None
            if prev and prev[1] is None and fold(joiner) == "va":
                tails.setdefault(len(result) - 1, []).extend((joiner, pieces[i]))
            else:
                joiners.append(joiner)
                result.append((Mention(text=pieces[i]), None))
            i += 1
    for index, more in tails.items():
        result[index][0].text = "".join((result[index][0].text, *more))

    mentions: list[Mention] = []
    seen: set[str] = set()
    prev_entry: Entry | None = None
    for (mention, entry), joiner in zip(result, joiners, strict=True):
        if (
            entry is not None
            and prev_entry is not None
            and prev_entry.parent == entry.code
            and joiner.strip() == ","
        ):
            continue  # ", Sở Giáo dục và Đào tạo" after a department of that Sở
        if entry is None:
            mention.text = _display(mention.text, abbreviations)
            if not mention.text:
                continue
            if scope is not None:
                mention.proposed = scope.proposal()
        key = mention.code or fold(mention.text)
        if key in seen:
            continue
        seen.add(key)
        mentions.append(mention)
        prev_entry = entry
    return mentions
