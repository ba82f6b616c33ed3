"""Fixtures of the list tests: the notifications tests' real SMTP server on loopback, and
the browser tests' live server and Chromium."""

from tests.browser.conftest import browser, live_server  # noqa: F401
from tests.notifications.conftest import policy, smtp  # noqa: F401
