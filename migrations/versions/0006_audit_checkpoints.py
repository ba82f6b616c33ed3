"""audit checkpoints: signed checkpoints of the verified audit prefix; chain head protected by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


# The chain head may only advance as the application advances it (copied here so this
# migration stays fixed even if models/audit.py changes later; see the reasoning there):
# seq + 1 with the hash unchanged, then the hash of the event stored at that seq.
_ADVANCES = """NEW.id = OLD.id AND (
           (NEW.seq = OLD.seq + 1 AND NEW.last_hash = OLD.last_hash)
           OR (NEW.seq = OLD.seq
               AND NEW.last_hash = (SELECT hash FROM audit_events WHERE seq = NEW.seq)))"""
TRIGGERS = {
    "sqlite": [
        """CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
       BEGIN SELECT RAISE(ABORT, 'audit_chain_head only advances'); END""",
        f"""CREATE TRIGGER audit_chain_head_only_advances BEFORE UPDATE ON audit_chain_head
       WHEN NOT (({_ADVANCES}) IS TRUE)
       BEGIN SELECT RAISE(ABORT, 'audit_chain_head only advances'); END""",
        """CREATE TRIGGER audit_chain_head_one_row BEFORE INSERT ON audit_chain_head
       WHEN NEW.id <> 1
       BEGIN SELECT RAISE(ABORT, 'audit_chain_head only advances'); END""",
        # Checkpoints are append-only: deleting the newest would let a run resume earlier.
        """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
        """CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END""",
    ],
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION audit_chain_head_guard() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'INSERT' AND NEW.id = 1 THEN RETURN NEW; END IF;
         IF TG_OP = 'UPDATE' AND ({_ADVANCES}) IS TRUE THEN RETURN NEW; END IF;
         RAISE EXCEPTION 'audit_chain_head only advances';
       END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_chain_head_only_advances
       BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head
       FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard()""",
        """CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
       FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard()""",
        """CREATE OR REPLACE FUNCTION audit_checkpoints_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_checkpoints is append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
       FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse()""",
        """CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
       FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse()""",
    ],
}
DROP_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_chain_head_no_delete",
        "DROP TRIGGER IF EXISTS audit_chain_head_only_advances",
        "DROP TRIGGER IF EXISTS audit_chain_head_one_row",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_update",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_chain_head_only_advances ON audit_chain_head",
        "DROP TRIGGER IF EXISTS audit_chain_head_no_truncate ON audit_chain_head",
        "DROP FUNCTION IF EXISTS audit_chain_head_guard()",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_update ON audit_checkpoints",
        "DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints",
        "DROP FUNCTION IF EXISTS audit_checkpoints_refuse()",
    ],
}


def upgrade():
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints'))
    )
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoints_seq'), ['seq'], unique=False)
    for statement in TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoints_seq'))
    op.drop_table('audit_checkpoints')
