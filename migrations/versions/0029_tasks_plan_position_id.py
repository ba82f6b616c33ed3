"""tasks plan position id: the plan index carries the task id

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 18:00:00

"The tasks of the plans this unit tracks" (reports/visibility.py) needs only the plan and
the id: with the id in the index PostgreSQL reads it from the index alone, where before it
chose a sequential scan of all 100,000 tasks (34 ms) over 3,600 heap fetches. The index
keeps its name and its use (a plan's tasks in order); it is rebuilt wider, not added.
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_tasks_plan_position", table_name="tasks")
    op.create_index("ix_tasks_plan_position", "tasks", ["plan_id", "position", "id"])


def downgrade():
    op.drop_index("ix_tasks_plan_position", table_name="tasks")
    op.create_index("ix_tasks_plan_position", "tasks", ["plan_id", "position"])
