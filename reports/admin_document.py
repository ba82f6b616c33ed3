"""The frame of an administrative document per Nghị định 30/2020/NĐ-CP, Phụ lục I.

A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; the
two-column header (issuing body under its governing body, bold, a short rule under it /
national name and motto with a rule as long as the motto); "Số: …/BC-<abbr>" and the italic
place and date; the document type and its summary; "Kính gửi"; and at the end "Nơi nhận"
beside the signature block. The body between is the caller's.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from workflow.report_settings import ReportSettings

# python-docx (~5 MB with lxml) is imported by the functions that write a document, not
# here: every web worker imports this module, few ever draw a report (issue 12).
if TYPE_CHECKING:
    from docx.document import Document as DocumentType
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Length
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
BODY_PT = 14
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


class _Page(NamedTuple):
    TOP: Length
    BOTTOM: Length
    LEFT: Length
    RIGHT: Length
    PAGE_W: Length
    PAGE_H: Length
    TEXT_W: int
    HEADER_COLS: tuple[Length, Length]
    CLOSING_COLS: tuple[Length, Length]


@cache
def _page() -> _Page:
    """The page's lengths, the module's constants of those names (see `__getattr__`)."""
    from docx.shared import Cm, Mm, Twips

    # Word stores margins in whole twips: 15 mm is 850.4, which would round to just under
    # 15 mm, so the right margin is the next twip up.
    top, bottom, left, right = Mm(20), Mm(20), Mm(30), Twips(851)
    page_w, page_h = Mm(210), Mm(297)
    return _Page(
        top,
        bottom,
        left,
        right,
        page_w,
        page_h,
        TEXT_W=page_w - left - right,  # 165 mm
        HEADER_COLS=(Cm(6.6), Cm(9.9)),
        CLOSING_COLS=(Cm(8.2), Cm(8.3)),
    )


def __getattr__(name: str) -> Any:
    # TOP, BOTTOM, LEFT, RIGHT, PAGE_W, PAGE_H, TEXT_W, HEADER_COLS, CLOSING_COLS.
    if name in _Page._fields:
        return getattr(_page(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def setup(doc: DocumentType) -> None:
    """A4 portrait with the decree's margins; Times New Roman 14 for the body."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    page = _page()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = page.PAGE_W, page.PAGE_H
    section.top_margin, section.bottom_margin = page.TOP, page.BOTTOM
    section.left_margin, section.right_margin = page.LEFT, page.RIGHT
    section.header_distance = section.footer_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    # python-docx sets the Latin fonts only; Word picks the East Asian / complex-script
    # slot for some Vietnamese runs, so name the font in every slot.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(6)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    page_numbers(section)
    # The template's table style and headings bring Calibri/Cambria: override them too.
    for name in ("Table Grid", "Normal Table"):
        if name in [s.name for s in doc.styles]:
            doc.styles[name].font.name = FONT


def page_numbers(section) -> None:  # noqa: ANN001
    """The page number centred at the top of every page but the first, as the decree asks."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        r = p.add_run()
        r.font.name, r.font.size = FONT, Pt(13)
        if kind:
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), kind)
            r._r.append(field)
        else:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            r._r.append(code)


def run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
):  # noqa: ANN201
    """Append a run in Times New Roman with the given emphasis and size."""
    from docx.shared import Pt

    r = paragraph.add_run(text)
    r.bold, r.italic = bold or None, italic or None
    r.font.name = FONT
    r.font.size = Pt(size or BODY_PT)
    return r


def para(
    container,  # noqa: ANN001 (a Document or a table cell)
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    after: float | None = None,
) -> Paragraph:
    """One paragraph; body paragraphs (`indent`) are justified with a 1 cm first line."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    p = container.add_paragraph()
    if text:
        run(p, text, bold=bold, italic=italic, size=size)
    if indent:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Cm(1)
    if align is not None:
        p.alignment = align
    if after is not None:
        p.paragraph_format.space_after = Pt(after)
    return p


def rule(container, width: Cm, column: Cm) -> Paragraph:  # noqa: ANN001
    """A solid horizontal line `width` long, centred in a column `column` wide: a tiny
    paragraph whose top border is drawn between its indents."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = container.add_paragraph()
    side = max((column - width) // 2, 0)
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = side
    # A little air, so the line clears the descenders and the marks under the letters.
    fmt.space_before, fmt.space_after = Pt(3), Pt(0)
    ppr = p._p.get_or_add_pPr()
    # An empty paragraph is as tall as its mark's font: 4 pt keeps the line close under
    # the text above (an exact line height would draw it through that text).
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "8")
    mark.append(size)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    # Schema order inside w:pPr: pBdr comes before spacing/ind/jc, rPr last.
    ppr.insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
        "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
        "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
        "w:pPrChange",
    )  # fmt: skip
    ppr.append(mark)
    return p


def _first(cell: _Cell) -> _Cell:
    """A new cell holds one empty paragraph: drop it so `para` starts at the top."""
    for p in list(cell.paragraphs):
        p._p.getparent().remove(p._p)
    return cell


def borderless(doc: DocumentType, widths: tuple[Cm, ...], rows: int = 1) -> Table:
    """A layout table: fixed column widths, no borders, no cell padding on the sides."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    props = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    props.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "0")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    props.append(margins)
    set_widths(table, widths)
    for row in table.rows:
        for cell in row.cells:
            _first(cell)
    return table


def set_widths(table: Table, widths: tuple[Cm, ...]) -> None:
    """Column widths in the grid (LibreOffice) and on every cell (Word)."""
    from docx.oxml.ns import qn

    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = width


def header(doc: DocumentType, settings: ReportSettings, kind: str, date_line: str) -> Table:
    """The two-column heading: body and number on the left, nation, motto and the italic
    place and date on the right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    header_cols = _page().HEADER_COLS
    table = borderless(doc, header_cols, rows=2)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    if settings.parent_body:
        para(left, settings.parent_body.upper(), size=13, align=center, after=0)
    para(left, settings.unit_name.upper(), bold=True, size=13, align=center, after=0)
    rule(left, Cm(2.2), header_cols[0])
    para(right, NATION, bold=True, size=12.5, align=center, after=0)
    para(right, MOTTO, bold=True, size=13, align=center, after=0)
    rule(right, Cm(5.6), header_cols[1])
    number = _first(table.cell(1, 0))
    para(number, f"Số:      /{kind}-{settings.abbreviation}", size=13, align=center, after=0)
    when = _first(table.cell(1, 1))
    para(when, date_line, italic=True, size=14, align=center, after=0)
    for cell in (number, when):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)
    return table


def date_line(settings: ReportSettings, year: int) -> str:
    """ "Quận 8, ngày …… tháng …… năm 2025": day and month are written when it is signed."""
    return f"{settings.place}, ngày …… tháng …… năm {year}"


def title(doc: DocumentType, kind_name: str, summary: str) -> None:
    """ "BÁO CÁO" and the summary line under it, bold and centred, with a short rule."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    center = WD_ALIGN_PARAGRAPH.CENTER
    first = para(doc, kind_name, bold=True, size=14, align=center, after=0)
    first.paragraph_format.space_before = Pt(18)
    para(doc, summary, bold=True, size=14, align=center, after=2)
    rule(doc, Cm(4), _page().TEXT_W)


def addressed_to(doc: DocumentType, recipients: list[str]) -> None:
    """ "Kính gửi: …." centred; several recipients one per line after it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    center = WD_ALIGN_PARAGRAPH.CENTER
    if len(recipients) <= 1:
        p = para(doc, align=center, after=12)
        p.paragraph_format.space_before = Pt(6)
        run(p, "Kính gửi: ")
        run(p, f"{recipients[0] if recipients else '……'}.")
        return
    p = para(doc, "Kính gửi:", align=None, after=0)
    p.paragraph_format.left_indent = Cm(2.5)
    p.paragraph_format.space_before = Pt(6)
    for i, name in enumerate(recipients):
        line = para(doc, f"- {name}{'.' if i == len(recipients) - 1 else ';'}", after=0)
        line.paragraph_format.left_indent = Cm(4.5)
    doc.paragraphs[-1].paragraph_format.space_after = Pt(12)


def _numbered(lines: list[str]) -> list[str]:
    """The distribution list as written: "- X;" each, the last "- Lưu: VT…." ."""
    entries = list(lines)
    if not any(e.casefold().startswith("lưu") for e in entries):
        entries.append("Lưu: VT")
    # "Lưu" closes the list whatever order it was typed in.
    entries = [e for e in entries if not e.casefold().startswith("lưu")] + [
        e for e in entries if e.casefold().startswith("lưu")
    ]
    return [f"- {e}{'.' if i == len(entries) - 1 else ';'}" for i, e in enumerate(entries)]


def closing(doc: DocumentType, settings: ReportSettings) -> Table:
    """ "Nơi nhận:" (bold italic 12) and its list (12) on the left; on the right the
    signature block: authority lines, the signer's title, room to sign, the name."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    table = borderless(doc, _page().CLOSING_COLS)
    left, right = table.cell(0, 0), table.cell(0, 1)
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, after=0)
    for line in _numbered(settings.distribution):
        para(left, line, size=12, after=0)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for line in settings.signing_authority:
        para(right, line.upper(), bold=True, size=14, align=center, after=0)
    para(right, settings.signer_title.upper(), bold=True, size=14, align=center, after=0)
    for _ in range(4):
        para(right, "", size=14, after=0)
    para(right, settings.signer_name, bold=True, size=14, align=center, after=0)
    table.rows[0].cells[0].paragraphs[0].paragraph_format.space_before = Pt(12)
    right.paragraphs[0].paragraph_format.space_before = Pt(12)
    return table
