"""Attachments: checked by content (not by name), size-limited, stored by content hash."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import current_app

from models import Attachment, Contribution, Report, Task, User, db
from workflow.errors import InvalidInput

# What reports are made of in practice: office documents, PDFs, scans and photos.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/csv": ".csv",
}
MAX_FILES = 10
# attachments.filename is VARCHAR(255): PostgreSQL refuses a longer name (M5).
MAX_NAME_CHARS = 255
MAX_SUFFIX_CHARS = 16
OOXML_BY_SUFFIX = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True)
class UploadedFile:
    """A file as received: the name the user gave it and its bytes."""

    filename: str
    data: bytes


def clean_filename(name: str) -> str:
    """The name a file is stored and offered under: its last path part, without control
    or bidirectional-override characters (a NUL breaks PostgreSQL and the download header;
    U+202E disguises "gpj.exe" as "exe.jpg"), at most MAX_NAME_CHARS, extension kept."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    if len(name) <= MAX_NAME_CHARS:
        return name
    suffix = Path(name).suffix
    if not suffix or len(suffix) > MAX_SUFFIX_CHARS:
        return name[:MAX_NAME_CHARS].rstrip()
    return name[: MAX_NAME_CHARS - len(suffix)].rstrip() + suffix


def sniff_type(upload: UploadedFile) -> str | None:
    """The file's real type from its bytes, or None if it is not one we accept."""
    kind = filetype.guess(upload.data)
    suffix = Path(upload.filename).suffix.lower()
    if kind is not None:
        mime = kind.mime
        # Office Open XML files are zip archives; the name tells which kind, the bytes
        # must still be a zip holding the matching part.
        if mime == "application/zip" and suffix in OOXML_BY_SUFFIX:
            marker = {".docx": b"word/", ".xlsx": b"xl/", ".pptx": b"ppt/"}[suffix]
            return OOXML_BY_SUFFIX[suffix] if marker in upload.data else None
        if mime == "application/x-ole-storage" or mime == "application/vnd.ms-excel":
            return "application/vnd.ms-excel" if suffix == ".xls" else "application/msword"
        return mime if mime in ALLOWED_TYPES else None
    # Plain text has no magic number: accept it only when it decodes as UTF-8 text.
    if suffix in (".txt", ".csv"):
        try:
            text = upload.data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\x00" in text:
            return None
        return "text/csv" if suffix == ".csv" else "text/plain"
    return None


def validate(files: list[UploadedFile], max_bytes: int) -> list[tuple[UploadedFile, str]]:
    """Check every file before anything is written; raise with a message naming the file."""
    if len(files) > MAX_FILES:
        raise InvalidInput(
            "Tối đa %(max_files)s tệp đính kèm mỗi lần.",
            max_files=MAX_FILES,
        )
    checked = []
    for upload in files:
        name = clean_filename(upload.filename or "")
        if not name:
            raise InvalidInput("Tệp đính kèm không có tên.")
        if not upload.data:
            raise InvalidInput(
                "Tệp «%(name)s» rỗng.",
                name=name,
            )
        if len(upload.data) > max_bytes:
            raise InvalidInput(
                "Tệp «%(name)s» lớn quá %(megabytes)s MB.",
                name=name,
                megabytes=max_bytes // (1024 * 1024),
            )
        mime = sniff_type(UploadedFile(name, upload.data))
        if mime is None:
            raise InvalidInput(
                "Tệp «%(name)s» không thuộc loại được phép (PDF, Word, Excel, PowerPoint, ảnh"
                " PNG/JPEG, văn bản).",
                name=name,
            )
        checked.append((UploadedFile(name, upload.data), mime))
    return checked


def store_attachments(
    files: list[UploadedFile],
    *,
    task: Task,
    uploader: User,
    report: Report | None = None,
    contribution: Contribution | None = None,
) -> list[Attachment]:
    """Validate, write the files under instance/attachments and add their rows (no commit).

    Files are named by their SHA-256, so a rolled-back transaction leaves at most an
    unreferenced file that the same upload would reuse, never a row without its file.
    """
    checked = validate(files, current_app.config["ATTACHMENT_MAX_BYTES"])
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    stored = []
    for upload, mime in checked:
        digest = hashlib.sha256(upload.data).hexdigest()
        path = upload_dir / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(upload.data)
            tmp.replace(path)
        attachment = Attachment(
            task_id=task.id,
            report_id=report.id if report else None,
            contribution_id=contribution.id if contribution else None,
            filename=upload.filename,
            stored_name=f"{digest[:2]}/{digest}",
            content_type=mime,
            size=len(upload.data),
            sha256=digest,
            uploaded_by_id=uploader.id,
        )
        db.session.add(attachment)
        stored.append(attachment)
    return stored


def attachment_path(attachment: Attachment) -> Path:
    """Where the attachment's bytes live."""
    return Path(current_app.config["UPLOAD_DIR"]) / attachment.stored_name
