"""notification preferences, in-app notifications, event digests and one-click unsubscribe

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-02 09:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
# 0019 (comments) was the head when this was written (chain ... 0015 -> 0017 -> 0019).
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification_prefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (unit_id IS NULL)",
            name=op.f("ck_notification_prefs_one_subscriber"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_prefs_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_notification_prefs_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_prefs")),
        sa.UniqueConstraint("user_id", "kind", name="uq_notification_prefs_user_kind"),
        sa.UniqueConstraint("unit_id", "kind", name="uq_notification_prefs_unit_kind"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notifications_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_notifications_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index("ix_notifications_user_read", "notifications", ["user_id", "read_at"])
    op.create_index("ix_notifications_user_id", "notifications", ["user_id", "id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("unsubscribe_url", sa.String(length=400), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("unsubscribe_url")
    op.drop_index("ix_notifications_user_id", table_name="notifications")
    op.drop_index("ix_notifications_user_read", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("notification_prefs")
