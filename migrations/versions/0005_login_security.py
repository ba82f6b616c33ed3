"""login security: login throttling by account, security log, session generation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE on both databases: batch mode would rebuild `users` on SQLite,
    # which fails once other tables point at its rows.
    op.add_column(
        'users',
        sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'), nullable=False),
    )
    op.create_table(
        'security_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum('unknown_user', 'bad_password', 'throttled', name='securityeventkind',
                    native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column('username', sa.String(length=80), nullable=False),
        sa.Column('client_addr', sa.String(length=64), nullable=True),
        sa.Column('device', sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_log')),
    )
    with op.batch_alter_table('security_log', schema=None) as batch_op:
        batch_op.create_index('ix_security_log_client_occurred', ['client_addr', 'occurred_at'], unique=False)
        batch_op.create_index('ix_security_log_occurred', ['occurred_at'], unique=False)
        batch_op.create_index('ix_security_log_username_occurred', ['username', 'occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('security_log', schema=None) as batch_op:
        batch_op.drop_index('ix_security_log_username_occurred')
        batch_op.drop_index('ix_security_log_occurred')
        batch_op.drop_index('ix_security_log_client_occurred')
    op.drop_table('security_log')
    # Not batch mode: rebuilding `users` on SQLite fails on the rows that point at it;
    # SQLite has dropped a plain column in place since 3.35.
    op.drop_column('users', 'session_generation')
