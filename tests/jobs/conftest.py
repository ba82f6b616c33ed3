"""The job tests run on a copy of the demo database (uploads, the worker) and on the
inspection tests' year of activity on the demo plans (packs, verification, exports)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.inspection.conftest import year  # noqa: F401


@pytest.fixture
def web(demo_app: Flask):  # type: ignore[no-untyped-def]
    """A test client of the demo app."""
    return demo_app.test_client()
