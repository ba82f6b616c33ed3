"""tasks plan state due: a plan's open tasks by deadline, from the index

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03 02:40:00

The dashboard's overdue list picks its first twenty within each branch of the unit's
visibility (reports/progress.py `_listed`). For the plans a department tracks, PostgreSQL
read every overdue task of the city (10,000 rows by (state, due_on)) and kept the
department's; by (plan_id, state, due_on) it reads only the tracked plans' overdue rows
(the list: 21 -> 15 ms of SQL on the city).
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_tasks_plan_state_due", "tasks", ["plan_id", "state", "due_on"])


def downgrade():
    op.drop_index("ix_tasks_plan_state_due", table_name="tasks")
