"""Diacritics back on OCR'd text: whole lines by the syllable model, titles by a lexicon.

`restore_lines` runs on every cleaned line before segmentation: lines that lost their
marks or whose words cannot be Vietnamese are decoded by the syllable model of
`importer.diacritics` (see there). `restore_diacritics` below is the older,
lexicon-based repair of titles, kept for the phrases the model may not know.

OCR strips or mangles the marks of scanned plans ("Trién khai thuc hién xay dung"). The
scorer and the reviewer's search compare titles without diacritics, so this is only for
the reader: where a run of words is, once folded, exactly a phrase of the lexicon, the
phrase's spelling replaces it. Only whole phrases of the lexicon are restored, and most
are two words or more, because a single folded syllable is ambiguous ("nam" is năm or
nam, "quan" is quận or quan) while a phrase of administrative Vietnamese is not.

No library is used: the PyPI packages that restore Vietnamese diacritics are neural
models whose weights are downloaded at run time (the importer runs offline), and the
ones that work offline only strip or fold marks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .diacritics import START, load_model, restore_in_context
from .normalize import Line
from .textutil import strip_marks

# Restoration reads at most this many characters of a document (about 50 pages of OCR);
# the rest is kept as extracted. Decoding is linear, but a few microseconds a letter
# would still let a hostile document hold the worker (H2); no real plan comes near it.
MAX_RESTORED_CHARS = 100_000
# A line longer than this is no OCR line (a DOCX paragraph or a hostile run of words):
# kept as written.
MAX_LINE_CHARS = 3_000


def restore_lines(lines: list[Line]) -> list[Line]:
    """The lines (and table cells) with diacritics restored where they were lost.

    A line that reads on from the one before it (it starts in lower case) keeps that
    line's last syllables as context (a name wrapped after "Thành" goes on with "phố");
    any other line, a table row, or a line that opens a paragraph starts afresh.
    """
    model = load_model()
    budget = MAX_RESTORED_CHARS
    # A running header or a repeated cell is decoded once (per context).
    done: dict[tuple[str, tuple[str, str]], tuple[str, tuple[str, str]]] = {}

    def restore(text: str, context: tuple[str, str] = START) -> tuple[str, tuple[str, str]]:
        nonlocal budget
        key = (text, context)
        if key in done:
            return done[key]
        if budget <= 0 or len(text) > MAX_LINE_CHARS:
            return text, START
        budget -= len(text)
        done[key] = restore_in_context(text, model, context)
        return done[key]

    out: list[Line] = []
    context = START
    head: str | None = None  # the restored start of a word the line before broke off
    for i, line in enumerate(lines):
        if line.cells is not None:
            cells = [restore(c)[0] for c in line.cells]
            out.append(replace(line, text=restore(line.text)[0], cells=cells))
            context = START
            continue
        first = line.text.lstrip()[:1]
        if not first.islower() or _OPENS_PARAGRAPH.match(line.text):
            context = START  # only a line that starts in lower case reads on
        text, context = restore(line.text, context)
        if head is not None:
            text = _LEADING_WORD.sub(lambda m, h=head: m.group(1) + h, text, count=1)
            head = None
        # A word hyphenated across lines ("thường xuy-" / "en"): read whole, then split.
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        tail = _TRAILING_PIECE.search(line.text)
        lead = _LEADING_WORD.match(nxt.text) if nxt is not None and nxt.cells is None else None
        if tail and lead and lead.group(2)[:1].islower():
            whole = restore_in_context(tail.group(1) + lead.group(2), model, START)[0]
            if len(whole) == len(tail.group(1)) + len(lead.group(2)):
                cut = len(tail.group(1))
                text = _TRAILING_PIECE.sub(lambda m, w=whole[:cut]: w + "-", text, count=1)
                head = whole[cut:]
        out.append(replace(line, text=text))
    return out


_TRAILING_PIECE = re.compile(r"([^\W\d_]+)-$")
_LEADING_WORD = re.compile(r"^(\s*)([^\W\d_]+)")


_OPENS_PARAGRAPH = re.compile(r"^\s*(?:[-–—+•*~]|\d{1,2}(?:\.\d{1,2})*[.)]|[IVX]{1,5}\.|[a-zđ]\))")


# Phrases of plan titles and items, spelled as in official documents. Proper names keep
# their capitals; common words are lower case and take the case of the text they replace.
PHRASES = """
kế hoạch; triển khai; thực hiện; triển khai thực hiện; xây dựng; phát triển; tổ chức;
thành phố; Thành phố Hồ Chí Minh; Hồ Chí Minh; Thủ Đức; Hà Nội; Thủ đô;
trên địa bàn; địa phương; giai đoạn; định hướng; tầm nhìn;
giáo dục; đào tạo; Giáo dục và Đào tạo; ngành Giáo dục; Sở Giáo dục và Đào tạo;
Phòng Giáo dục và Đào tạo; Ủy ban nhân dân; Hội Khuyến học; Công đoàn ngành;
học tập; học tập suốt đời; xã hội học tập; thành phố học tập; toàn cầu; học tập toàn cầu;
công dân học tập; đơn vị học tập; cộng đồng học tập; gia đình học tập; dòng họ học tập;
khuyến học; khuyến tài; đề án; chương trình; phong trào; thi đua; cả nước; đẩy mạnh;
chuyển đổi số; công nghệ thông tin; ứng dụng; văn hóa đọc; thư viện; học liệu;
cơ sở giáo dục; trung tâm; học tập cộng đồng; giáo dục thường xuyên; giáo dục nghề nghiệp;
mầm non; tiểu học; trung học cơ sở; trung học phổ thông; chuyên nghiệp; đại học;
nâng cao; chất lượng; hiệu quả; nhận thức; tuyên truyền; phổ biến; truyền thông;
tăng cường; bồi dưỡng; kiểm tra; giám sát; đánh giá; công nhận; khen thưởng; biểu dương;
mục tiêu; nhiệm vụ; giải pháp; nội dung; kinh phí; báo cáo; kết quả; tiêu chí; chỉ số;
cán bộ; quản lý; giáo viên; học sinh; sinh viên; viên chức; công chức; người dân;
hội nghị; hội thảo; hợp tác quốc tế; kinh nghiệm; mạng lưới; thành viên;
ban chỉ đạo; tổ giúp việc; ban hành; quyết định; hướng dẫn; cơ chế; chính sách;
xóa mù chữ; phổ cập giáo dục; nguồn nhân lực; hoàn thiện; tiếp tục; thường xuyên
"""
# Function words that, folded, have one reading in the genre ("va" is "và", "cua" "của").
WORDS = "và; các; của; với; được; những; trên; người; đối với"
_YEAR = re.compile(r"^(?:nam|n\w{1,2}m)$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_MAX_WORDS = 6


def _key(word: str) -> str:
    return strip_marks(word).lower()


@lru_cache(maxsize=1)
def _lexicon() -> dict[tuple[str, ...], list[str]]:
    table: dict[tuple[str, ...], list[str]] = {}
    for phrase in re.split(r"[;\n]", PHRASES + ";" + WORDS):
        words = phrase.split()
        if words:
            table[tuple(_key(w) for w in words)] = words
    return table


@lru_cache(maxsize=1)
def _lengths() -> dict[str, tuple[int, ...]]:
    """The lengths of the lexicon's phrases by their first word's key, longest first."""
    table: dict[str, set[int]] = {}
    for words in _lexicon():
        table.setdefault(words[0], set()).add(len(words))
    return {first: tuple(sorted(sizes, reverse=True)) for first, sizes in table.items()}


def _word_matches(written: str, lexicon_word: str) -> bool:
    key, want = _key(written), _key(lexicon_word)
    if key == want:
        return True
    # OCR reads "Đ" as "P" or "B": allowed only where the lexicon word has a real "Đ".
    return lexicon_word[:1] in "Đđ" and key[:1] in "pb" and key[1:] == want[1:]


def _cased(written: str, word: str) -> str:
    if len(written) > 1 and written.isupper():
        return word.upper()
    if written[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def restore_diacritics(text: str) -> str:
    """Put back the marks of the lexicon's phrases in `text`; leave everything else."""
    if not text:
        return text
    lexicon = _lexicon()
    matches = list(_WORD.finditer(text))
    # Each word's key, and whether punctuation follows it, computed once: every word is
    # part of up to _MAX_WORDS candidate phrases (H2: titles can be long).
    keys = [_key(m.group(0)) for m in matches]
    broken = [
        bool(text[a.end() : b.start()].strip()) for a, b in zip(matches, matches[1:], strict=False)
    ]
    out: list[str] = []
    pos = 0
    i = 0
    lengths = _lengths()
    while i < len(matches):
        done = False
        # Only the lengths of phrases that start with this word (or its "Đ" read as P/B).
        sizes = lengths.get(keys[i], ())
        if matches[i].group(0)[:1] in "PpBb":
            sizes = tuple(sorted({*sizes, *lengths.get("d" + keys[i][1:], ())}, reverse=True))
        for n in sizes:
            if n > min(_MAX_WORDS, len(matches) - i):
                continue
            span = matches[i : i + n]
            # Words of one phrase are separated by spaces only, never by punctuation.
            if any(broken[i : i + n - 1]):
                continue
            written = [m.group(0) for m in span]
            target = lexicon.get(tuple(keys[i : i + n]))
            if target is None and written[0][:1] in "PpBb":
                target = lexicon.get(("d" + keys[i][1:], *keys[i + 1 : i + n]))
            if target is None or not all(map(_word_matches, written, target)):
                continue
            out.append(text[pos : span[0].start()])
            for k, (m, word) in enumerate(zip(span, target, strict=True)):
                if k:
                    out.append(text[span[k - 1].end() : m.start()])
                out.append(_cased(m.group(0), word))
            pos = span[-1].end()
            i += n
            done = True
            break
        if not done:
            m = matches[i]
            nxt = matches[i + 1].group(0) if i + 1 < len(matches) else ""
            after = matches[i + 2].group(0) if i + 2 < len(matches) else ""
            if _YEAR.match(m.group(0)) and re.fullmatch(r"(19|20)\d\d", nxt):
                out.append(text[pos : m.start()])
                out.append(_cased(m.group(0), "năm"))  # "nam 2024", "nim 2024": năm
                pos = m.end()
            elif _YEAR.match(m.group(0)) and _key(nxt) == "hoc" and re.fullmatch(r"\d{4}", after):
                # "nam hoc 2024": năm học (school year); "nam hoc sinh" stays: male pupils
                out.append(text[pos : m.start()])
                out.append(_cased(m.group(0), "năm") + text[m.end() : matches[i + 1].start()])
                out.append(_cased(nxt, "học"))
                pos = matches[i + 1].end()
                i += 1
            i += 1
    out.append(text[pos:])
    return "".join(out)
