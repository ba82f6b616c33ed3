"""An inspector finds in the demo who verified item 3 of 4403/KH-SGDĐT, and when."""

from __future__ import annotations

import re

import sqlalchemy as sa

from demo.loader import load_demo
from models import Plan, db
from tests.foundation.web import login


def test_inspector_finds_who_verified_item_3(app):
    load_demo(history=True)
    plan_id = db.session.execute(
        sa.select(Plan.id).where(Plan.number == "4403/KH-SGDĐT")
    ).scalar_one()
    client = app.test_client()
    login(client, "sgddt.inspector")
    html = client.get(f"/audit?plan={plan_id}&action=task.verify").get_data(as_text=True)
    row = next(
        r
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
        if "4403/KH-SGDĐT · 3. Duy trì bền vững" in r
    )
    assert "27/09/2024 09:20" in row
    assert "Điều phối viên)" in row and "Xác nhận hoàn thành" in row
    assert "Đã xác nhận" in row and "verified" not in row
