"""Fixtures of the list tests: the notifications tests' real SMTP server on loopback.

The browser test of the bulk bar lives in tests/browser (test_bulk_bar.py): Chromium is a
session fixture there, and importing it here made a second one, whose Playwright refused
to start inside the first one's event loop.
"""

from tests.notifications.conftest import policy, smtp  # noqa: F401
