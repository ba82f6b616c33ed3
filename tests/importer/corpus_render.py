"""Render the corpus plans (tests/fixtures/importer/corpus/*.txt) to DOCX, PDF and XLSX.

The TXT is the source; each rendering is what an office would send of the same plan:

- DOCX: running text as paragraphs; a pipe table as a Word table, its group rows ("I",
  "II") merged across the columns and its rows cut by a page break joined again; a
  space-aligned table (what `pdftotext -layout` gives) as monospaced paragraphs.
- PDF (fpdf2, DejaVu fonts): running text as lines; a pipe table as a ruled table that
  breaks across pages with its header repeated; a space-aligned table with each run
  of text drawn at its column's x, so that its columns exist only as character positions.
- XLSX (openpyxl): the appendix of a plan with a pipe table, as a workbook: the plan's
  heading lines in column A, then the table, group rows merged.

Documents are generated at test time into a cache directory and never committed.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_PAGE_MARK = re.compile(r"^\s*(?:trang\s+)?-?\s*\d{1,3}\s*-?\s*$", re.IGNORECASE)
_ROMAN = re.compile(r"^[IVX]+$")


@dataclass
class Block:
    """A run of the TXT: plain lines, a pipe table or a space-aligned table."""

    kind: str  # "text", "pipe", "layout"
    lines: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    header_rows: int = 1


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].upper() in ("STT", "TT")


def blocks(text: str, genre: str) -> list[Block]:
    """Cut a corpus TXT into blocks; a pipe table loses its page marks and repeated header,
    and its continuation rows (empty first cell) are joined to the row they continue."""
    out: list[Block] = []
    lines = text.splitlines()
    layout_from = None
    if genre == "layout":
        layout_from = next(i for i, x in enumerate(lines) if re.match(r"^\s*(STT|TT)\s{2,}", x))
    for i, line in enumerate(lines):
        if layout_from is not None and i >= layout_from:
            if not out or out[-1].kind != "layout":
                out.append(Block("layout"))
            out[-1].lines.append(line)
            continue
        if line.count("|") >= 3 or (
            out and out[-1].kind == "pipe" and _PAGE_MARK.match(line) and line.strip()
        ):
            if not out or out[-1].kind != "pipe":
                out.append(Block("pipe"))
            block = out[-1]
            if _PAGE_MARK.match(line):
                continue
            cells = _cells(line)
            if _is_header(cells) and any(_is_header(r) for r in block.rows):
                continue  # the header repeated after a page break
            if _is_header(cells):
                block.header_rows = len(block.rows) + 1
            if block.rows and not cells[0] and block.header_rows <= len(block.rows):
                previous = block.rows[-1]
                for k, cell in enumerate(cells):
                    if cell and k < len(previous):
                        previous[k] = f"{previous[k]} {cell}".strip()
                continue
            block.rows.append(cells)
            continue
        if not out or out[-1].kind != "text":
            out.append(Block("text"))
        out[-1].lines.append(line)
    return out


def _group_row(cells: list[str]) -> bool:
    return bool(_ROMAN.match(cells[0])) and not any(cells[2:])


# --- DOCX ---------------------------------------------------------------------------


def to_docx(text: str, genre: str) -> bytes:
    """The plan as a Word document (see the module docstring)."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    for block in blocks(text, genre):
        if block.kind == "text":
            for line in block.lines:
                document.add_paragraph(line)
        elif block.kind == "layout":
            for line in block.lines:
                run = document.add_paragraph().add_run(line)
                run.font.name = "Courier New"
                run.font.size = Pt(7)
        else:
            width = max(len(r) for r in block.rows)
            table = document.add_table(rows=len(block.rows), cols=width)
            table.style = "Table Grid"
            for r, cells in enumerate(block.rows):
                if _group_row(cells) and r >= block.header_rows:
                    table.cell(r, 0).text = cells[0]
                    merged = table.cell(r, 1).merge(table.cell(r, width - 1))
                    merged.text = cells[1]
                    continue
                for c, value in enumerate(cells[:width]):
                    table.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# --- PDF ----------------------------------------------------------------------------


def to_pdf(text: str, genre: str) -> bytes:
    """The plan as a PDF with a text layer (see the module docstring)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf = FPDF(format="A4")
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_font("DejaVu", "", str(FONT))
        pdf.set_font("DejaVu", size=10)
        pdf.add_page()
        for block in blocks(text, genre):
            if block.kind == "text":
                for line in block.lines:
                    pdf.multi_cell(0, 5, line.strip() or " ", new_x="LMARGIN", new_y="NEXT")
            elif block.kind == "layout":
                _pdf_layout(pdf, block)
            else:
                _pdf_table(pdf, block, FontFace)
        return bytes(pdf.output())


def _pdf_layout(pdf, block: Block) -> None:  # noqa: ANN001 (an fpdf object)
    """Each run of a space-aligned line drawn at the x of its first character: the
    columns exist only as character positions, as in a PDF table without rules."""
    pdf.set_font("DejaVu", size=6.5)
    step = 1.55  # mm per character of the text layout
    for line in block.lines:
        if _PAGE_MARK.match(line) and line.strip():
            pdf.add_page()  # the page break of the text it came from
            continue
        y = pdf.get_y()
        if y > 275:
            pdf.add_page()
            y = pdf.get_y()
        for m in re.finditer(r"\S+(?: \S+)*", line):
            pdf.set_xy(pdf.l_margin + m.start() * step, y)
            pdf.cell(0, 3.6, m.group(0))
        pdf.set_xy(pdf.l_margin, y + 3.6)
    pdf.set_font("DejaVu", size=10)


def _pdf_table(pdf, block: Block, font_face) -> None:  # noqa: ANN001 (fpdf objects)
    """A ruled table that starts low on the page so that it breaks across two pages, its
    header rows repeated on the second (as LibreOffice prints a long table)."""
    width = max(len(r) for r in block.rows)
    if pdf.get_y() < 200:
        pdf.add_page()
        pdf.set_y(215)
    pdf.set_font("DejaVu", size=7)
    widths = [8, 52, 30, 34, 22, 16, 10, 10, 14][:width]
    if width >= 8:
        widths = [8, 50, 26, 28, 10, 10, 10, 10, 14][:width]
    with pdf.table(
        col_widths=widths,
        line_height=3.4,
        repeat_headings=1,
        num_heading_rows=block.header_rows,
        headings_style=font_face(emphasis=None),
    ) as table:
        for r, cells in enumerate(block.rows):
            row = table.row()
            if _group_row(cells) and r >= block.header_rows:
                row.cell(cells[0])
                row.cell(cells[1], colspan=width - 1)
                continue
            for value in cells[:width]:
                row.cell(value)
    pdf.set_font("DejaVu", size=10)


# --- XLSX ---------------------------------------------------------------------------


def to_xlsx(text: str, genre: str) -> bytes:
    """The appendix of a plan with a pipe table as an Excel workbook."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Phu luc"
    row = 1
    for block in blocks(text, genre):
        if block.kind == "text":
            for line in block.lines:
                if line.strip():
                    sheet.cell(row=row, column=1, value=line.strip())
                    row += 1
            continue
        width = max(len(r) for r in block.rows)
        for r, cells in enumerate(block.rows):
            for c, value in enumerate(cells[:width], start=1):
                if value:
                    sheet.cell(row=row, column=c, value=value)
            if _group_row(cells) and r >= block.header_rows:
                sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=width)
            row += 1
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
