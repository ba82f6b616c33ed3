"""tasks search trigram: a trigram index for search on PostgreSQL

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02 22:10:00

Search folds the words and matches them anywhere in `search_text` (LIKE '%chuyen%'), which
no B-tree serves: PostgreSQL read all 100,000 tasks of the city (60 ms for "chuyển đổi số")
before keeping the user's few thousand. pg_trgm's GIN index answers the same LIKE from the
index (28 ms, most of it now the user's own rows). pg_trgm ships with PostgreSQL (contrib)
and is a trusted extension, so the database's owner may create it; where it cannot be
created the migration leaves search as it was (same answers, slower) and says so.
SQLite is left as it is.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        log.warning("pg_trgm is not installed: search works without its index, slower")
        return
    # A savepoint: without the right to create the extension, the upgrade goes on.
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm could not be created (%s): search works without its index", error)
        return
    op.create_index(
        "ix_tasks_search_trgm",
        "tasks",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other databases' objects may use it.
    op.execute("DROP INDEX IF EXISTS ix_tasks_search_trgm")
