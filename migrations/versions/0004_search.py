"""search: folded search_text on tasks and plans, filled for existing rows

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:05:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_NON_WORD = re.compile(r"[^0-9a-z]+")


def _fold(text):
    # A frozen copy of workflow.text.fold: this migration must give the same result later.
    decomposed = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(_NON_WORD.sub(" ", stripped.lower()).split())


def _backfill(table, fields):
    conn = op.get_bind()
    tbl = sa.table(table, sa.column("id"), sa.column("search_text"), *[sa.column(f) for f in fields])
    rows = conn.execute(sa.select(tbl.c.id, *[tbl.c[f] for f in fields])).all()
    updates = [
        {"row_id": row[0], "text": _fold(" ".join(str(v or "") for v in row[1:]))} for row in rows
    ]
    if updates:
        conn.execute(
            tbl.update().where(tbl.c.id == sa.bindparam("row_id")).values(
                search_text=sa.bindparam("text")
            ),
            updates,
        )


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _backfill("tasks", ("number", "section", "title", "content", "timeframe_text"))
    _backfill("plans", ("number", "title", "issuer_name", "period"))


def downgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('search_text')
