"""Plan documents (TXT, DOCX, PDF) -> plan drafts for review. Pure: no database writes.

draft = importer.parse_file("2417-KH-SGDDT.pdf")
draft.to_json()  # {"plan": {...}, "items": [...], "suggestions": [...], "warnings": [...]}
"""

from __future__ import annotations

from pathlib import Path

from . import errors
from .directory import Directory, default_directory
from .draft import DraftItem, PlanDraft
from .errors import DocumentError
from .extract import DEFAULT_MAX_BYTES, check_text, extract_lines, text_lines
from .ocr import Progress
from .pipeline import build_draft

__all__ = [
    "Directory",
    "DocumentError",
    "DraftItem",
    "PlanDraft",
    "default_directory",
    "errors",
    "parse_bytes",
    "parse_file",
    "parse_text",
]


def parse_text(text: str, directory: Directory | None = None) -> PlanDraft:
    """Parse a plan given as text (already decoded)."""
    if not isinstance(text, str):
        raise TypeError("parse_text expects str")
    if not text.strip():
        raise errors.EmptyDocument()
    check_text(text)
    return build_draft(text_lines(text), directory)


def parse_bytes(
    data: bytes,
    directory: Directory | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
) -> PlanDraft:
    """Parse a TXT, DOCX or PDF document, or a scan (PDF, PNG, JPEG: read by OCR), given as
    bytes (type detected from content); `progress(done, total)` counts OCR pages."""
    return build_draft(extract_lines(data, max_bytes=max_bytes, progress=progress), directory)


def parse_file(
    path_or_bytes: str | Path | bytes,
    filename: str | None = None,
    directory: Directory | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
) -> PlanDraft:
    """Parse a plan document from a path or from bytes.

    `filename` is only informative (the type is detected from the content). Bad input
    raises an `importer.errors.DocumentError` subclass with a Vietnamese message.
    """
    del filename  # kept for callers that have one; content decides the type
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data = bytes(path_or_bytes)
    else:
        path = Path(path_or_bytes)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise errors.DocumentError(f"Không mở được tệp “{path.name}”.") from exc
        if size > max_bytes:
            raise errors.FileTooLarge(
                f"Tệp quá lớn ({size / 1048576:.1f} MB); giới hạn là {max_bytes / 1048576:.0f} MB."
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise errors.DocumentError(f"Không mở được tệp “{path.name}”.") from exc
    return parse_bytes(data, directory, max_bytes=max_bytes, progress=progress)
