"""personal calendar: one secret iCalendar link per person, a unit's deadlines by month

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-02 12:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023'
# The head when this was written; re-pointed if another migration lands first.
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_calendar_links_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_links')),
        sa.UniqueConstraint('token', name=op.f('uq_calendar_links_token')),
        sa.UniqueConstraint('user_id', name=op.f('uq_calendar_links_user_id')),
    )
    # The month calendar reads a unit's tasks due within one month (reports/calendar.py).
    op.create_index('ix_tasks_lead_due', 'tasks', ['lead_unit_id', 'due_on'])


def downgrade():
    op.drop_index('ix_tasks_lead_due', table_name='tasks')
    op.drop_table('calendar_links')
