"""`planwork plans parse` and `planwork plans import`: the database's directory, preview,
duplicate refusal, update, and the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from models import AuditEvent, Plan, Task, UnitAlias, db
from workflow.directory import add_alias
from workflow.text import fold

from .helpers import NUMBER_4403, SEED_4403, UNKNOWN, counts, unit, user

PLANWORK = Path(sys.executable).parent / "planwork"


def _item10_mention(data: dict) -> dict:
    return next(m for m in data["items"][9]["mentions"]["coordinating"] if m["text"] == UNKNOWN)


def test_parse_resolves_against_the_database_directory(import_app):
    runner = import_app.test_cli_runner()
    result = runner.invoke(args=["plans", "parse", str(SEED_4403), "--json"])
    assert result.exit_code == 0, result.output
    assert _item10_mention(json.loads(result.stdout))["unit"] is None
    add_alias(UNKNOWN, user("sgddt.admin"), unit_id=unit("TCCB").id)
    result = runner.invoke(args=["plans", "parse", str(SEED_4403), "--json"])
    data = json.loads(result.stdout)
    assert _item10_mention(data)["unit"] == "Phòng Tổ chức cán bộ"
    assert len(data["items"]) == 11


def test_parse_falls_back_to_units_json_on_an_empty_database(app):
    result = app.test_cli_runner().invoke(args=["plans", "parse", str(SEED_4403), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["items"][5]["lead"] == [
        "Phòng Giáo dục và Đào tạo thành phố Thủ Đức và các quận, huyện"
    ]
    summary = app.test_cli_runner().invoke(args=["plans", "parse", str(SEED_4403)])
    assert "Tổng cộng: 11 nhiệm vụ, 3 gợi ý." in summary.stdout


def test_import_previews_commits_refuses_a_duplicate_and_updates(import_app):
    runner = import_app.test_cli_runner()
    args = ["plans", "import", str(SEED_4403), "--user", "gdtx.coordinator"]
    # Without --yes it asks; answering no writes nothing.
    before = counts()
    declined = runner.invoke(args=args, input="n\n")
    assert declined.exit_code == 2 and "Đã hủy" in declined.stderr
    assert "Kế hoạch số: 4403/KH-SGDĐT" in declined.stdout
    assert f"Chưa nhận ra đơn vị: «{UNKNOWN}» (nhiệm vụ 10)" in declined.stdout
    assert counts() == before

    created = runner.invoke(
        args=[*args, "--yes", "--tracking-unit", "GDTX", "--map", f"{UNKNOWN}=TCCB"]
    )
    assert created.exit_code == 0, created.output
    assert "với 11 nhiệm vụ" in created.stdout
    plan = db.session.execute(sa.select(Plan).where(Plan.number == NUMBER_4403)).scalar_one()
    assert plan.tracking_unit_id == unit("GDTX").id
    item6 = db.session.execute(
        sa.select(Task).where(Task.plan_id == plan.id, Task.number == "6", Task.parent_id.is_(None))
    ).scalar_one()
    assert len(item6.subtasks) == 22
    alias = db.session.execute(
        sa.select(UnitAlias).where(UnitAlias.folded == fold(UNKNOWN))
    ).scalar_one()
    assert alias.unit_id == unit("TCCB").id

    after_first = counts()
    again = runner.invoke(args=[*args, "--yes"])
    assert again.exit_code == 2
    assert "đã có trong hệ thống" in again.stderr and "--update" in again.stderr
    assert counts() == after_first

    updated = runner.invoke(args=[*args, "--yes", "--update"])
    assert updated.exit_code == 0, updated.output
    assert "thêm 0 nhiệm vụ, sửa 0, giữ nguyên 11" in updated.stdout
    assert counts() == after_first  # the same document changes nothing
    assert not db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "task.update")
    ).first()


def test_import_refuses_members_and_unknown_codes(import_app):
    runner = import_app.test_cli_runner()
    before = counts()
    member = runner.invoke(
        args=["plans", "import", str(SEED_4403), "--user", "gdtx.member", "--yes"]
    )
    assert member.exit_code == 2
    assert "Chỉ điều phối viên hoặc quản trị viên" in member.stderr
    bad_code = runner.invoke(
        args=["plans", "import", str(SEED_4403), "--yes", "--map", f"{UNKNOWN}=NOPE"]
    )
    assert bad_code.exit_code == 2 and "mã «NOPE»" in bad_code.stderr
    assert counts() == before


def test_installed_console_script_parses_with_the_database_directory(import_app, tmp_path):
    add_alias(UNKNOWN, user("sgddt.admin"), unit_id=unit("TCCB").id)
    url = import_app.config["SQLALCHEMY_DATABASE_URI"]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLANWORK_INSTANCE": str(tmp_path),
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(
        [str(PLANWORK), "plans", "parse", str(SEED_4403), "--json"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    data = json.loads(done.stdout)
    assert len(data["items"]) == 11
    assert _item10_mention(data)["unit"] == "Phòng Tổ chức cán bộ"
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    failed = subprocess.run(
        [str(PLANWORK), "plans", "parse", str(empty)],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert failed.returncode == 2
    assert "Tệp rỗng" in failed.stderr.decode()
