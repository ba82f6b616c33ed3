"""Turning a service call into the message the user sees after a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash

from workflow.errors import WorkflowError

T = TypeVar("T")


def attempt(action: Callable[[], T], success: str) -> T | None:
    """Run the service call; flash `success`, or the domain's refusal, and never raise it."""
    try:
        result = action()
    except WorkflowError as error:
        flash(error.message, "error")
        return None
    flash(success, "success")
    return result
