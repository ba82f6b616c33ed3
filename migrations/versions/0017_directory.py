"""directory: retired units with a successor, and the history of unit names

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 08:55:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
# 0016 was being written at the same time: chain after the head that existed
# when this was written (0015); the integrator links the heads if needed.
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_units_successor_id_units'), 'units', ['successor_id'], ['id']
        )
    op.create_table(
        'unit_names',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['units.id'], name=op.f('fk_unit_names_unit_id_units')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_names')),
    )
    op.create_index('ix_unit_names_unit_from', 'unit_names', ['unit_id', 'valid_from'])


def downgrade():
    op.drop_index('ix_unit_names_unit_from', table_name='unit_names')
    op.drop_table('unit_names')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_units_successor_id_units'), type_='foreignkey')
        batch_op.drop_column('successor_id')
        batch_op.drop_column('retired_on')
