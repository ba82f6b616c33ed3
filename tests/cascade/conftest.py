"""The cascade tests run on the import tests' database (`import_app` in tests/conftest.py):
the directory and demo users, no plans (so 2417/KH-SGDĐT is imported from its seed)."""

from __future__ import annotations

import pytest
from flask import Flask


@pytest.fixture
def web(import_app: Flask):  # type: ignore[no-untyped-def]
    """A test client of the import app."""
    return import_app.test_client()
