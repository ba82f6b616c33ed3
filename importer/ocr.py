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
    return texts


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
        raise errors.LimitExceeded(
            "Ảnh quá lớn để đọc. Hãy chụp hoặc quét lại ở độ phân giải thấp hơn (khoảng 300 dpi)."
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
        profile = list(rows.resize((1, rows.height), Image.Resampling.BOX).getdata())
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
    """Black ink on white paper. Tesseract thresholds by itself, but on a grainy scan its
    local thresholds drop whole words ("Hội Khuyến học" read as "Hội an học"); one global
    level keeps them."""
    level = otsu_level(image)
    return image.point(lambda v: 0 if v <= level else 255)


# --- reading ------------------------------------------------------------------------


def read_page(image) -> str:  # noqa: ANN001 (a PIL image)
    """The text of one page image, upright and straightened first."""
    import pytesseract

    # Tesseract's OpenMP threads make one page slower on a shared machine, not faster.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    dpi = image.info.get("dpi")
    config = "--psm 3"
    if dpi:
        config += f" --dpi {round(float(dpi[0]))}"
    page = image
    try:
        page = binarize(deskew(upright(image)))
        return pytesseract.image_to_string(page, lang=LANG, config=config, timeout=PAGE_TIMEOUT)
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


def available() -> bool:
    """Whether Tesseract and its Vietnamese model are installed here."""
    import pytesseract

    try:
        return LANG in pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError):
        return False
