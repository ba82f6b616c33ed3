"""alias scope: a reviewer's mapping holds for this plan, this issuer's plans, or everywhere

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:55:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit_aliases', schema=None) as batch_op:
        # 'global' (everywhere), 'issuer' (plans of the issuer named in scope_key, folded)
        # or 'plan' (the plan whose document fingerprint or number is scope_key).
        batch_op.add_column(
            sa.Column('scope', sa.String(length=10), nullable=False, server_default='global')
        )
        batch_op.add_column(
            sa.Column('scope_key', sa.String(length=300), nullable=False, server_default='')
        )
        # One spelling may now name different units in different scopes.
        batch_op.drop_constraint('uq_unit_aliases_folded', type_='unique')
        batch_op.create_unique_constraint(
            'uq_unit_aliases_folded', ['folded', 'scope', 'scope_key']
        )
        batch_op.create_check_constraint(
            'ck_unit_aliases_alias_scope_known', "scope IN ('global', 'issuer', 'plan')"
        )


def downgrade():
    # Scoped aliases cannot stand under a unique spelling: only global ones are kept.
    op.execute("DELETE FROM unit_aliases WHERE scope <> 'global'")
    with op.batch_alter_table('unit_aliases', schema=None) as batch_op:
        batch_op.drop_constraint('ck_unit_aliases_alias_scope_known', type_='check')
        batch_op.drop_constraint('uq_unit_aliases_folded', type_='unique')
        batch_op.create_unique_constraint('uq_unit_aliases_folded', ['folded'])
        batch_op.drop_column('scope_key')
        batch_op.drop_column('scope')
