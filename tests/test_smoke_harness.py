import sqlalchemy as sa

from models import Task, db


def test_demo_template_has_both_plans(demo_app):
    count = db.session.execute(sa.select(sa.func.count(Task.id))).scalar()
    assert count == 69
