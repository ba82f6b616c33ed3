"""Diacritics restored on OCR'd text: a syllable language model and a Viterbi search.

Scanned plans come back from OCR with their marks lost ("Phong Giao duc va Dao tao")
or misread ("Tha do Ha Ngi", "cia UNESCO", "Pao tao"). Each word of such a line is read
as the OCR'd form of some syllable: the candidates are the syllables of the model whose
folded key equals the word's, or is within a couple of OCR-typical edits of it ("Đ" read
as "P", a vowel read as another, "ư" as "w"), or, for a word whose folded form is no
syllable's, close to it once OCR's confusions of letter groups are undone ("phmmg" is
"phường", "nit" after "phụ" is "nữ", "¢6" is "có"; see `_CONFUSIONS`). A trigram model
of syllables (with backoff to bigrams and unigrams, trained by
tools/build_diacritics_model.py on the text the project ships) scores sequences, and a
beam-limited Viterbi search picks the best one.
The work is linear in the line's length: each word has at most `_MAX_CANDIDATES`
candidates and the search has one state per candidate.

Lines that are mostly well written are left alone but for words that cannot be
Vietnamese (an impossible spelling, two tone marks) or that lost their marks; lines
where most words are not known as written are decoded whole.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .syllables import split_syllable, syllable_key, tone_marks

MODEL_PATH = Path(__file__).resolve().parent / "data" / "diacritics.json.gz"
_MAX_CANDIDATES = 8
_MAX_EDIT = 1.6  # weighted edits allowed between a word's key and a candidate's
_DISCOUNT = 0.75
_UNKNOWN = math.log(1e-6)  # a word the model has never seen, kept as written
_IMPOSSIBLE = -6.0  # and, on top, a spelling Vietnamese does not allow
_EDIT_COST = 5.0  # log-probability cost of one weighted edit
_MARKS_DIFFER = 0.8  # the word had marks and the candidate has others
_RARE_BARE = 1.0
_VIETNAMESE_SHAPE = 0.15  # share of a line's words shaped like syllables, to read it
_PRUNE = 3.0  # candidates this much worse than the best on the channel are dropped
_FULL_LINE_RATIO = 0.75  # below this share of known words, the line is decoded whole
_DIGITS = {"0": "o", "3": "a", "4": "a", "6": "o", "8": "o", "9": "o"}
_VOWEL_KEYS = set("aeiouy")
# A word, with the symbols OCR puts for a marked vowel inside it ("K& hoạch", "t§ chức"),
# never starting with one but "¢", OCR's "c" of "có" ("¢6", "¢b").
_TOKEN = re.compile(
    r"(?:¢(?=[^\W_]))?[^\W_](?:[^\W_]|[&§¢@](?![^\W_&§¢@]{5})|['’](?=[^\W_]))*", re.UNICODE
)
_SYMBOLS = {"&": "e", "§": "o", "¢": "c", "@": "a"}
_BREAK = re.compile(r"[.,;:!?()\[\]“”\"«»]")
_ROMAN = re.compile(r"^[IVXL]{1,5}$")
_ROMAN_OCR = set("1IlVX|")
_COLUMN = re.compile(r"^[A-Z]\d{1,2}$")
_COLUMNS = re.compile(r"\b[A-Z]\d{1,2}\b")
_PUNCTUATION = set(",.;:!?()[]\"“”«»'‘’-–—/…&")
_FRONT = ("e", "i", "y")  # rhymes before which "c", "g", "ng" are spelt "k", "gh", "ngh"


@dataclass(frozen=True)
class _Candidate:
    syllable: str  # lower case, as in the model; "" for the word kept as written
    cost: float  # channel log-probability (<= 0)


class DiacriticsModel:
    """The trained syllable model: n-gram counts, the candidates of each folded key."""

    def __init__(self, data: dict) -> None:
        self.rhymes = frozenset(data["rhymes"])
        self.rhyme_keys = frozenset(syllable_key(r) for r in self.rhymes)
        self.uni: dict[str, int] = data["unigrams"]
        self.total = sum(self.uni.values())
        self.vocab = len(self.uni)
        self.bi: dict[str, int] = data["bigrams"]
        self.tri: dict[str, int] = data["trigrams"]
        # Log-probabilities precomputed for the events seen in training; an unseen event
        # is its context's backoff weight times the lower order (interpolated absolute
        # discounting, exact in this form).
        denom = self.total + 0.1 * self.vocab
        self.lp1: dict[str, float] = {w: math.log((c + 0.1) / denom) for w, c in self.uni.items()}
        ctx1: dict[str, list[int]] = {}
        for pair, count in self.bi.items():
            entry = ctx1.setdefault(pair.split(" ", 1)[0], [0, 0])
            entry[0] += count
            entry[1] += 1
        self.gamma1 = {v: math.log(_DISCOUNT * n / c) for v, (c, n) in ctx1.items()}
        self.lp2: dict[str, dict[str, float]] = {}
        for pair, count in self.bi.items():
            v, w = pair.split(" ", 1)
            c, n = ctx1[v]
            p = (count - _DISCOUNT) / c + _DISCOUNT * n / c * math.exp(self.lp1.get(w, _UNKNOWN))
            self.lp2.setdefault(v, {})[w] = math.log(p)
        ctx2: dict[str, list[int]] = {}
        for triple, count in self.tri.items():
            entry = ctx2.setdefault(triple.rsplit(" ", 1)[0], [0, 0])
            entry[0] += count
            entry[1] += 1
        self.gamma2: dict[str, dict[str, float]] = {}
        for head, (c, n) in ctx2.items():
            u, v = head.split(" ")
            self.gamma2.setdefault(u, {})[v] = math.log(_DISCOUNT * n / c)
        self.lp3: dict[str, dict[str, dict[str, float]]] = {}
        for triple, count in self.tri.items():
            u, v, w = triple.split(" ")
            c, n = ctx2[f"{u} {v}"]
            p = (count - _DISCOUNT) / c + _DISCOUNT * n / c * math.exp(self._lp2(v, w))
            self.lp3.setdefault(u, {}).setdefault(v, {})[w] = math.log(p)
        self.by_key: dict[str, list[str]] = {}
        for syllable, _count in sorted(self.uni.items(), key=lambda kv: -kv[1]):
            if not syllable.startswith("<"):
                self.by_key.setdefault(syllable_key(syllable), []).append(syllable)
        # Deletion index (SymSpell): every key with up to two letters deleted.
        self.deletes: dict[str, set[str]] = {}
        for key in self.by_key:
            for variant in _deletions(key, 2):
                self.deletes.setdefault(variant, set()).add(key)
        self._lock = threading.Lock()
        self._cands: dict[str, tuple[_Candidate, ...]] = {}

    # -- language model ---------------------------------------------------------------

    def _lp2(self, v: str, w: str) -> float:
        row = self.lp2.get(v)
        if row is not None:
            value = row.get(w)
            if value is not None:
                return value
            return self.gamma1[v] + self.lp1[w]
        return self.lp1[w]

    def logp(self, u: str, v: str, w: str) -> float:
        """log P(w | u v), interpolated down to unigrams; unknown words get `_UNKNOWN`."""
        if w not in self.lp1:
            return _UNKNOWN
        rows = self.lp3.get(u)
        if rows is not None:
            row = rows.get(v)
            if row is not None:
                value = row.get(w)
                if value is not None:
                    return value
                return self.gamma2[u][v] + self._lp2(v, w)
        return self._lp2(v, w)

    # -- spelling ---------------------------------------------------------------------

    def possible(self, word: str) -> bool:
        """Whether a lower-case word is a spelling Vietnamese allows."""
        parts = split_syllable(word)
        if parts is None:
            return False
        onset, rhyme = parts
        if rhyme not in self.rhymes:
            return False
        front = syllable_key(rhyme).startswith(_FRONT)
        if onset in ("c", "g", "ng") and front:
            return False
        return not (onset in ("k", "gh", "ngh") and not front)

    def known(self, word: str) -> bool:
        """Whether the model has seen this exact lower-case syllable."""
        return word in self.uni

    def well_written(self, word: str) -> bool:
        """Known as written, and not a bare form whose marked reading is far more common
        ("dinh" is a word, but a plan that writes it means "định" or "đình")."""
        count = self.uni.get(word)
        if count is None:
            return False
        if syllable_key(word) != word:
            return True
        forms = self.by_key.get(word, ())
        return not forms or count * 2 >= self.uni[forms[0]]

    def possible_key(self, key: str) -> bool:
        """Whether a folded word has the shape of a syllable (onset + a rhyme)."""
        parts = split_syllable(key)
        return parts is not None and parts[1] in self.rhyme_keys

    def candidates(self, reading: str) -> tuple[_Candidate, ...]:
        """Syllables this OCR'd word may stand for, best channel score first."""
        cached = self._cands.get(reading)
        if cached is not None:
            return cached
        key = _ocr_key(reading)
        marked = tone_marks(reading) > 0 or syllable_key(reading) != reading
        found: dict[str, float] = {}
        for syllable in self.by_key.get(key, ()):
            if syllable == reading:
                # A bare form that the plans rarely mean ("dinh" for "đình").
                found[syllable] = 0.0 if self.well_written(syllable) else -_RARE_BARE
            else:
                found[syllable] = -_MARKS_DIFFER if marked else 0.0
        # The key as written, and as OCR's usual confusions of letter groups would have
        # it ("phmmg" read back as "phuong", "nit" as "nu"), each with what it cost.
        variants = {key: 0.0} if key in self.by_key else _confusion_variants(key)
        for variant, spent in variants.items():
            if not 2 <= len(variant) <= 7:
                continue
            limit = _MAX_CONFUSION_EDIT if spent else _MAX_EDIT
            if spent:
                for syllable in self.by_key.get(variant, ()):
                    cost = -_EDIT_COST * spent
                    if cost > found.get(syllable, -math.inf):
                        found[syllable] = cost
            near: set[str] = set()
            for deleted in _deletions(variant, 2):
                near |= self.deletes.get(deleted, set())
            for other in near:
                if other == variant:
                    continue
                distance = spent + _weighted_distance(variant, other)
                if distance > limit:
                    continue
                for syllable in self.by_key[other]:
                    cost = -_EDIT_COST * distance
                    if cost > found.get(syllable, -math.inf):
                        found[syllable] = cost
        best = sorted(found.items(), key=lambda kv: (-kv[1], -self.uni.get(kv[0], 0), kv[0]))
        # Far worse than the best reading on the channel alone: not worth a state.
        top = best[0][1] if best else 0.0
        best = [kv for kv in best if kv[1] >= top - _PRUNE]
        result = tuple(_Candidate(s, c) for s, c in best[:_MAX_CANDIDATES])
        with self._lock:
            if len(self._cands) < 50_000:
                self._cands[reading] = result
        return result


def _deletions(key: str, depth: int) -> set[str]:
    out = {key}
    frontier = {key}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


# Letter groups Tesseract puts for others on Vietnamese print, as (read, meant, cost) in
# folded keys, the cost in the units of `_weighted_distance`: a marked "ư" read as "it",
# "ir" or "tr" ("nữ" as "nit", "chức" as "chirc", "cứu" as "ctru"), "ườ" as "m" and "n"
# as "m" ("phường" as "phmmg"), "rn" as "m" and back, "cl" as "d", a marked vowel as "d"
# or "b" ("hỗ" as "hd", "số" as "sb", "suốt" as "sudt"), "c" as "e" ("chức" as "chire").
# Applied only after a word's first letter, where the onset is read well, and only to a
# word whose folded form is no syllable's (a stripped "nham" is "nhằm", never "nhận"); what
# they cost with the edits after them is capped at `_MAX_CONFUSION_EDIT`, so that a word
# is read back through them only when it is close to a syllable.
_CONFUSIONS: tuple[tuple[str, str, float], ...] = (
    ("it", "u", 0.8),
    ("ir", "u", 0.4),
    ("tr", "u", 0.6),
    ("e", "c", 0.4),
    ("m", "uo", 0.5),
    ("m", "n", 0.5),
    ("rn", "m", 0.3),
    ("m", "rn", 0.5),
    ("cl", "d", 0.4),
    ("d", "o", 0.5),
    ("d", "a", 0.6),
    ("b", "o", 0.5),
)
_MAX_CONFUSIONS = 2
_MAX_CONFUSION_EDIT = 1.0


@lru_cache(maxsize=65536)
def _confusion_variants(key: str) -> dict[str, float]:
    """The key and what it reads as once up to `_MAX_CONFUSIONS` letter groups are taken
    for the ones OCR confuses them with, each at its cheapest cost."""
    out = {key: 0.0}
    frontier = {key: 0.0}
    for _ in range(_MAX_CONFUSIONS):
        grown: dict[str, float] = {}
        for word, spent in frontier.items():
            for read, meant, cost in _CONFUSIONS:
                start = word.find(read, 1)
                while start != -1:
                    variant = word[:start] + meant + word[start + len(read) :]
                    total = spent + cost
                    if total <= _MAX_CONFUSION_EDIT and total < out.get(variant, math.inf):
                        out[variant] = grown[variant] = total
                    start = word.find(read, start + 1)
        frontier = grown
    return out


@lru_cache(maxsize=65536)
def _weighted_distance(a: str, b: str) -> float:
    """Edit distance where OCR's usual slips cost less: vowel for vowel, "p"/"b" for a
    word-initial "đ", "w" for "ư"."""

    def sub(x: str, y: str, i: int) -> float:
        if x == y:
            return 0.0
        if i == 0 and y == "d" and x in "pb":
            return 0.3
        if x == "w" and y == "u":
            return 0.3
        if x in _VOWEL_KEYS and y in _VOWEL_KEYS:
            return 0.6
        return 1.0

    def indel(x: str) -> float:
        return 0.7 if x in _VOWEL_KEYS else 1.0

    prev = [0.0]
    for ch in b:
        prev.append(prev[-1] + indel(ch))
    for i, x in enumerate(a):
        cur = [prev[0] + indel(x)]
        for j, y in enumerate(b):
            cur.append(min(prev[j] + sub(x, y, i), prev[j + 1] + indel(x), cur[j] + indel(y)))
        prev = cur
    return prev[-1]


def _reading(token: str) -> str:
    """The word as the model reads it: lower case, "o'" as "ơ", "u'" as "ư", OCR digits
    as the vowels they stand for ("t6" -> "to", "x4" -> "xa")."""
    word = unicodedata.normalize("NFC", token.lower())
    word = re.sub(r"o['’]", "ơ", word)
    word = re.sub(r"u['’]", "ư", word).replace("'", "").replace("’", "")
    # No Vietnamese word has "ii": OCR's reading of one marked vowel ("Viin" văn, "ciia").
    word = word.replace("ii", "i")
    if any(c in _SYMBOLS for c in word):
        word = "".join(_SYMBOLS.get(c, c) for c in word)
    if any(c.isdigit() for c in word):
        head = "l" if word[0] == "1" and len(word) > 1 else word[0]
        word = head + word[1:]
        word = "".join(_DIGITS.get(c, "i" if c == "1" else c) for c in word)
    return word


def _ocr_key(reading: str) -> str:
    return syllable_key(reading)


def _cased(token: str, syllable: str) -> str:
    letters = [c for c in token if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return syllable.upper()
    if any(c.isupper() for c in token[:2]):
        return syllable[:1].upper() + syllable[1:]
    return syllable


_model: DiacriticsModel | None = None
_model_lock = threading.Lock()


def load_model() -> DiacriticsModel:
    """The model, read from importer/data once per process (lazily: importing the
    importer does not cost the parse of the model)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as fh:
                    _model = DiacriticsModel(json.load(fh))
    return _model


@dataclass
class _Slot:
    token: str
    start: int
    end: int
    reading: str
    cands: tuple[_Candidate, ...]  # empty: a fixed word (kept as written)
    fixed: bool = False  # not a word to read (a code, a column, a Roman numeral)


def _is_word(token: str, text: str, start: int, end: int, columns: bool = False) -> bool:
    """Whether a token may be a Vietnamese syllable worth reading (not a number, a code
    such as "KH-UBND" or "23-NQ/TU", a Roman numeral or a long foreign word)."""
    if not any(c.isalpha() for c in token.replace("¢", "c")) or len(token) > 9:
        return False
    if token[0].isdigit() and not (len(token) <= 4 and token[-1].isalpha()):
        return False
    if columns and _COLUMN.match(token):
        return False  # "T9 T10 T11", "Q4": columns of months or quarters, not OCR's "Tổ"
    if len(token) == 1 and (token.isupper() or token not in "aeiouyáàảãạóòỏõọ"):
        return False  # an item letter, an "x" marking a column; only "o", "a" may be words
    if _ROMAN.match(token) or set(token) <= _ROMAN_OCR:
        return False  # "II", and OCR's "11l", "Il", "1V" for Roman numerals
    around = text[start - 1 : start] + text[end : end + 1]
    if any(not c.isspace() and c not in _PUNCTUATION for c in around):
        return False  # glued to OCR debris ("Ti€u", "cén?bcf)"): left to fuzzy matching
    before = text[start - 1 : start]
    after = text[end : end + 1]
    glued = before in "/-&" and before or after in "/-&" and after
    if token.isupper() and len(token) > 1 and glued:
        return False
    if glued or before == "." or after == ".":
        # Part of a code ("956/Qb-SGDDT", "04/TTr-PGDDT"), a web address or an e-mail
        # ("tuyensinh.hcm.edu.vn"): kept as written.
        left = text.rfind(" ", 0, start) + 1
        right = text.find(" ", end)
        chunk = text[left : right if right != -1 else len(text)]
        if _ADDRESS.search(chunk) or glued and _CODE.search(chunk):
            return False
    return True


_ADDRESS = re.compile(r"://|\bwww\.|@[^\W_]+\.[^\W\d_]{2,}|\.(?:vn|com|org|net|edu)\b", re.I)
_CODE = re.compile(r"[^\W_][/-][A-ZĐ]{2,}|[A-ZĐ]{2,}[/-][^\W_]")


def _slots(text: str, model: DiacriticsModel) -> tuple[list[_Slot | None], int, int, int]:
    """The line's words (None marks a break in the sentence), how many may be syllables,
    how many of those the model knows as written, and how many have a syllable's shape."""
    slots: list[_Slot | None] = []
    words = known = shaped = 0
    last = 0
    # A line of month or quarter headings ("T9 T10 T11 T12"), or one alone in its cell.
    columns = len(_COLUMNS.findall(text)) >= 2 or bool(_COLUMN.match(text.strip()))
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if _BREAK.search(text[last : m.start()]):
            slots.append(None)
        last = m.end()
        if not _is_word(token, text, m.start(), m.end(), columns):
            if any(c.isalpha() for c in token):
                # Kept as written; still context when it is a syllable ("Y" of "Y tế").
                low = token.lower()
                slots.append(
                    _Slot(token, m.start(), m.end(), low if model.known(low) else "<o>", (), True)
                )
            continue
        reading = _reading(token)
        words += 1
        shaped += model.possible_key(_ocr_key(reading))
        if reading == token.lower() and (
            model.well_written(reading)
            or (syllable_key(reading) != reading and model.possible(reading))
        ):
            known += 1  # known, or at least a well-formed marked syllable (a name)
        slots.append(_Slot(token, m.start(), m.end(), reading, ()))
    return slots, words, known, shaped


def _decide(slot: _Slot, model: DiacriticsModel, whole: bool) -> None:
    """Give a word its candidates, or leave it fixed."""
    reading = slot.reading
    if reading == "<o>" or slot.fixed:
        return
    if slot.token.isupper() and len(slot.token) > 1 and not model.possible_key(_ocr_key(reading)):
        return  # an abbreviation ("UBND", "THPT"): only syllables in capitals are read
    written_ok = model.well_written(reading) and reading == slot.token.lower()
    if not whole:
        unmarked = syllable_key(reading) == reading
        if written_ok or (model.possible(reading) and not unmarked):
            return
        if model.possible(reading) and not model.by_key.get(_ocr_key(reading)):
            return  # a possible word with no other reading: a name, kept
    slot.cands = model.candidates(reading)


def _identity_cost(slot: _Slot, model: DiacriticsModel) -> float:
    return 0.0 if model.possible(slot.reading) else _IMPOSSIBLE


START = ("<s>", "<s>")


def restore_line(text: str, model: DiacriticsModel | None = None) -> str:
    """The line with its words' diacritics restored where it needs it; else as given."""
    return restore_in_context(text, model)[0]


def restore_in_context(
    text: str, model: DiacriticsModel | None = None, context: tuple[str, str] = START
) -> tuple[str, tuple[str, str]]:
    """`restore_line` for a line that continues the one before it: `context` is the last
    two syllables of that line (a sentence wrapped after "Thành" goes on with "phố");
    returns the restored line and its own last two syllables, for the next line."""
    if not text or not any(c.isalpha() for c in text):
        return text, START
    model = model or load_model()
    slots, words, known, shaped = _slots(text, model)
    if not words or shaped < _VIETNAMESE_SHAPE * words:
        # Not Vietnamese, or not text (a run of random letters): nothing to restore, and
        # reading it would only cost (H2).
        return text, START
    whole = words >= 2 and known < _FULL_LINE_RATIO * words or words == 1 and known == 0
    for slot in slots:
        if slot is not None:
            _decide(slot, model, whole)
    if not any(slot is not None and slot.cands for slot in slots):
        return text, _tail(text, slots, [""] * sum(s is not None for s in slots), model)
    choices = _viterbi(slots, model, context)
    out: list[str] = []
    pos = 0
    for slot, choice in zip((s for s in slots if s is not None), choices, strict=True):
        if not choice:
            continue
        out.append(text[pos : slot.start])
        out.append(_cased(slot.token, choice))
        pos = slot.end
    out.append(text[pos:])
    return "".join(out), _tail(text, slots, choices, model)


def _tail(
    text: str, slots: list[_Slot | None], choices: list[str], model: DiacriticsModel
) -> tuple[str, str]:
    """The last two syllables the line ends with, as context for the next line."""
    words = [s for s in slots if s is not None]
    if not words or slots[-1] is None or _BREAK.search(text[words[-1].end :]):
        return START
    seq: list[str] = []
    for slot in slots[::-1]:
        if slot is None or len(seq) == 2:
            break
        choice = choices[words.index(slot)] if len(seq) < 2 else ""
        token = choice or (slot.reading if slot.reading in model.lp1 else "<o>")
        seq.append(token)
    seq += ["<s>"] * (2 - len(seq))
    return seq[1], seq[0]


def _viterbi(
    slots: list[_Slot | None], model: DiacriticsModel, context: tuple[str, str] = ("<s>", "<s>")
) -> list[str]:
    """The best syllable for each word ("" = keep as written).

    A Viterbi search whose states are the current word's candidates; each state keeps
    the syllable before it on its best path, so the trigram model scores every step
    (the usual approximation of a second-order search, at a first-order cost: at most
    `_MAX_CANDIDATES`² steps per word).
    """
    # lm token -> (score, the lm token before it, backpointer chain of outputs)
    states: dict[str, tuple[float, str, tuple | None]] = {context[1]: (0.0, context[0], None)}
    logp = model.logp
    for slot in slots:
        if slot is None:
            score, _prev, chain = max(states.values(), key=lambda st: st[0])
            states = {"<s>": (score, "<s>", chain)}
            continue
        if not slot.cands:
            known = slot.reading != "<o>" and slot.reading in model.lp1
            options = [(slot.reading if known else "<o>", "", 0.0)]
        else:
            options = [(c.syllable, c.syllable, c.cost) for c in slot.cands]
            if not any(c.syllable == slot.reading for c in slot.cands):
                options.append((slot.reading, "", _identity_cost(slot, model)))
        new: dict[str, tuple[float, str, tuple | None]] = {}
        for w, output, cost in options:
            best: tuple[float, str, tuple | None] | None = None
            for v, (score, u, chain) in states.items():
                total = score + (0.0 if w == "<o>" else logp(u, v, w)) + cost
                if best is None or total > best[0]:
                    best = (total, v, chain)
            assert best is not None
            previous = new.get(w)
            if previous is None or best[0] > previous[0]:
                new[w] = (best[0], best[1], (output, best[2]))
        states = new
    _, _, chain = max(states.values(), key=lambda st: st[0])
    choices: list[str] = []
    while chain is not None:
        choices.append(chain[0])
        chain = chain[1]
    choices.reverse()
    return choices


def restore_text(lines: Iterable[str]) -> list[str]:
    """`restore_line` over many lines, sharing one model."""
    model = load_model()
    return [restore_line(line, model) for line in lines]
