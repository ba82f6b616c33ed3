"""shown data version: the seq of the newest audit event that changed what pages show

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 06:45:00

Kept pages (web/page_cache.py) are valid while no audited change happened. Sign-ins,
sign-outs, password and token events are audited too but change nothing a page shows;
keyed on the chain head, each sign-in in the city ended every kept page. This row
advances with every other event (workflow/audit.py `record`). It starts at the chain
head's seq.
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "shown_data_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute(
        "INSERT INTO shown_data_version (id, seq) "
        "SELECT 1, COALESCE((SELECT seq FROM audit_chain_head WHERE id = 1), 0)"
    )


def downgrade():
    op.drop_table("shown_data_version")
