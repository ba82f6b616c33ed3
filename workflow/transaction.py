"""One unit of work: commit the change with its audit events, or write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import db
from workflow.errors import InvalidInput, StaleObject


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit on success; on any error roll back so no half-written row or event remains."""
    try:
        yield
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleObject(
            "Dữ liệu vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại."
        ) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise InvalidInput("Dữ liệu trùng hoặc không hợp lệ; không có gì được lưu.") from exc
    except BaseException:
        db.session.rollback()
        raise
