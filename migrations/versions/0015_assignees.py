"""people on tasks: assignees (người thực hiện) and followers

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 08:55:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
# 0013 (visibility) was the head when this was written (chain 0011 -> 0014 -> 0013).
down_revision = '0013'
branch_labels = None
depends_on = None


def _people_table(name: str, extra: list[sa.Column], extra_fks: list) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        *extra,
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f(f'fk_{name}_task_id_tasks')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{name}_user_id_users')),
        *extra_fks,
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint('task_id', 'user_id', name=f'uq_{name}_task_user'),
    )
    op.create_index(f'ix_{name}_user_task', name, ['user_id', 'task_id'])


def upgrade():
    _people_table(
        'task_assignees',
        [
            sa.Column('assigned_by_id', sa.Integer(), nullable=True),
            sa.Column('assigned_at', sa.DateTime(), nullable=False),
        ],
        [
            sa.ForeignKeyConstraint(
                ['assigned_by_id'],
                ['users.id'],
                name=op.f('fk_task_assignees_assigned_by_id_users'),
            )
        ],
    )
    _people_table(
        'task_followers', [sa.Column('created_at', sa.DateTime(), nullable=False)], []
    )


def downgrade():
    for name in ('task_followers', 'task_assignees'):
        op.drop_index(f'ix_{name}_user_task', table_name=name)
        op.drop_table(name)
