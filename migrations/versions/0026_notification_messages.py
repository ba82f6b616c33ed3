"""notification messages: each in-app notice keeps its title and detail as msgid and
parameters, so the list shows them in the reader's language

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 14:00:00

Nullable: rows written before keep showing their stored (Vietnamese) text.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("title_msg", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("detail_msg", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("detail_msg")
        batch.drop_column("title_msg")
