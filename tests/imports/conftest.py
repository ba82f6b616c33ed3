"""The import tests' client; their database (`import_app`: the directory and the demo users
but no plans, since the demo database already holds 4403/KH-SGDĐT) is in tests/conftest.py."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def web(import_app: Flask):  # type: ignore[no-untyped-def]
    """A test client of the import app."""
    return import_app.test_client()
