"""Scans made for the OCR tests and the OCR benchmark: a plan's text typeset to PDF,
rasterised, tilted a little, speckled with noise, saved as an image-only PDF, PNG or JPEG.

Deterministic for a given seed, so a failing score can be reproduced.
"""

from __future__ import annotations

import io
import random
import re
import warnings
from pathlib import Path

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
SERIF_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")


def typeset(text: str, size: float = 12) -> bytes:
    """The text as an A4 PDF with a text layer, set as an office prints a plan: the
    header's two blocks (issuer; national motto, place and date) side by side, headings
    in capitals bold."""
    from fpdf import FPDF

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs DejaVu lacks in OCR debris
        pdf = FPDF(format="A4")
        pdf.set_margins(25, 20, 20)
        pdf.set_auto_page_break(True, margin=20)
        pdf.add_font("Serif", "", str(SERIF))
        pdf.add_font("Serif", "B", str(SERIF_BOLD))
        pdf.add_page()
        pdf.set_font("Serif", "", size)
        lines = [line.strip() for line in text.splitlines()]
        left = pdf.epw * 0.42
        for raw, line in zip(text.splitlines(), lines, strict=True):
            columns = re.split(r"\s{4,}", line) if _in_header(raw) else [line]
            heading = line.isupper() and len(line) > 3
            pdf.set_font("Serif", "B" if heading else "", size)
            if len(columns) == 2:
                # The header is set smaller, the issuer's block narrower than the motto's.
                header = size - 1.5
                while (
                    header > 8
                    and max(
                        pdf.get_string_width(columns[0]) * header / pdf.font_size_pt / left,
                        pdf.get_string_width(columns[1])
                        * header
                        / pdf.font_size_pt
                        / (pdf.epw - left - 4),
                    )
                    > 0.97
                ):
                    header -= 0.5
                pdf.set_font_size(header)
                y = pdf.get_y()
                pdf.multi_cell(left, size * 0.5, columns[0], align="C")
                below = pdf.get_y()
                pdf.set_xy(pdf.l_margin + left + 4, y)
                pdf.multi_cell(pdf.epw - left - 4, size * 0.5, columns[1], align="C")
                pdf.set_xy(pdf.l_margin, max(below, pdf.get_y()))
                continue
            pdf.multi_cell(0, size * 0.5, line or " ", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())


def _in_header(raw: str) -> bool:
    """A line of the header's two blocks: words, a run of spaces, words."""
    return bool(re.search(r"\S\s{4,}\S", raw.strip()))


def rasterise(pdf: bytes, dpi: int = 300, angle: float = 1.0, seed: int = 0) -> list:
    """Each page of the PDF as a grayscale scan: tilted by `angle` degrees (alternating
    direction from page to page), with grain and specks."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops, ImageFilter

    rng = random.Random(seed)
    document = pdfium.PdfDocument(pdf)
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            tilt = angle if index % 2 == 0 else -angle * 0.7
            image = image.rotate(
                tilt, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255
            )
            image = image.filter(ImageFilter.GaussianBlur(0.6))
            # Grain: uniform noise of ±24 grey levels, from the seeded generator.
            grain = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
            grain = grain.point(lambda v: v * 48 // 255)
            image = ImageChops.add(image, grain, scale=1.0, offset=-24)
            # Specks: dust on the scanner glass.
            for _ in range(300):
                x, y = rng.randrange(image.width), rng.randrange(image.height)
                image.paste(rng.randrange(0, 90), (x, y, x + rng.randrange(1, 4), y + 2))
            image.info["dpi"] = (dpi, dpi)
            pages.append(image)
    finally:
        document.close()
    return pages


def image_pdf(pages: list, dpi: int = 300) -> bytes:
    """An image-only PDF (no text layer), as a scanner writes one."""
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return out.getvalue()


def png(page) -> bytes:  # noqa: ANN001 (a PIL image)
    """One page as a PNG (a scanner's image file)."""
    out = io.BytesIO()
    page.save(out, format="PNG", dpi=page.info.get("dpi", (300, 300)))
    return out.getvalue()


def jpeg(page, quality: int = 80) -> bytes:  # noqa: ANN001 (a PIL image)
    """One page as a JPEG (a phone photo or an emailed scan)."""
    out = io.BytesIO()
    page.save(out, format="JPEG", quality=quality, dpi=page.info.get("dpi", (300, 300)))
    return out.getvalue()


def scan_pdf(text: str, dpi: int = 300, angle: float = 1.0, seed: int = 0) -> bytes:
    """The text typeset, printed and scanned back as an image-only PDF."""
    return image_pdf(rasterise(typeset(text), dpi=dpi, angle=angle, seed=seed), dpi=dpi)


def typeset_appendix(answer: dict, size: float = 10) -> bytes:
    """A plan's header and its assignment appendix as a ruled table on landscape A4 (the
    form most plans send their assignments in), from a hand-decided answer."""
    from fpdf import FPDF

    from .support import TABLE_HEADER, _header_lines, table_rows

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf = FPDF(orientation="L", format="A4")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_font("Serif", "", str(SERIF))
        pdf.add_font("Serif", "B", str(SERIF_BOLD))
        pdf.add_page()
        pdf.set_font("Serif", "", size + 1)
        for line in _header_lines(answer):
            pdf.multi_cell(0, size * 0.6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Serif", "", size)
        widths = (12, 80, 50, 60, 35, 30)
        with pdf.table(
            col_widths=widths, line_height=size * 0.5, first_row_as_headings=False
        ) as table:
            for values in [TABLE_HEADER, *table_rows(answer)]:
                row = table.row()
                for value in values:
                    row.cell(value)
        pdf.multi_cell(0, size * 0.6, "Nơi nhận: như trên.", new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
