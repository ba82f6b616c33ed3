"""plans by hand: withdrawn plans keep their number; a source fingerprint on plans

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

LIVE = "status != 'withdrawn'"


def upgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_plans_source_hash'), ['source_hash'], unique=False)
        # The number stays unique only among plans that stand (not withdrawn).
        batch_op.drop_constraint('uq_plans_number', type_='unique')
        batch_op.create_index(
            'uq_plans_number_live',
            ['number'],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('uq_plans_number_live')
        batch_op.create_unique_constraint('uq_plans_number', ['number'])
        batch_op.drop_index(batch_op.f('ix_plans_source_hash'))
        batch_op.drop_column('source_hash')
