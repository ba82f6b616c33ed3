"""report settings: how each unit numbers, addresses and signs its reports

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-02 08:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
# 0010 (anchors) did not exist when this was written: chain after the head of the time.
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'unit_report_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('abbreviation', sa.String(length=40), nullable=False),
        sa.Column('place', sa.String(length=120), nullable=False),
        sa.Column('parent_body', sa.String(length=300), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.Column('distribution', sa.Text(), nullable=False),
        sa.Column('signing_authority', sa.Text(), nullable=False),
        sa.Column('signer_title', sa.String(length=120), nullable=False),
        sa.Column('signer_name', sa.String(length=120), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['unit_id'], ['units.id'], name=op.f('fk_unit_report_settings_unit_id_units')
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'],
            name=op.f('fk_unit_report_settings_updated_by_id_users'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_report_settings')),
        sa.UniqueConstraint('unit_id', name=op.f('uq_unit_report_settings_unit_id')),
    )


def downgrade():
    op.drop_table('unit_report_settings')
