"""Fixtures of the list tests: the notifications tests' real SMTP server on loopback."""

from tests.notifications.conftest import policy, smtp  # noqa: F401
