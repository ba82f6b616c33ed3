"""Scans read by OCR: a PDF without a text layer, or a JPEG/PNG photo of a plan -> text.

Most plans reach PlanWork as scans. Each page is rendered at 300 dpi (pypdfium2), turned
upright (Tesseract's orientation detection), straightened (a projection-profile search over
±5°), then read by Tesseract with its Vietnamese model (Debian's `tesseract-ocr` and
`tesseract-ocr-vie`, through pytesseract). The text of each page goes through the normal
pipeline, which already repairs OCR damage.

Pages are read one at a time, so memory stays that of one page image; `progress(done,
total)` is called after each page so a background job can show "trang 3/10".
"""

from __future__ import annotations

import io
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator

from . import errors, limits

Progress = Callable[[int, int], None]

LANG = "vie"
DPI = 300
MIN_PAGE_CHARS = 40
"""A PDF page with images and fewer characters than this is a scan (a stamp or a page
number may still be text)."""
MAX_RENDER_PIXELS = 40_000_000
"""A rendered page is kept under this (A3 at 300 dpi is 17 million): an oversized page is
rendered at a lower resolution rather than filling the memory."""
PAGE_TIMEOUT = 180
"""Seconds Tesseract may spend on one page before the import gives up."""
MAX_SKEW = 5.0
"""Degrees: a page tilted more than this is left to Tesseract's own line finding."""

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
# pdfium is not thread-safe, and a worker may run several jobs in threads.
_pdfium_lock = threading.Lock()


def image_kind(data: bytes) -> str | None:
    """ "png" or "jpeg" from the magic bytes, else None."""
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    return None


def read_pdf(data: bytes, progress: Progress | None = None) -> list[str]:
    """The OCR text of each page of a PDF scan (the PDF was opened and checked already)."""
    return _read_pages(_pdf_pages(data), _pdf_page_count(data), progress)


def read_image(data: bytes, progress: Progress | None = None) -> list[str]:
    """The OCR text of a JPEG or PNG photo or scan of one page."""
    return _read_pages(iter([_open_image(data)]), 1, progress)


def _read_pages(pages: Iterator, total: int, progress: Progress | None) -> list[str]:
    limits.check_ocr_pages(total)
    if progress is not None:
        progress(0, total)
    texts: list[str] = []
    for done, image in enumerate(pages, start=1):
        texts.append(read_page(image))
        image.close()
        if progress is not None:
            progress(done, total)
    if not any(t.strip() for t in texts):
        raise errors.UnreadableScan()
    return repair_sections("\f".join(texts)).split("\f")


# --- page images --------------------------------------------------------------------


def _pdf_page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    with _pdfium_lock:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise errors.CorruptDocument("Tệp PDF bị hỏng, không đọc được.") from exc
        try:
            return len(document)
        finally:
            document.close()


def _pdf_pages(data: bytes) -> Iterator:
    """Each page as a grayscale PIL image at DPI (less for an oversized page)."""
    import pypdfium2 as pdfium

    with _pdfium_lock:
        document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            with _pdfium_lock:
                page = document[index]
                try:
                    width, height = page.get_size()  # points
                    scale = DPI / 72
                    if width * height * scale * scale > MAX_RENDER_PIXELS:
                        scale = (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5
                    bitmap = page.render(scale=scale, grayscale=True)
                    image = bitmap.to_pil().convert("L")
                    bitmap.close()
                except pdfium.PdfiumError as exc:
                    raise errors.CorruptDocument("Tệp PDF bị hỏng, không đọc được.") from exc
                finally:
                    page.close()
            image.info["dpi"] = (round(scale * 72),) * 2
            yield image
    finally:
        with _pdfium_lock:
            document.close()


def _open_image(data: bytes):  # noqa: ANN202 (a PIL image, imported lazily)
    """Decode a photo after checking its declared size; upright by its EXIF orientation."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels on; the limit below decides instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            limits.check_image_size(*image.size)
            image.load()
            upright = ImageOps.exif_transpose(image)
            gray = upright.convert("L")
    except errors.DocumentError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses twice its own threshold before the size can be read.
        raise errors.LimitExceeded(
            f"Ảnh có hơn {limits.number(Image.MAX_IMAGE_PIXELS * 2 // 1_000_000)} triệu điểm "
            f"ảnh, vượt giới hạn {limits.number(limits.MAX_IMAGE_PIXELS // 1_000_000)} triệu "
            "điểm ảnh. Hãy chụp hoặc quét lại ở độ phân giải thấp hơn (khoảng 300 dpi)."
        ) from exc
    except Exception as exc:  # Pillow raises many kinds on truncated or forged images
        raise errors.CorruptDocument("Tệp ảnh bị hỏng, không đọc được.") from exc
    dpi = image.info.get("dpi")
    # A phone photo of an A4 page is often ~1,000 px wide: Tesseract reads best with
    # letters ~30 px high, so a small image is enlarged.
    if gray.width < 1600:
        factor = 1600 / max(gray.width, 1)
        gray = gray.resize((1600, max(1, round(gray.height * factor))), Image.Resampling.LANCZOS)
        dpi = None
    if dpi:
        gray.info["dpi"] = dpi
    return gray


# --- upright and straight -----------------------------------------------------------


def upright(image):  # noqa: ANN001, ANN201 (PIL images)
    """Turn a page lying on its side or upside down upright, by Tesseract's orientation
    detection (`--psm 0`); a page with too little text for it is left as it is."""
    import pytesseract

    # Orientation needs only the shapes of lines and letters: at half of 300 dpi it is as
    # sure and takes a third of the time.
    probe = image.reduce(2) if image.width > 2000 else image
    try:
        osd = pytesseract.image_to_osd(
            probe,
            config="--psm 0 -c min_characters_to_try=20",
            output_type=pytesseract.Output.DICT,
            timeout=PAGE_TIMEOUT,
        )
    except pytesseract.TesseractError:
        return image  # "Too few characters": nothing to orient by
    rotate = int(osd.get("rotate", 0)) % 360
    if rotate and float(osd.get("orientation_conf", 0)) >= 1.5:
        # Tesseract's "rotate" is clockwise; PIL's rotate() turns counter-clockwise.
        return image.rotate(-rotate, expand=True, fillcolor=255)
    return image


def skew_angle(image) -> float:  # noqa: ANN001 (a PIL image)
    """The small rotation (degrees, counter-clockwise) that makes the text lines level.

    Projection profile: on a small black-and-white copy, the angle at which the row sums
    change most sharply is the one where text lines and the gaps between them line up.
    """
    from PIL import Image

    small = image.copy()
    small.thumbnail((900, 900))
    # Ink as white on black, so the corners a rotation adds count as empty.
    level = otsu_level(small)
    ink = small.point(lambda v: 255 if v <= level else 0)

    def sharpness(angle: float) -> float:
        rows = ink.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
        profile = rows.resize((1, rows.height), Image.Resampling.BOX).tobytes()
        return float(sum((b - a) * (b - a) for a, b in zip(profile, profile[1:], strict=False)))

    best = max((a / 2 for a in range(-10, 11)), key=sharpness)
    return max((best + a / 10 for a in range(-4, 5)), key=sharpness)


def deskew(image):  # noqa: ANN001, ANN201 (PIL images)
    """The page rotated so its text lines are level (within MAX_SKEW degrees)."""
    from PIL import Image

    angle = skew_angle(image)
    if abs(angle) < 0.1 or abs(angle) > MAX_SKEW:
        return image
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def otsu_level(image) -> int:  # noqa: ANN001 (a grayscale PIL image)
    """The grey level that best separates ink from paper (Otsu's method, on the histogram)."""
    histogram = image.histogram()[:256]
    total = sum(histogram)
    weighted = sum(level * count for level, count in enumerate(histogram))
    dark = dark_sum = 0
    best, best_level = -1.0, 127
    for level, count in enumerate(histogram):
        dark += count
        if not dark:
            continue
        light = total - dark
        if not light:
            break
        dark_sum += level * count
        gap = dark_sum / dark - (weighted - dark_sum) / light
        between = dark * light * gap * gap
        if between > best:
            best, best_level = between, level
    return best_level


def binarize(image):  # noqa: ANN001, ANN201 (PIL images)
    """Black ink on white paper, specks removed. Tesseract thresholds by itself, but on a
    grainy scan its local thresholds drop whole words ("Hội Khuyến học" read as "Hội an
    học"), and dust reads as stray letters; a 3-pixel median (finer than a stroke at
    300 dpi) and one global level keep the words and drop the dust."""
    from PIL import ImageFilter

    clean = image.filter(ImageFilter.MedianFilter(3))
    level = otsu_level(clean)
    return clean.point(lambda v: 0 if v <= level else 255)


# --- reading ------------------------------------------------------------------------


def read_page(image) -> str:  # noqa: ANN001 (a PIL image)
    """The text of one page image, upright and straightened first."""
    import pytesseract

    # Tesseract's OpenMP threads make one page slower on a shared machine, not faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    dpi = image.info.get("dpi")
    # Interword spaces kept: the header's two blocks and a table's columns read as the
    # importer reads `pdftotext -layout`, columns apart.
    config = "--psm 3 -c preserve_interword_spaces=1"
    if dpi:
        config += f" --dpi {round(float(dpi[0]))}"
    page = image
    try:
        page = binarize(deskew(upright(image)))
        text = pytesseract.image_to_string(page, lang=LANG, config=config, timeout=PAGE_TIMEOUT)
    except pytesseract.TesseractNotFoundError as exc:
        raise errors.OcrUnavailable() from exc
    except pytesseract.TesseractError as exc:
        if LANG in str(exc.message) or "language" in str(exc.message).lower():
            raise errors.OcrUnavailable() from exc
        raise errors.CorruptDocument(
            "Không nhận dạng được chữ trên một trang của bản quét."
        ) from exc
    except RuntimeError as exc:  # pytesseract's timeout
        raise errors.LimitExceeded(
            f"Một trang của bản quét cần hơn {PAGE_TIMEOUT} giây để nhận dạng chữ. "
            "Hãy quét lại rõ hơn hoặc tải lên bản có chữ."
        ) from exc
    finally:
        if page is not image:
            page.close()
    return repair_numerals("\n".join(line.rstrip() for line in text.splitlines()))


# "III" in a serif face is three strokes whose serifs touch: Tesseract reads "IH", "HI",
# "II1", "HII" (the seeds have "I11. NOI DUNG"). Where only a Roman numeral can stand (after
# "Quý", or as a section number opening a line), strokes are counted back to I, II or III.
_QUARTER_NUMERALS = re.compile(
    r"(?<=\b[Qq]uý )((?:[IVHl1|]{1,4}\s*(?:,|và|-|–)\s*)*[IVHl1|]{1,4})(?=[\s/,.;)]|$)"
)
_NUMERAL = re.compile(r"[IVHl1|]+")
_SECTION_NUMERAL = re.compile(r"(?m)^(\s*)([IHl1|]{2,4})(?=\.\s)")


def _strokes(token: str) -> str:
    if token in ("I", "II", "III", "IV", "V") or "V" in token or not re.search(r"[IH]", token):
        return token  # already right, or a number ("11.") that is not a numeral
    count = sum(2 if c in "Hh" else 1 for c in token)
    return "I" * min(count, 3)


def _quarter_list(listed: str) -> str:
    """ "II, IH" -> "II, III"; and "II, II", a stroke lost, -> "II, III": a list of
    quarters never names one twice."""
    previous = ""

    def fix(match: re.Match[str]) -> str:
        nonlocal previous
        token = _strokes(match.group())
        if token == previous and token in ("I", "II"):
            token += "I"
        previous = token
        return token

    return _NUMERAL.sub(fix, listed)


def repair_numerals(text: str) -> str:
    """Roman numerals I–III that OCR split or merged, where nothing else can stand."""
    text = _QUARTER_NUMERALS.sub(lambda m: _quarter_list(m.group(1)), text)
    return _SECTION_NUMERAL.sub(lambda m: m.group(1) + _strokes(m.group(2)), text)


def available() -> bool:
    """Whether Tesseract and its Vietnamese model are installed here."""
    import pytesseract

    try:
        return LANG in pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return False


_ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
# A part heading: a Roman numeral opening a line, then a word in capitals.
_PART_HEADING = re.compile(r"(?m)^([ \t]*)([IVXHl1|]{1,5})(\.?[ \t]+)(\S+)")


def repair_sections(text: str) -> str:
    """Part numbers in sequence: a bold "III." that OCR read as "II." (or as no numeral at
    all) between "II." and "IV." is the next part, not a second part II; a part number
    that lost its dot gets it back."""
    previous = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal previous
        indent, token, gap, word = match.groups()
        if not (word.isupper() and len(word) > 1 and re.search(r"[IVXH]", token)):
            return match.group(0)
        value = _ROMANS.index(token) + 1 if token in _ROMANS else 0
        expected = previous + 1
        if value != expected and value in (0, previous) and expected <= len(_ROMANS):
            token, value = _ROMANS[expected - 1], expected
        previous = value
        if value and "." not in gap:
            gap = ". "  # "II NHIỆM VỤ": the dot OCR lost, which the outline needs
        return f"{indent}{token}{gap}{word}"

    return _PART_HEADING.sub(fix, text)
