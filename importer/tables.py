"""Space-aligned tables: the columns of a text where only whitespace separates them.

`pdftotext -layout`, a PDF table without rules read by character positions, or a table
pasted as text into Word all give an assignment table as lines like

    STT   Nội dung                      Đơn vị chủ trì     Thời gian
    1.    Rà soát hiện trạng thư viện   Bộ phận Tiểu học   Tháng 10/2024
          các trường                    và THCS

Cells wrap over several lines, the columns move after a page break (the header is
repeated there, after the page number). The column boundaries are the gutters: character
positions blank in every line of one page's stretch of the table. Each line's runs of
text go to the column they overlap most; a line whose number cell is empty continues the
row above (also across the page break). Rows come out as `Line(cells=…)`, as a pipe or
Word table would, and the segmenter reads them the same way.

Linear: every line is cut into runs once, and the gutters of a stretch are found with
one array over its width.
"""

from __future__ import annotations

import re

from .fields import CONTENT, IN_CHARGE, LEAD, TIMEFRAME, column_kind
from .normalize import Line, nfc, roman_value
from .textutil import fold

_RUN = re.compile(r"\S+(?: \S+)*")
_ROW_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXL]{1,5}\.?)$")
_PAGE = re.compile(r"^\s*(?:trang\s+)?-?\s*\d{1,3}\s*(?:/\s*\d{1,3})?\s*-?\s*$", re.IGNORECASE)
_MIN_COLUMNS = 3
_MAX_COLUMNS = 24  # more runs than a table has columns: not a header (and bounded work)
_NUMBER_HEADERS = {"stt", "tt", "so tt", "so thu tu", "s tt"}
_MAX_WIDTH = 400  # characters: a wider line is not a table row


def _runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each run of text separated by two spaces or more."""
    out: list[tuple[int, int, str]] = []
    for m in _RUN.finditer(text):
        # A run of single-spaced words; two spaces end it.
        out.append((m.start(), m.end(), m.group(0)))
    return out


def _header_kinds(runs: list[tuple[int, int, str]]) -> list[str | None] | None:
    kinds = [column_kind(t) for _, _, t in runs]
    found = {k for k in kinds if k}
    if (
        len(runs) >= _MIN_COLUMNS
        and kinds[0] == "number"
        and CONTENT in found
        and found & {LEAD, TIMEFRAME, IN_CHARGE}
    ):
        return kinds
    return None


def is_header(text: str) -> bool:
    """A space-aligned header line: "STT  Nội dung  Đơn vị chủ trì  …"."""
    if "|" in text or len(text) > _MAX_WIDTH:
        return False
    runs = _runs(text)
    # Cheap test first: every line is asked, and column_kind matches fuzzily.
    if not _MIN_COLUMNS <= len(runs) <= _MAX_COLUMNS or fold(runs[0][2]) not in _NUMBER_HEADERS:
        return False
    return _header_kinds(runs) is not None


def _columns(lines: list[str]) -> list[tuple[int, int]]:
    """Column spans of a stretch of the table: runs of positions some line fills,
    separated by gutters of two blank positions or more."""
    width = max((len(x) for x in lines), default=0)
    filled = bytearray(width + 2)
    for text in lines:
        for start, end, _ in _runs(text):
            for i in range(start, end):
                filled[i] = 1
    spans: list[tuple[int, int]] = []
    start = None
    blank = 0
    for i in range(width + 2):
        if filled[i]:
            if start is None:
                start = i
            blank = 0
            end = i + 1
        elif start is not None:
            blank += 1
            if blank >= 2:
                spans.append((start, end))
                start = None
    return spans


def _cells(text: str, spans: list[tuple[int, int]]) -> list[str]:
    cells = [""] * len(spans)
    for start, end, run in _runs(text):
        best, overlap = 0, -1
        for k, (a, b) in enumerate(spans):
            o = min(end, b) - max(start, a)
            if o > overlap:
                best, overlap = k, o
        cells[best] = f"{cells[best]} {run}".strip()
    return cells


def _is_row_start(text: str) -> bool:
    runs = _runs(text)
    return bool(runs) and runs[0][0] <= 2 and bool(_ROW_NUMBER.match(runs[0][2]))


def _table_end(text: str, header: list[tuple[int, int, str]]) -> bool:
    """A line that is not the table's: prose after it.

    Either it starts at the margin and is neither a row number nor a header, or it is a
    single run that starts in the number column and runs on into the content column
    ("III. TỔ CHỨC THỰC HIỆN"): a row keeps its number apart from its text by a gutter;
    or a single run longer than most of the header's width (a paragraph of prose).
    `header` is the runs of the header line.
    """
    stripped = text.strip()
    if not stripped or _PAGE.match(stripped) or is_header(text):
        return False
    runs = _runs(text)
    number_end, content_at, width = header[0][1], header[1][0], header[-1][1] - header[0][0]
    if len(runs) == 1:
        start, end, _ = runs[0]
        if start <= number_end + 1 and end > content_at + 2 or end - start > 0.6 * width:
            return True
    if text[:1].isspace():
        return False
    return not _is_row_start(text)


def find_layout_tables(lines: list[Line]) -> list[Line]:
    """Replace every space-aligned table in `lines` by its rows (see module docstring)."""
    out: list[Line] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.cells is not None or not is_header(nfc(line.text)):
            out.append(line)
            i += 1
            continue
        header = _runs(nfc(line.text))
        j = i + 1
        while j < n and lines[j].cells is None and not _table_end(nfc(lines[j].text), header):
            j += 1
        out.extend(_read_table([nfc(x.text) for x in lines[i:j]]))
        i = j
    return out


def _numbered(cells: list[str]) -> bool:
    """A row's first line: its number cell holds "3", "3.", "1.2" or a Roman "II"."""
    first = cells[0] if cells else ""
    return bool(
        first
        and _ROW_NUMBER.match(first)
        and (any(c.isdigit() for c in first) or roman_value(first.rstrip(".")))
    )


def _merge(rows: list[list[str]], cells: list[str]) -> None:
    rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]


def _read_table(texts: list[str]) -> list[Line]:
    """Rows of one table: its stretches between repeated headers read one by one.

    Rows separated by blank lines (a ruled table through `pdftotext -layout`) may have
    their number on any line of the row, the cell centred vertically: when every
    blank-separated block holds one number at most, a block is a row. Otherwise a
    numbered line opens a row and the lines after it continue it.
    """
    stretches: list[list[str]] = []
    for text in texts:
        if is_header(text):
            stretches.append([])
        if text.strip() and _PAGE.match(text.strip()):
            continue
        stretches[-1].append(text if text.strip() else "")
    rows: list[list[str]] = []
    header: list[str] | None = None
    for stretch in stretches:
        spans = _columns([t for t in stretch if t])
        if len(spans) < _MIN_COLUMNS:
            continue
        cells = [_cells(t, spans) if t else None for t in stretch]
        head = cells[0] or []
        k = 1
        # Header cells wrapped onto the lines before the first row ("Cơ quan / chủ trì").
        while k < len(cells) and cells[k] is not None and not _numbered(cells[k]):
            head = [f"{a} {b}".strip() for a, b in zip(head, cells[k], strict=True)]
            k += 1
        if header is None or len(head) != len(header):
            header = head
            rows.append(head)
        blocks: list[list[list[str]]] = [[]]
        for line in cells[k:]:
            if line is None:
                if blocks[-1]:
                    blocks.append([])
            else:
                blocks[-1].append(line)
        blocks = [b for b in blocks if b]
        by_block = len(blocks) > 1 and all(sum(map(_numbered, b)) <= 1 for b in blocks)
        for block in blocks:
            if by_block:
                merged = block[0]
                for line in block[1:]:
                    merged = [f"{a} {b}".strip() for a, b in zip(merged, line, strict=True)]
                number = next((line[0] for line in block if _numbered(line)), "")
                if number:
                    merged[0] = number
                    rows.append(merged)
                elif rows and rows[-1] is not header:
                    _merge(rows, merged)
                continue
            for line in block:
                if _numbered(line):
                    rows.append(line)
                elif rows and rows[-1] is not header:
                    _merge(rows, line)
    return [Line(" | ".join(r), r) for r in rows]
