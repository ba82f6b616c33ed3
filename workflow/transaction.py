"""One unit of work: commit the change with its audit events, or write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import db
from workflow.errors import InvalidInput, StaleObject

# Set inside `one_transaction()`: each unit of work is then a savepoint of that transaction.
_batched: ContextVar[bool] = ContextVar("unit_of_work_batched", default=False)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit on success; on any error roll back so no half-written row or event remains.

    Inside `one_transaction()` it commits nothing: it releases a savepoint on success and
    rolls back to it on error, so a refused change leaves no trace and the others stand."""
    if _batched.get():
        with _savepoint():
            yield
        return
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


@contextmanager
def _savepoint() -> Iterator[None]:
    try:
        with db.session.begin_nested():
            yield
    except StaleDataError as exc:
        raise StaleObject(
            "Dữ liệu vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại."
        ) from exc
    except IntegrityError as exc:
        raise InvalidInput("Dữ liệu trùng hoặc không hợp lệ; không có gì được lưu.") from exc


@contextmanager
def one_transaction() -> Iterator[None]:
    """Many units of work (a bulk action on a list) committed together in one transaction,
    each its own savepoint: the services keep their checks, audit events and signals, one
    refused change undoes only itself, and an unexpected error undoes them all."""
    if _batched.get():
        raise RuntimeError("one_transaction() does not nest")
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        # pysqlite opens a transaction only at the first write; a savepoint opened first
        # would be the outermost, and releasing it would commit (SQLite's rule).
        connection.exec_driver_sql("BEGIN")
    token = _batched.set(True)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _batched.reset(token)
