"""cascade roll-up tallies: the roll-up's figures kept per higher item instead of recounted

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-02 13:50:00

The rows start empty; an existing cascade is filled by `planwork counters rebuild`.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cascade_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root_task_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reported_late", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["root_task_id"], ["tasks.id"], name=op.f("fk_cascade_tallies_root_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cascade_tallies")),
    )
    op.create_index("ix_cascade_tallies_root", "cascade_tallies", ["root_task_id", "level"])
    op.create_table(
        "cascade_plan_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root_task_id", sa.Integer(), nullable=False),
        sa.Column("lower_plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("leaves", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["root_task_id"], ["tasks.id"], name=op.f("fk_cascade_plan_tallies_root_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["lower_plan_id"],
            ["plans.id"],
            name=op.f("fk_cascade_plan_tallies_lower_plan_id_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cascade_plan_tallies")),
    )
    op.create_index(
        "ix_cascade_plan_tallies_root",
        "cascade_plan_tallies",
        ["root_task_id", "depth", "lower_plan_id"],
    )

    op.create_table(
        "cascade_level_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("root_task_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("plans", sa.Integer(), nullable=False),
        sa.Column("plans_done", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["root_task_id"], ["tasks.id"], name=op.f("fk_cascade_level_plans_root_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cascade_level_plans")),
    )
    op.create_index("ix_cascade_level_plans_root", "cascade_level_plans", ["root_task_id", "level"])


def downgrade():
    op.drop_index("ix_cascade_level_plans_root", table_name="cascade_level_plans")
    op.drop_table("cascade_level_plans")
    op.drop_index("ix_cascade_plan_tallies_root", table_name="cascade_plan_tallies")
    op.drop_table("cascade_plan_tallies")
    op.drop_index("ix_cascade_tallies_root", table_name="cascade_tallies")
    op.drop_table("cascade_tallies")
