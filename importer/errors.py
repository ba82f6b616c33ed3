"""Domain errors for bad input. Each carries a message fit to show the user."""

from __future__ import annotations


class DocumentError(Exception):
    """A document the importer cannot read; `message` is Vietnamese, for the user."""

    code = "document_error"
    default_message = "Không đọc được tài liệu."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class EmptyDocument(DocumentError):
    code = "empty"
    default_message = "Tệp rỗng: không có nội dung để nhập."


class UnsupportedFormat(DocumentError):
    code = "unsupported_format"
    default_message = "Định dạng tệp không được hỗ trợ. Hãy dùng TXT, DOCX hoặc PDF."


class BinaryContent(DocumentError):
    code = "binary"
    default_message = (
        "Tệp không phải văn bản đọc được (dữ liệu nhị phân). Hãy dùng TXT, DOCX hoặc PDF."
    )


class EncryptedDocument(DocumentError):
    code = "encrypted"
    default_message = "Tệp PDF được đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại."


class NoTextLayer(DocumentError):
    code = "no_text_layer"
    default_message = (
        "Tệp PDF là bản quét, không có lớp chữ: hãy OCR trước (nhận dạng chữ) rồi tải lên lại."
    )


class FileTooLarge(DocumentError):
    code = "too_large"
    default_message = "Tệp quá lớn."


class LimitExceeded(FileTooLarge):
    """The document is within the byte limit but holds more than the importer reads
    (pages, lines, characters, unpacked XML); the message names the count and the limit."""

    code = "over_limit"
    default_message = "Tài liệu quá lớn để nhập."


class SuspiciousArchive(DocumentError):
    code = "zip_bomb"
    default_message = (
        "Tệp DOCX có nội dung nén bất thường (nghi là “bom nén”), không mở để bảo vệ hệ thống."
    )


class CorruptDocument(DocumentError):
    code = "corrupt"
    default_message = "Tệp bị hỏng hoặc không đúng định dạng, không đọc được."


class UnreadableScan(DocumentError):
    """A scan or photo in which OCR found no text (a blank, dark or blurred page)."""

    code = "unreadable_scan"
    default_message = (
        "Không nhận dạng được chữ nào trong bản quét. Hãy quét lại rõ hơn (khoảng 300 dpi, "
        "trang thẳng, đủ sáng) hoặc tải lên bản TXT, DOCX hoặc PDF có chữ."
    )


class OcrUnavailable(DocumentError):
    """The document is a scan, and this server has no Tesseract or no Vietnamese model."""

    code = "ocr_unavailable"
    default_message = (
        "Tệp là bản quét nhưng máy chủ chưa cài bộ nhận dạng chữ tiếng Việt (Tesseract: "
        "tesseract-ocr, tesseract-ocr-vie). Hãy báo quản trị viên, hoặc tải lên bản TXT, DOCX "
        "hoặc PDF có chữ."
    )


# The name the issue uses for the family of bad-input errors.
ImportError_ = DocumentError
