"""plan cascade: plan_links (a lower plan carries out a higher one) and item_links

Revision ID: 0020
Revises: 0024
Create Date: 2026-12-02 12:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
# 0024 was the head when this was written (chain ... 0019 -> 0018 -> 0016 -> 0024).
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plan_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lower_plan_id', sa.Integer(), nullable=False),
        sa.Column('higher_plan_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.Enum('import', 'hand', name='linkmethod', native_enum=False, length=20), nullable=False),
        sa.Column('reference', sa.String(length=80), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['lower_plan_id'], ['plans.id'], name=op.f('fk_plan_links_lower_plan_id_plans')),
        sa.ForeignKeyConstraint(['higher_plan_id'], ['plans.id'], name=op.f('fk_plan_links_higher_plan_id_plans')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_plan_links_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_links')),
        sa.UniqueConstraint('lower_plan_id', 'higher_plan_id', name=op.f('uq_plan_links_lower_plan_id')),
    )
    op.create_index('ix_plan_links_higher', 'plan_links', ['higher_plan_id', 'lower_plan_id'])
    op.create_table(
        'item_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lower_task_id', sa.Integer(), nullable=False),
        sa.Column('higher_task_id', sa.Integer(), nullable=False),
        sa.Column('lower_plan_id', sa.Integer(), nullable=False),
        sa.Column('higher_plan_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('proposed', 'confirmed', 'rejected', name='itemlinkstatus', native_enum=False, length=20), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('basis', sa.String(length=20), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['lower_task_id'], ['tasks.id'], name=op.f('fk_item_links_lower_task_id_tasks')),
        sa.ForeignKeyConstraint(['higher_task_id'], ['tasks.id'], name=op.f('fk_item_links_higher_task_id_tasks')),
        sa.ForeignKeyConstraint(['lower_plan_id'], ['plans.id'], name=op.f('fk_item_links_lower_plan_id_plans')),
        sa.ForeignKeyConstraint(['higher_plan_id'], ['plans.id'], name=op.f('fk_item_links_higher_plan_id_plans')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_item_links_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_links')),
        sa.UniqueConstraint('lower_task_id', 'higher_task_id', name=op.f('uq_item_links_lower_task_id')),
    )
    op.create_index('ix_item_links_higher', 'item_links', ['higher_task_id', 'status', 'lower_task_id'])
    op.create_index('ix_item_links_higher_plan', 'item_links', ['higher_plan_id', 'status'])
    op.create_index('ix_item_links_lower_plan', 'item_links', ['lower_plan_id', 'status'])


def downgrade():
    op.drop_index('ix_item_links_lower_plan', table_name='item_links')
    op.drop_index('ix_item_links_higher_plan', table_name='item_links')
    op.drop_index('ix_item_links_higher', table_name='item_links')
    op.drop_table('item_links')
    op.drop_index('ix_plan_links_higher', table_name='plan_links')
    op.drop_table('plan_links')
