"""visibility and counters: indexes for the user's share of tasks, dashboard tallies

Revision ID: 0013
Revises: 0014
Create Date: 2026-12-02 08:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
# 0014 (api tokens) was the head when this was written; the integrator orders the chain.
down_revision = '0014'
branch_labels = None
depends_on = None

OPEN = "state IN ('assigned', 'in_progress')"


def upgrade():
    op.create_index('ix_task_units_group_role', 'task_units', ['group_id', 'role', 'task_id'])
    op.create_index('ix_unit_group_members_unit', 'unit_group_members', ['unit_id', 'group_id'])
    op.create_index(
        'ix_tasks_plan_parent_position', 'tasks', ['plan_id', 'parent_id', 'position']
    )
    op.create_index('ix_tasks_parent_state', 'tasks', ['parent_id', 'state'])
    op.create_index('ix_tasks_due_plan', 'tasks', ['due_on', 'plan_id'])
    op.create_index(
        'ix_tasks_open_due',
        'tasks',
        ['due_on', 'id'],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        'task_tallies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('lead_unit_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('reported_late', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['lead_unit_id'], ['units.id'], name=op.f('fk_task_tallies_lead_unit_id_units')
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plans.id'], name=op.f('fk_task_tallies_plan_id_plans')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_tallies')),
    )
    op.create_index('ix_task_tallies_due_plan', 'task_tallies', ['due_on', 'plan_id'])
    op.create_index('ix_task_tallies_plan_due', 'task_tallies', ['plan_id', 'due_on'])
    op.create_table(
        'task_view_tallies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('viewer_unit_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('lead_unit_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('reported_late', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['viewer_unit_id'], ['units.id'],
            name=op.f('fk_task_view_tallies_viewer_unit_id_units'),
        ),
        sa.ForeignKeyConstraint(
            ['lead_unit_id'], ['units.id'], name=op.f('fk_task_view_tallies_lead_unit_id_units')
        ),
        sa.ForeignKeyConstraint(
            ['plan_id'], ['plans.id'], name=op.f('fk_task_view_tallies_plan_id_plans')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_view_tallies')),
    )
    op.create_index(
        'ix_task_view_tallies_viewer_due', 'task_view_tallies', ['viewer_unit_id', 'due_on']
    )
    # Existing tasks are counted once, here; from now on every flush keeps both tables.
    op.execute(
        """INSERT INTO task_tallies (plan_id, lead_unit_id, due_on, state, reported_late, n)
           SELECT t.plan_id, t.lead_unit_id, t.due_on, t.state, t.reported_late, COUNT(*)
           FROM tasks t
           WHERE NOT EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = t.id)
           GROUP BY t.plan_id, t.lead_unit_id, t.due_on, t.state, t.reported_late"""
    )
    op.execute(
        """INSERT INTO task_view_tallies
               (viewer_unit_id, plan_id, lead_unit_id, due_on, state, reported_late, n)
           SELECT v.viewer, t.plan_id, t.lead_unit_id, t.due_on, t.state, t.reported_late,
                  COUNT(*)
           FROM tasks t JOIN (
               SELECT t.id AS task_id, p.tracking_unit_id AS viewer
                 FROM tasks t JOIN plans p ON p.id = t.plan_id
               UNION SELECT id, lead_unit_id FROM tasks WHERE lead_unit_id IS NOT NULL
               UNION SELECT task_id, unit_id FROM task_units
                 WHERE role = 'coordinating' AND unit_id IS NOT NULL
               UNION SELECT tu.task_id, m.unit_id FROM task_units tu
                 JOIN unit_group_members m ON m.group_id = tu.group_id
                 WHERE tu.role = 'coordinating'
               UNION SELECT s.id, tu.unit_id FROM tasks s
                 JOIN task_units tu ON tu.task_id = s.parent_id
                 WHERE tu.role = 'coordinating' AND tu.unit_id IS NOT NULL
               UNION SELECT s.id, m.unit_id FROM tasks s
                 JOIN task_units tu ON tu.task_id = s.parent_id
                 JOIN unit_group_members m ON m.group_id = tu.group_id
                 WHERE tu.role = 'coordinating'
           ) v ON v.task_id = t.id
           WHERE NOT EXISTS (SELECT 1 FROM tasks s WHERE s.parent_id = t.id)
           GROUP BY v.viewer, t.plan_id, t.lead_unit_id, t.due_on, t.state, t.reported_late"""
    )


def downgrade():
    op.drop_index('ix_task_view_tallies_viewer_due', table_name='task_view_tallies')
    op.drop_table('task_view_tallies')
    op.drop_index('ix_task_tallies_plan_due', table_name='task_tallies')
    op.drop_index('ix_task_tallies_due_plan', table_name='task_tallies')
    op.drop_table('task_tallies')
    op.drop_index('ix_tasks_open_due', table_name='tasks')
    op.drop_index('ix_tasks_due_plan', table_name='tasks')
    op.drop_index('ix_tasks_parent_state', table_name='tasks')
    op.drop_index('ix_tasks_plan_parent_position', table_name='tasks')
    op.drop_index('ix_task_units_group_role', table_name='task_units')
    op.drop_index('ix_unit_group_members_unit', table_name='unit_group_members')
