"""Domain exceptions; each carries a message fit to show the user.

The message is a Vietnamese msgid with named placeholders (`%(state)s`) and their
values; it is translated when it is read (`error.message`), so the web shows it in the
language of the request that reads it, and the command line, which has no request, in
Vietnamese. babel.cfg names these classes as extraction keywords, so a literal first
argument reaches the catalogue without a wrapper.
"""

from __future__ import annotations

from typing import Any


def translate(msgid: str, **params: Any) -> str:
    """`msgid` in the current request's language, its placeholders filled.

    Parameter values that are labels (state and event names, lazy strings) are translated
    too; data values (unit names, numbers) pass through unchanged, since a string that is
    not in the catalogue translates to itself.
    """
    try:
        from flask import has_request_context
        from flask_babel import gettext
    except ImportError:  # pragma: no cover - Flask is always installed with the app
        return msgid % params if params else msgid
    if not has_request_context():
        return msgid % params if params else msgid
    values = {k: gettext(v) if isinstance(v, str) and v else v for k, v in params.items()}
    return gettext(msgid, **values) if values else gettext(msgid)


class WorkflowError(Exception):
    """A request the domain refuses; `message` is shown to the user.

    `message` is a msgid (Vietnamese) with %(name)s placeholders filled from `params`.
    """

    status = 400

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.msgid = str(message)
        self.params = params

    @property
    def message(self) -> str:
        """The message in the language of the current request (Vietnamese without one)."""
        return translate(self.msgid, **self.params)

    def __str__(self) -> str:
        return self.message


class NotFound(WorkflowError):
    status = 404


class PermissionDenied(WorkflowError):
    status = 403


class TransitionNotAllowed(WorkflowError):
    status = 409


class StaleObject(WorkflowError):
    """Someone else changed the object after the user loaded it (optimistic lock)."""

    status = 409


class InvalidInput(WorkflowError):
    status = 400
