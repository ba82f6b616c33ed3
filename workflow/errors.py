"""Domain exceptions; each carries a message fit to show the user (Vietnamese)."""

from __future__ import annotations


class WorkflowError(Exception):
    """A request the domain refuses; `message` is shown to the user as is."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
