"""task discussion: comments with resolved mentions, and their attachments

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
# 0017 (directory) was the head when this was written (chain ... 0015 -> 0017).
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('mentions', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('edited_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_comments_task_id_tasks')),
        sa.ForeignKeyConstraint(
            ['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    )
    op.create_index('ix_comments_task_id_id', 'comments', ['task_id', 'id'])
    op.create_table(
        'comment_attachments',
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['comment_id'], ['comments.id'], name=op.f('fk_comment_attachments_comment_id_comments')
        ),
        sa.ForeignKeyConstraint(
            ['attachment_id'],
            ['attachments.id'],
            name=op.f('fk_comment_attachments_attachment_id_attachments'),
        ),
        sa.PrimaryKeyConstraint(
            'comment_id', 'attachment_id', name=op.f('pk_comment_attachments')
        ),
    )


def downgrade():
    op.drop_table('comment_attachments')
    op.drop_index('ix_comments_task_id_id', table_name='comments')
    op.drop_table('comments')
