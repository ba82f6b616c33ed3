"""The migrations build exactly the schema the models describe, on each database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db
from models.base import only_this_dialect


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": only_this_dialect(conn.dialect.name)}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_audit_triggers_are_installed_by_the_migration(app):
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            names = (
                conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                .scalars()
                .all()
            )
        else:
            names = (
                conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
                .scalars()
                .all()
            )
    assert {"audit_events_no_update"} <= set(names)


def test_db_upgrade_command_on_a_new_database(tmp_path):
    from tests.conftest import ON_POSTGRES, make_app

    if ON_POSTGRES:
        pytest.skip("on PostgreSQL the session templates are built by `upgrade` already")
    app = make_app(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
    assert {"units", "plans", "tasks", "audit_events", "audit_chain_head"} <= set(tables)
