"""cascade linked plans: per plan and level, the standing plans carrying it out, kept

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 17:00:00

The rows start empty; an existing cascade is filled by `planwork counters rebuild`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cascade_linked_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("plans", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_cascade_linked_plans_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cascade_linked_plans")),
        sa.UniqueConstraint("plan_id", "level", name=op.f("uq_cascade_linked_plans_plan_id")),
    )


def downgrade():
    op.drop_table("cascade_linked_plans")
