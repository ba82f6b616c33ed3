"""Fixtures for the import tests: a database with the directory and the demo users but no
plans (the demo database already holds 4403/KH-SGDĐT)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import DatabaseFactory, _fresh_app, make_app

TEMPLATE = "tpl_directory"


@pytest.fixture(scope="session")
def directory_template(
    database_factory: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A template database: migrated, the units.json directory and the demo users loaded."""
    from config.settings import DATA_DIR
    from demo.loader import _create_users
    from models import Unit, db
    from workflow.directory import load_directory
    from workflow.transaction import unit_of_work

    url = database_factory.copy("tpl_empty", TEMPLATE)
    app = make_app(url, tmp_path_factory.mktemp("directory_template"))
    with app.app_context():
        data = json.loads((DATA_DIR / "units.json").read_text(encoding="utf-8"))
        with unit_of_work():
            load_directory(data, actor=None)
            units = {u.code: u for u in db.session.execute(sa.select(Unit)).scalars()}
            _create_users(units)
        db.session.remove()
        db.engine.dispose()
    return TEMPLATE


@pytest.fixture
def import_app(
    database_factory: DatabaseFactory,
    directory_template: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Flask]:
    """An app on a fresh copy of the directory database; drafts go under tmp_path."""
    for app in _fresh_app(database_factory, directory_template, request, tmp_path):
        app.config["IMPORT_DRAFT_DIR"] = tmp_path / "imports"
        yield app


@pytest.fixture
def web(import_app: Flask):  # type: ignore[no-untyped-def]
    """A test client of the import app."""
    return import_app.test_client()
