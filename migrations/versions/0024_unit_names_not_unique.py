"""units.name no longer unique: schools share names across districts

"Trường Tiểu học Kim Đồng" exists in several districts; the official code stays unique
(uq_units_code) and is what identifies a unit. The constraint was created by 0001 as
uq_units_name (the naming convention of models.base), on SQLite and PostgreSQL alike.

Revision ID: 0024
Revises: 0016
Create Date: 2026-12-02 12:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0024'
# 0016 was the head when this was written (chain ... 0019 -> 0018 -> 0016).
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite cannot drop a constraint in place: batch mode copies the table without it.
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint('uq_units_name', type_='unique')


def downgrade():
    # Fails (as it should) while two units share a name.
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_units_name', ['name'])
